"""Core metadata from the upload form and from the files inside a distribution,
validated with ``packaging``."""

import packaging.metadata
import trove_classifiers

from cheeseshop.publishing.errors import InvalidDistribution

# Form field names of the legacy upload API that differ from packaging's
# RawMetadata keys; the rest are the same.
FORM_TO_RAW = {
    "platform": "platforms",
    "supported_platform": "supported_platforms",
    "license_file": "license_files",
    "import_name": "import_names",
    "import_namespace": "import_namespaces",
}


LIST_FIELDS = packaging.metadata._LIST_FIELDS


STRING_FIELDS = packaging.metadata._STRING_FIELDS


# distutils sends these 1.1 fields while claiming Metadata-Version 1.0.
_FIELDS_ADDED_IN_1_1 = {"classifiers", "download_url", "requires", "provides", "obsoletes"}


def raw_from_form(getall) -> dict:
    """The upload form's core metadata, as packaging's RawMetadata keys.

    ``getall(field)`` returns the list of values the form has for a field.
    """
    raw = {}
    for field in (
        *STRING_FIELDS,
        *LIST_FIELDS,
        *FORM_TO_RAW,
        "keywords",
        "project_urls",
    ):
        values = [v for v in getall(field) if _is_given(v)]
        if not values:
            continue
        key = FORM_TO_RAW.get(field, field)
        if key in STRING_FIELDS:
            raw[key] = values[0]
        elif key == "keywords":
            raw[key] = [k.strip() for k in ",".join(values).split(",") if k.strip()]
        elif key == "project_urls":
            raw[key] = _project_urls(values)
        else:
            raw[key] = values
    if raw.get("metadata_version") == "1.0" and _FIELDS_ADDED_IN_1_1 & raw.keys():
        raw["metadata_version"] = "1.1"
    if "metadata_version" not in raw:
        raise InvalidDistribution("'metadata_version' is a required field.")
    return raw


def metadata_from_form(getall) -> packaging.metadata.Metadata:
    """Validated core metadata from the upload form."""
    return validated(raw_from_form(getall))


def validated(raw, what="metadata") -> packaging.metadata.Metadata:
    metadata = _validated(raw, what)
    for classifier in metadata.classifiers or ():
        if classifier in trove_classifiers.deprecated_classifiers:
            raise InvalidDistribution(
                f"Invalid value for classifiers. Error: Classifier {classifier!r} "
                "has been deprecated."
            )
        if classifier not in trove_classifiers.classifiers:
            raise InvalidDistribution(
                f"Invalid value for classifiers. Error: Classifier {classifier!r} "
                "is not a valid classifier."
            )
    return metadata


def raw_from_file(data: bytes, what: str) -> dict:
    """A METADATA or PKG-INFO file's fields, as packaging's RawMetadata keys
    (distutils' "UNKNOWN" placeholders left out, as from the form)."""
    try:
        raw, _unparsed = packaging.metadata.parse_email(data)
    except ValueError as exc:
        raise InvalidDistribution(f"Invalid {what}: {exc}") from exc
    for key, value in list(raw.items()):
        if isinstance(value, str) and not _is_given(value):
            del raw[key]
        elif isinstance(value, list):
            raw[key] = [v for v in value if not isinstance(v, str) or _is_given(v)]
    return raw


def metadata_from_file(data: bytes, what: str) -> packaging.metadata.Metadata:
    """Validated core metadata from a METADATA or PKG-INFO file."""
    return validated(raw_from_file(data, what), what=what)


# Free text that clients re-wrap when they copy it into the form.
_TEXT_FIELDS = {"description", "license", "summary"}


def contradiction(form_raw: dict, file_raw: dict) -> str | None:
    """The first field for which the form says something the file does not
    (None when they agree). Fields only the file has are no contradiction:
    the file's metadata is what is recorded and served."""
    for key, value in form_raw.items():
        if key == "metadata_version":  # distutils sends 1.0 for 1.1 files
            continue
        if _comparable(key, value) != _comparable(key, file_raw.get(key)):
            return key
    return None


def _comparable(key, value):
    if value is None:
        return None
    if key in _TEXT_FIELDS:
        return " ".join(value.split())
    if key == "project_urls":
        return {k.strip(): v.strip() for k, v in value.items()}
    if isinstance(value, list):
        return sorted(" ".join(v.split()) for v in value)
    return " ".join(value.split())


def _validated(raw, what="metadata"):
    try:
        return packaging.metadata.Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        messages = "; ".join(_describe(exc) for exc in group.exceptions)
        raise InvalidDistribution(f"Invalid {what}: {messages}") from group
    except (ValueError, TypeError) as exc:
        # packaging lets the email module's own errors through (a line
        # break in Description-Content-Type, say).
        raise InvalidDistribution(f"Invalid {what}: {_describe(exc)}") from exc


def _describe(exc):
    field = getattr(exc, "field", None)
    if field:
        return f"{field}: {exc}"
    return str(exc)


def _is_given(value):
    # distutils fills missing fields with "UNKNOWN"; pypi.org ignores them too.
    return isinstance(value, str) and value.strip() not in ("", "UNKNOWN")


def _project_urls(values):
    urls = {}
    for value in values:
        label, sep, url = value.partition(",")
        if not sep or not url.strip():
            raise InvalidDistribution(
                f"Invalid value for project_urls: {value!r} is not 'Label, URL'."
            )
        urls[label.strip()] = url.strip()
    return urls
