import pytest

from tests import factories


@pytest.fixture
def demo(dbsession, tm):
    """Project Demo.Pkg with release 1.0."""
    with tm:
        dbsession.add(factories.release(factories.project("Demo.Pkg"), "1.0"))
