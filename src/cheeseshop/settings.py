"""Every cheeseshop setting, parsed once into a typed, frozen :class:`Settings`.

Sources, each overriding the one before: the defaults (a private index on
this machine), the ini's ``[app:main]`` with ``${NAME}`` references expanded,
and ``CHEESESHOP_<KEY>`` environment variables (``cheeseshop.storage.bucket``
is ``CHEESESHOP_STORAGE_BUCKET``; the database URL is
``CHEESESHOP_DATABASE_URL``). ``cheeseshop.data_dir`` (``--data``) makes the
embedded default: SQLite and a files folder in one directory.

An unknown ``cheeseshop.*`` key in the ini stops the start, naming the closest
known key; an unknown ``CHEESESHOP_*`` variable is only logged, since other
tools (the test scripts among them) use the prefix too.
"""

import dataclasses
import difflib
import importlib.util
import logging
import os
import re
import types
from collections.abc import Mapping

from pyramid.exceptions import ConfigurationError

log = logging.getLogger(__name__)

PREFIX = "cheeseshop."
ENV_PREFIX = "CHEESESHOP_"
STORAGE_OPTION_PREFIX = "cheeseshop.storage."
DATABASE_URL = "sqlalchemy.url"
DATABASE_URL_VARIABLE = "CHEESESHOP_DATABASE_URL"


# Settings Pyramid and its add-ons read, with cheeseshop's defaults.
PYRAMID_DEFAULTS = {
    "tm.commit_veto": "pyramid_tm.default_commit_veto",
    "jinja2.directories": "cheeseshop:web/templates",
}


def parse_whole_number(key, value) -> int:
    """A whole number, or a ConfigurationError naming the setting."""
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigurationError(f"{key} = {value}: not a whole number") from None
    if number < 0:
        raise ConfigurationError(f"{key} = {value}: must not be negative")
    return number


def _text(key, value):
    return value.strip()


def _optional_text(key, value):
    return value.strip() or None


def _choice(*choices):
    def parse(key, value):
        value = value.strip().lower()
        if value not in choices:
            raise ConfigurationError(f"{key} = {value}: use {' or '.join(choices)}")
        return value

    return parse


TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")


def _boolean(key, value):
    value = value.strip().lower()
    if value not in TRUE + FALSE:
        raise ConfigurationError(f"{key} = {value}: use true or false")
    return value in TRUE


def _index_url(key, value):
    value = value.strip()
    if not value:
        return None
    if not value.startswith(("http://", "https://")):
        raise ConfigurationError(f"{key} = {value}: not an http:// or https:// URL")
    return value if value.endswith("/") else value + "/"


def _folder(key, value):
    return os.path.abspath(os.path.expanduser(value.strip())) if value.strip() else None


@dataclasses.dataclass(frozen=True)
class Setting:
    key: str
    default: str | None
    parse: object  # (key, text) -> value

    @property
    def attribute(self):
        return self.key.removeprefix(PREFIX).replace(".", "_")

    @property
    def variable(self):
        return environment_variable(self.key)


def environment_variable(key) -> str:
    """``cheeseshop.storage.bucket`` -> ``CHEESESHOP_STORAGE_BUCKET``."""
    if key == DATABASE_URL:
        return DATABASE_URL_VARIABLE
    return ENV_PREFIX + key.removeprefix(PREFIX).replace(".", "_").upper()


