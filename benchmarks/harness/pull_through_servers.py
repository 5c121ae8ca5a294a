"""The servers of ``pull_through.py``: the upstream index, the index with a
pull-through cache of it (``cheeseshop.upstream``), and a twin of the
latter on the same data that revalidates every page it serves
(``cheeseshop.upstream.ttl = 0``).  All three are ``cheeseshop serve`` on
SQLite and a folder (the embedded default), installed as ``private_index.py``
installs them (``--cheeseshop-install``)."""

from __future__ import annotations

from .servers import Cheeseshop


class _Upstream:
    name = "upstream"


class _Cache:
    name = "cache"
    upstream_url = ""
    ttl = 300

    def env(self):
        return {
            **super().env(),
            "CHEESESHOP_UPSTREAM": self.upstream_url,
            "CHEESESHOP_UPSTREAM_TTL": str(self.ttl),
        }


class _Revalidating(_Cache):
    name = "cache-ttl0"
    ttl = 0

    def prepare(self):  # the cache's data, as it is
        pass


def _own_dirs(srv):
    srv.data = srv.work / "data" / "pull-through" / srv.name
    srv.logfile = srv.work / "logs" / "pull-through" / f"{srv.name}.log"
    return srv


def _make(mixin, cls: type[Cheeseshop], args, work):
    srv = _own_dirs(type(cls.__name__ + mixin.__name__, (mixin, cls), {})(args, work))
    # One install for all three (the venv is named after the server).
    srv.venv = cls(args, work).venv
    srv.install_class = cls
    return srv


def upstream_index(cls: type[Cheeseshop], args, work) -> Cheeseshop:
    return _make(_Upstream, cls, args, work)


def caching_index(cls: type[Cheeseshop], args, work, upstream: Cheeseshop) -> Cheeseshop:
    """Started after ``upstream`` (its URL is in the environment)."""
    srv = _make(_Cache, cls, args, work)
    srv.upstream_url = upstream.base + "/simple/"
    return srv


def revalidating_twin(cache: Cheeseshop) -> Cheeseshop:
    """A second ``cheeseshop serve`` on ``cache``'s data, with ttl 0."""
    srv = _make(_Revalidating, cache.install_class, cache.args, cache.work)
    srv.upstream_url, srv.data, srv.password = cache.upstream_url, cache.data, cache.password
    return srv
