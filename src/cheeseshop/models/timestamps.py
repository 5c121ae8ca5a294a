import datetime


def utcnow() -> datetime.datetime:
    """Naive UTC, the same on SQLite (no time zones) and PostgreSQL."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