# Every cheeseshop.* setting but the storage backends' options.
SETTINGS = {
    s.key: s
    for s in (
        Setting("cheeseshop.data_dir", None, _folder),
        Setting("cheeseshop.storage", "filesystem", _text),
        Setting("cheeseshop.files_url", "", _optional_text),
        Setting("cheeseshop.max_file_size", str(1024**3), parse_whole_number),
        Setting("cheeseshop.page_cache_bytes", str(64 * 1024**2), parse_whole_number),
        Setting("cheeseshop.sqlite_busy_timeout", "30000", parse_whole_number),
        # Bounds on what one request may cost (docs/operations.rst, "Limits").
        Setting("cheeseshop.upload.max_fields", "4000", parse_whole_number),
        Setting("cheeseshop.upload.max_field_size", str(1024**2), parse_whole_number),
        Setting("cheeseshop.upload.max_form_size", str(8 * 1024**2), parse_whole_number),
        Setting("cheeseshop.upload.max_field_values", "1000", parse_whole_number),
        Setting("cheeseshop.upload.max_description_size", str(512 * 1024), parse_whole_number),
        Setting("cheeseshop.upload.readme_seconds", "5", parse_whole_number),
        Setting("cheeseshop.archive.max_members", "50000", parse_whole_number),
        Setting("cheeseshop.archive.max_inflated_size", str(1024**3), parse_whole_number),
        Setting("cheeseshop.archive.max_metadata_size", str(1024**2), parse_whole_number),
        Setting("cheeseshop.login.max_failures_per_address", "30", parse_whole_number),
        Setting("cheeseshop.login.max_failures_per_user", "10", parse_whole_number),
        Setting("cheeseshop.login.failure_window", "900", parse_whole_number),
        Setting("cheeseshop.login.remember_seconds", "300", parse_whole_number),
        # Who may read: everyone, or only users with a password or token.
        Setting("cheeseshop.read_access", "public", _choice("public", "authenticated")),
        # The key of the API tokens' keyed hashes; the embedded default
        # keeps one in the data folder (cheeseshop.accounts.tokens).
        Setting("cheeseshop.token_key", None, _optional_text),
        Setting("cheeseshop.access_log", "true", _boolean),
        # serve's default worker count: one per core, at most this many.
        Setting("cheeseshop.serve.max_workers", "8", parse_whole_number),
        # The pull-through cache (cheeseshop.mirror): off without a URL.
        Setting("cheeseshop.upstream", "", _index_url),
        Setting("cheeseshop.upstream.ttl", "300", parse_whole_number),
        Setting("cheeseshop.upstream.timeout", "10", parse_whole_number),
        Setting("cheeseshop.upstream.max_page_size", str(64 * 1024**2), parse_whole_number),
        Setting("cheeseshop.upstream.wait_seconds", "300", parse_whole_number),
        # A CDN or caching proxy in front (cheeseshop.cdn).
        Setting("cheeseshop.cdn.s_maxage", "0", parse_whole_number),
        Setting("cheeseshop.purge", "none", _text),
        Setting("cheeseshop.purge.url", "", _optional_text),
        Setting("cheeseshop.purge.service", "", _optional_text),
        Setting("cheeseshop.purge.token", "", _optional_text),
        Setting("cheeseshop.purge.api_url", "", _optional_text),
        Setting("cheeseshop.purge.timeout", "5", parse_whole_number),
        Setting("cheeseshop.purge.repeat_after", "2", parse_whole_number),
    )
}


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str | None  # the database's commands and the app need it, fsck's target does not
    # The other sqlalchemy.* keys (pool_size, pool_pre_ping, ...), unprefixed.
    database_options: Mapping[str, str]
    data_dir: str | None
    storage: str
    # cheeseshop.storage.<option> -> value, for the chosen backend to read.
    storage_options: Mapping[str, str]
    files_url: str | None
    max_file_size: int
    page_cache_bytes: int
    sqlite_busy_timeout: int
    upload_max_fields: int
    upload_max_field_size: int
    upload_max_form_size: int
    upload_max_field_values: int
    upload_max_description_size: int
    upload_readme_seconds: int
    archive_max_members: int
    archive_max_inflated_size: int
    archive_max_metadata_size: int
    login_max_failures_per_address: int
    login_max_failures_per_user: int
    login_failure_window: int
    login_remember_seconds: int
    read_access: str
    token_key: str | None
    access_log: bool
    serve_max_workers: int
    upstream: str | None
    upstream_ttl: int
    upstream_timeout: int
    upstream_max_page_size: int
    upstream_wait_seconds: int
    cdn_s_maxage: int
    purge: str
    purge_url: str | None
    purge_service: str | None
    purge_token: str | None
    purge_api_url: str | None
    purge_timeout: int
    purge_repeat_after: int
    # What Pyramid and its add-ons read (pyramid.*, tm.*, jinja2.*, ...):
    # never a cheeseshop.* key, so this object is their only source.
    pyramid: Mapping[str, object]

    @property
    def upload_body_limit(self) -> int:
        """The largest upload request body: the file, the other fields, and
        room for each part's headers."""
        return self.max_file_size + self.upload_max_form_size + 1024 * self.upload_max_fields

    @property
    def private(self) -> bool:
        """Whether reading needs credentials."""
        return self.read_access == "authenticated"

    def require_database_url(self) -> str:
        if not self.database_url:
            raise ConfigurationError(
                f"{DATABASE_URL} is not set (nor {DATABASE_URL_VARIABLE}, nor cheeseshop.data_dir)"
            )
        return self.database_url

    def storage_option(self, name, default=None):
        return self.storage_options.get(name, default)


ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def expand_environment(key, value, environ=os.environ):
    """``${NAME}`` and ``${NAME:-default}`` in a setting, from the environment.

    Done by the app itself, so ``cheeseshop -c`` and ``pserve`` read an ini
    the same way; a missing variable without a default names the setting.
    """
    if not isinstance(value, str) or "${" not in value:
        return value

    def replace(match):
        name, default = match.group(1), match.group(2)
        if environ.get(name):
            return environ[name]
        if default is not None:  # as in the shell: unset or empty
            return default
        if name in environ:
            return ""
        raise ConfigurationError(f"{key} needs the environment variable {name}, which is not set")

    return ENV_REFERENCE.sub(replace, value)


