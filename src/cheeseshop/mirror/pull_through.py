"""The pull-through cache of ``cheeseshop.upstream``: one per worker,
holding the upstream's connection pool and the cache's bookkeeping."""

import json

from sqlalchemy import select

from cheeseshop.mirror import cache_files, cache_pages, counters
from cheeseshop.mirror.simple_pages import UpstreamPage
from cheeseshop.mirror.upstream_client import UpstreamClient
from cheeseshop.models.upstream import UPSTREAM_PROJECTS
from cheeseshop.rendering import upstream_page


class PullThroughCache:
    def __init__(self, settings, engine):
        self.settings = settings
        self.engine = engine
        self.client = UpstreamClient(
            settings.upstream,
            timeout=settings.upstream_timeout,
            max_page_bytes=settings.upstream_max_page_size,
            user_agent="cheeseshop (pull-through cache)",
        )
        self.counts = counters.Counters(engine)
        self.pages = cache_pages.ProjectPages(
            self.client, engine, self.counts, settings.upstream_ttl
        )
        self.last_use = cache_files.LastUse(engine)

    def may_serve(self, connection, name) -> bool:
        """Whether ``name`` may come from the upstream: a project hosted here
        never does (dependency confusion), nor a blocked name."""
        return not cache_pages.is_local(connection, name) and not cache_pages.is_blocked(
            connection, name
        )

    def project(self, connection, name):
        return self.pages.project(connection, name)

    def stored(self, connection, file_sha256, name):
        row = cache_files.find_stored(connection, file_sha256, name)
        if row is not None:
            self.note_hit(row)
        return row

    def note_hit(self, row):
        """Note a download of the stored object ``row`` (a hit, and its
        last use), whether the view answered it or a replay did."""
        self.counts.add(counters.FILE_HITS)
        self.last_use.note(row.id, row.last_used)

    def wanted(self, connection, project_name, file_sha256, name):
        """What the upstream's page of ``project_name`` says of the object
        a ``/cache/`` URL names, or None. The page kept is read; with none
        kept (pruned since the client read it), the upstream's."""
        row = connection.execute(
            select(UPSTREAM_PROJECTS.c.id, UPSTREAM_PROJECTS.c.page).where(
                UPSTREAM_PROJECTS.c.normalized_name == project_name,
                UPSTREAM_PROJECTS.c.missing.is_(False),
            )
        ).first()
        if row is not None:
            project_id, page = row.id, UpstreamPage.from_json(json.loads(row.page))
        else:
            project = self.pages.project(connection, project_name)
            if project is None:
                return None
            project_id, page = project.id, project.page(connection)
        found = upstream_page.find_file(page, file_sha256, name)
        if found is None:
            return None
        upstream_file, is_metadata = found
        if is_metadata:
            return cache_files.Wanted(
                project_id,
                file_sha256,
                name,
                upstream_file.metadata_sha256,
                upstream_file.url + ".metadata",
                None,
            )
        return cache_files.Wanted(
            project_id, file_sha256, name, file_sha256, upstream_file.url, upstream_file.size
        )

    def fetch(self, storage, wanted, claimed):
        return cache_files.Fetch(
            self.client,
            storage,
            self.engine,
            self.counts,
            wanted,
            claimed,
            self.settings.max_file_size,
        ).open()

    def claim(self, wanted):
        return cache_files.claim(self.engine, wanted)

    def wait_for(self, wanted):
        return cache_files.wait_for(self.engine, wanted, self.settings.upstream_wait_seconds)
