"""Full-text search of projects behind one interface
(:class:`~cheeseshop.search.interfaces.IProjectSearch`): FTS5 on SQLite,
``tsvector`` on PostgreSQL, chosen by :func:`~cheeseshop.search.dialects.engine_for`."""