def _closest(name, candidates):
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f"; did you mean {match[0]}?" if match else ""


def _from_environment(environ):
    """The cheeseshop settings the environment sets, by key."""
    found = {}
    by_variable = {s.variable: s.key for s in SETTINGS.values()}
    by_variable[DATABASE_URL_VARIABLE] = DATABASE_URL
    storage_prefix = environment_variable(STORAGE_OPTION_PREFIX)
    for variable, value in environ.items():
        if not variable.startswith(ENV_PREFIX):
            continue
        if variable in by_variable:
            found[by_variable[variable]] = value
        elif variable.startswith(storage_prefix):
            option = variable.removeprefix(storage_prefix).lower()
            found[STORAGE_OPTION_PREFIX + option] = value
        else:
            _unknown_variable(variable, by_variable)
    return found


def _unknown_variable(variable, known):
    log.warning("%s names no cheeseshop setting; ignored%s", variable, _closest(variable, known))


def _storage_options(storage, ini_options, environment_options):
    """The chosen backend's options: ini keys it does not know stop the
    start, environment variables it does not know are logged and ignored.
    Options that another built-in backend knows are ignored quietly, so
    switching backends needs no clean-up."""
    from cheeseshop.storage import BUILTIN_OPTIONS, backend_class

    known = getattr(backend_class(storage), "OPTIONS", ())
    ignored = BUILTIN_OPTIONS - set(known)
    keys = [STORAGE_OPTION_PREFIX + o for o in known]
    for name in ini_options:
        if name not in known and name not in ignored:
            key = STORAGE_OPTION_PREFIX + name
            raise ConfigurationError(
                f"{key} is not a setting of the {storage} storage{_closest(key, keys)}"
            )
    for name in environment_options:
        if name not in known and name not in ignored:
            variable = environment_variable(STORAGE_OPTION_PREFIX + name)
            _unknown_variable(variable, [environment_variable(key) for key in keys])
    options = {**ini_options, **environment_options}
    return {name: value.strip() for name, value in options.items() if name in known}


# What an optional part needs, and the extra that installs it.
EXTRAS = {"s3": ("boto3", "s3"), "postgresql+psycopg": ("psycopg", "postgresql")}


