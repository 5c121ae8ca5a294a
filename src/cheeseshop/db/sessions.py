"""Sessions: joined to pyramid_tm for writes, a plain connection for reads."""

import zope.sqlalchemy
from sqlalchemy.orm import sessionmaker

READ_METHODS = ("GET", "HEAD")


def get_session_factory(engine):
    return sessionmaker(bind=engine)


def get_tm_session(session_factory, transaction_manager):
    dbsession = session_factory()
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def is_write_request(request):
    """pyramid_tm's activate hook: only requests that may write run in a
    transaction; reads use a plain connection and cost no two-phase commit."""
    return request.method not in READ_METHODS
