import pytest
from sqlalchemy import select

from cheeseshop.models.catalog import Project
from cheeseshop.search.dialects import engine_for, reindex
from cheeseshop.settings import load as load_settings
from cheeseshop.storage import storage_from_settings
from tests import factories


class Index:
    """Releases made as rows and indexed (the way the catalog's functions
    index them: ``reindex`` in the same transaction), and searches."""

    def __init__(self, dbsession, tm, engine):
        self.dbsession, self.tm, self.engine = dbsession, tm, engine

    def project(self, name):
        """The ORM project ``name`` (in the current transaction)."""
        return self.dbsession.scalar(
            select(Project).where(
                Project.normalized_name == factories.project(name).normalized_name
            )
        )

    def release(self, name, version="1.0", **fields):
        """Add release ``version`` of ``name`` (made if missing), with core
        metadata ``fields`` (summary=, keywords=, description=,
        classifiers=, yanked=, is_prerelease=), and reindex it."""
        with self.tm:
            project = self.project(name)
            if project is None:
                project = factories.project(name)
                self.dbsession.add(project)
            self.dbsession.add(factories.release(project, version, **fields))
            reindex(self.dbsession, project)

    def search(self, query, **options):
        with self.engine.connect() as connection:
            return engine_for(connection).search(connection, query, **options)

    def names(self, query, **options):
        return [hit.name for hit in self.search(query, **options).hits]


@pytest.fixture
def index(dbsession, tm, engine):
    return Index(dbsession, tm, engine)


@pytest.fixture
def storage(settings):
    return storage_from_settings(load_settings(settings))
