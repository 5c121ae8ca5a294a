"""Traversal's root: the first URL segment names a surface's container.

Each surface adds its containers with ``config.add_url_container(name,
factory)`` (``simple``, ``pypi``, ``packages``, ``legacy``: see
:mod:`cheeseshop.api.resources`); below them, contexts carry their ``__acl__``.
"""

from pyramid.authorization import Allow, Everyone

from cheeseshop.security.permissions import Permission


class Resource:
    __name__ = ""
    __parent__ = None

    def __init__(self, request, name="", parent=None):
        self.request = request
        self.__name__ = name
        self.__parent__ = parent


class Root(Resource):
    __acl__ = [(Allow, Everyone, Permission.VIEW)]

    def __getitem__(self, name):
        container = self.request.registry[CONTAINERS][name]
        return container(self.request, name, self)


CONTAINERS = "cheeseshop.url_containers"


def root_factory(request):
    return Root(request)


def add_url_container(config, name, factory):
    """Serve ``/<name>/...`` by traversing ``factory(request, name, root)``."""
    config.registry.setdefault(CONTAINERS, {})[name] = factory


def includeme(config):
    config.set_root_factory(root_factory)
    config.add_directive("add_url_container", add_url_container)
