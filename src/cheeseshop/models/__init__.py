"""Tables only. Importing this package registers every table on
``Base.metadata`` (alembic and the tests read it from there)."""

from sqlalchemy.orm import configure_mappers

from cheeseshop.models import accounts, blobs, catalog, journal, search, upstream  # noqa: F401

configure_mappers()
