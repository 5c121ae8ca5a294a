"""Table rows as JSON objects and back, without losing anything.

Each column has a *kind*, recorded in the dump's manifest, that says how its
values are written: JSON has no datetimes, decimals or bytes, and a JSON
column's SQL NULL and its JSON ``null`` both read back as Python None. So a
JSON column travels as its text (``CAST(... AS TEXT)``), exactly as the
database holds it, and goes back in as that text; a datetime as ISO 8601
with its microseconds; bytes as base64. A value that does not fit its kind
(a corrupt or foreign archive) is a :class:`RowError`, never a guess.
"""

import base64
import datetime
import decimal

import sqlalchemy as sa

INTEGER = "integer"
BOOLEAN = "boolean"
STRING = "string"
FLOAT = "float"
DECIMAL = "decimal"
DATETIME = "datetime"
DATE = "date"
TIME = "time"
JSON = "json"
BYTES = "bytes"

# Most specific first: Float is a Numeric, Text and Enum are Strings.
_KIND_OF_TYPE = (
    (sa.JSON, JSON),
    (sa.LargeBinary, BYTES),
    (sa.Boolean, BOOLEAN),
    (sa.DateTime, DATETIME),
    (sa.Date, DATE),
    (sa.Time, TIME),
    (sa.Integer, INTEGER),
    (sa.Float, FLOAT),
    (sa.Numeric, DECIMAL),
    (sa.String, STRING),
)

# What a loader binds each kind as (the target's own column types decide
# how the database stores them).
SQL_TYPE_OF_KIND = {
    INTEGER: sa.BigInteger(),
    BOOLEAN: sa.Boolean(),
    STRING: sa.Text(),
    FLOAT: sa.Float(),
    DECIMAL: sa.Numeric(),
    DATETIME: sa.DateTime(),
    DATE: sa.Date(),
    TIME: sa.Time(),
    JSON: sa.Text(),  # the JSON text, see json_value()
    BYTES: sa.LargeBinary(),
}
KINDS = frozenset(SQL_TYPE_OF_KIND)


class RowError(ValueError):
    """A row that does not fit the columns the manifest describes."""


def kind_of(column) -> str:
    """The kind of a model's column; a type no kind describes is refused
    (a dump that loses values silently would be worse than none)."""
    for sql_type, kind in _KIND_OF_TYPE:
        if isinstance(column.type, sql_type):
            return kind
    raise RowError(f"column {column.table.name}.{column.name}: cannot dump type {column.type!r}")


def selected(column, kind):
    """What to select for ``column``: a JSON column as its text."""
    if kind == JSON:
        return sa.cast(column, sa.Text).label(column.name)
    return column


def encode(kinds, row) -> dict:
    """A row (a mapping of column name to value) as a JSON-ready dict."""
    return {name: _encode(kinds[name], value) for name, value in row.items()}


def _encode(kind, value):
    if value is None:
        return None
    if kind in (DATETIME, DATE, TIME):
        return value.isoformat()
    if kind == DECIMAL:
        return str(value)
    if kind == BYTES:
        return base64.b64encode(value).decode("ascii")
    return value


def decode(kinds, row) -> dict:
    """The values of a decoded JSON line, typed for the insert."""
    if not isinstance(row, dict):
        raise RowError("a row is not a JSON object")
    if row.keys() != kinds.keys():
        unexpected = sorted(row.keys() - kinds.keys()) or sorted(kinds.keys() - row.keys())
        raise RowError(f"the row's columns are not the manifest's ({', '.join(unexpected)})")
    try:
        return {name: _decode(kinds[name], value) for name, value in row.items()}
    except (TypeError, ValueError, decimal.InvalidOperation) as exc:
        raise RowError(str(exc)) from exc


_JSON_TYPES = {
    INTEGER: int,
    BOOLEAN: bool,
    STRING: str,
    FLOAT: (int, float),
    DECIMAL: str,
    DATETIME: str,
    DATE: str,
    TIME: str,
    JSON: str,
    BYTES: str,
}
_PARSE = {
    DECIMAL: decimal.Decimal,
    DATETIME: datetime.datetime.fromisoformat,
    DATE: datetime.date.fromisoformat,
    TIME: datetime.time.fromisoformat,
    BYTES: lambda text: base64.b64decode(text, validate=True),
}


def _decode(kind, value):
    if value is None:
        return None
    expected = _JSON_TYPES[kind]
    # bool is an int in Python: a boolean is no integer, nor the reverse.
    if not isinstance(value, expected) or (kind in (INTEGER, FLOAT) and isinstance(value, bool)):
        raise RowError(f"{value!r} is not a {kind} value")
    parse = _PARSE.get(kind)
    return parse(value) if parse else value


def needs_json_cast(dialect_name, kind) -> bool:
    """Whether a loader's insert casts the bound text to JSON: PostgreSQL
    puts no text parameter into a json column by itself (and ``CAST(NULL AS
    JSON)`` stays SQL NULL); SQLite keeps JSON as text anyway."""
    return dialect_name == "postgresql" and kind == JSON
