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


def metadata_from_form(getall) -> packaging.metadata.Metadata:
    """Validated core metadata from the upload form.

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
    metadata = _validated(raw)
    if metadata.classifiers:
        for classifier in metadata.classifiers:
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


def metadata_from_file(data: bytes, what: str) -> packaging.metadata.Metadata:
    """Validated core metadata from a METADATA or PKG-INFO file."""
    try:
        raw, unparsed = packaging.metadata.parse_email(data)
    except ValueError as exc:
        raise InvalidDistribution(f"Invalid {what}: {exc}") from exc
    return _validated(raw, what=what)


def _validated(raw, what="metadata"):
    try:
        return packaging.metadata.Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        messages = "; ".join(_describe(exc) for exc in group.exceptions)
        raise InvalidDistribution(f"Invalid {what}: {messages}") from group


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