def _check_extras(storage, database_url):
    """Choosing S3 or PostgreSQL without its extra stops the start with one
    line saying what to install."""
    needs = []
    if storage == "s3":
        needs.append(("cheeseshop.storage = s3", EXTRAS["s3"]))
    scheme = (database_url or "").partition("://")[0]
    if scheme in EXTRAS:
        needs.append((f"sqlalchemy.url = {scheme}://...", EXTRAS[scheme]))
    for what, (module, extra) in needs:
        if importlib.util.find_spec(module) is None:
            raise ConfigurationError(
                f"{what} needs {module}, which is not installed: pip install 'cheeseshop[{extra}]'"
            )


def _is_filesystem_option(key):
    from cheeseshop.storage import backend_class

    return key.removeprefix(STORAGE_OPTION_PREFIX) in backend_class("filesystem").OPTIONS


def load(ini=None, environ=None, *, data_dir=None, overrides=True) -> Settings:
    """The settings from an ini's ``[app:main]`` (a mapping) and the
    environment. ``data_dir`` is the command line's ``--data``: the database
    and the files are in that folder, whatever the environment says."""
    environ = os.environ if environ is None else environ
    raw = {
        key: expand_environment(key, value, environ)
        for key, value in (ini or {}).items()
        if value is not None and key not in ("here", "__file__")
    }
    for key in raw:
        if (
            key.startswith(PREFIX)
            and key not in SETTINGS
            and not key.startswith(STORAGE_OPTION_PREFIX)
        ):
            raise ConfigurationError(
                f"{key} is not a cheeseshop setting{_closest(key, list(SETTINGS))}"
            )
    # overrides=False: the ini alone (${NAME} references still read the
    # environment), for an ini that names another index's parts.
    environment = _from_environment(environ) if overrides else {}
    raw.update(environment)
    if data_dir is not None:
        # --data: SQLite and files in that folder, whatever else is set;
        # the folder backend's other options (accel_redirect) still apply.
        raw = {
            k: v
            for k, v in raw.items()
            if k not in (DATABASE_URL, STORAGE_OPTION_PREFIX + "path")
            and (not k.startswith(STORAGE_OPTION_PREFIX) or _is_filesystem_option(k))
        }
        environment = {}
        raw.update({"cheeseshop.data_dir": data_dir, "cheeseshop.storage": "filesystem"})

    values = {}
    for setting in SETTINGS.values():
        text = raw.get(setting.key, setting.default)
        values[setting.attribute] = None if text is None else setting.parse(setting.key, text)
    storage, folder = values["storage"], values["data_dir"]
    if not storage:
        raise ConfigurationError(
            "cheeseshop.storage is empty: use filesystem, s3, sql or a dotted class name"
        )
    database_url = raw.get(DATABASE_URL, "").strip() or None
    if folder and not database_url:
        database_url = "sqlite:///" + os.path.join(folder, "cheeseshop.sqlite")
    _check_extras(storage, database_url)
    storage_options = _storage_options(
        storage,
        {
            k.removeprefix(STORAGE_OPTION_PREFIX): v
            for k, v in raw.items()
            if k.startswith(STORAGE_OPTION_PREFIX) and k not in environment
        },
        {
            k.removeprefix(STORAGE_OPTION_PREFIX): v
            for k, v in environment.items()
            if k.startswith(STORAGE_OPTION_PREFIX)
        },
    )
    if folder and storage == "filesystem":
        storage_options.setdefault("path", os.path.join(folder, "files"))
    database_options = {
        key.removeprefix("sqlalchemy."): value
        for key, value in raw.items()
        if key.startswith("sqlalchemy.") and key != DATABASE_URL
    }
    pyramid = dict(PYRAMID_DEFAULTS)
    pyramid.update(
        (key, value)
        for key, value in raw.items()
        if not key.startswith(PREFIX) and not key.startswith("sqlalchemy.")
    )
    return Settings(
        database_url=database_url,
        database_options=types.MappingProxyType(database_options),
        storage_options=types.MappingProxyType(storage_options),
        pyramid=types.MappingProxyType(pyramid),
        **values,
    )
