import datetime


def utcnow() -> datetime.datetime:
    """Naive UTC, the same on SQLite (no time zones) and PostgreSQL."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def iso_8601(value: datetime.datetime) -> str:
    """An upload time as the simple and JSON APIs write it (UTC, microseconds)."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def legacy_upload_time(value: datetime.datetime) -> str:
    """The JSON API's older ``upload_time``: no zone, no fraction, as pypi.org's."""
    return value.strftime("%Y-%m-%dT%H:%M:%S")
