"""The database: engines, sessions joined to pyramid_tm, the schema gate."""

from pyramid.exceptions import ConfigurationError
from sqlalchemy.orm import Session

from cheeseshop.db import migrations
from cheeseshop.db.engines import get_engine
from cheeseshop.db.sessions import get_session_factory, get_tm_session, is_write_request


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    settings.setdefault("tm.activate_hook", is_write_request)
    # The journal records who did what; annotating the transaction would ask
    # for the identity (a database query) outside any view's error handling.
    settings.setdefault("tm.annotate_user", False)
    config.include("pyramid_tm")

    index_settings = config.registry.cheeseshop_settings
    try:
        migrations.prepare(index_settings.require_database_url())
    except migrations.SchemaError as exc:
        raise ConfigurationError(str(exc)) from exc
    engine = get_engine(index_settings)
    read_engine = engine
    if engine.dialect.name == "sqlite":
        read_engine = get_engine(index_settings, writer=False)
    session_factory = get_session_factory(engine)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine
    config.registry["db_read_engine"] = read_engine

    def read_connection(request):
        """A Core connection for the read path, closed when the request ends."""
        connection = read_engine.connect()
        request.add_finished_callback(lambda request: connection.close())
        return connection

    def read_session(request):
        """An ORM session on the read connection, never committed."""
        return Session(bind=request.read_connection)

    def dbsession(request):
        if is_write_request(request):
            return get_tm_session(session_factory, request.tm)
        return request.read_session

    config.add_request_method(read_connection, reify=True)
    config.add_request_method(read_session, reify=True)
    config.add_request_method(dbsession, reify=True)
