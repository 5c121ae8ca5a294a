"""File storage, chosen in the settings with ``cheeseshop.storage``: a
built-in backend's name or the dotted name of a class."""

from pyramid.exceptions import ConfigurationError
from pyramid.path import DottedNameResolver
from zope.interface.verify import verifyObject

from cheeseshop.storage.errors import StorageError
from cheeseshop.storage.interfaces import IFileStorage

BACKENDS = {
    "filesystem": "cheeseshop.storage.filesystem.FilesystemStorage",
    "s3": "cheeseshop.storage.s3.S3Storage",
    "sql": "cheeseshop.storage.sql.SQLStorage",
}
# The options (cheeseshop.storage.<option>) of the built-in backends.
BUILTIN_OPTIONS = frozenset(
    {
        "path",
        "accel_redirect",
        "bucket",
        "prefix",
        "endpoint_url",
        "region",
        "redirect",
        "url_expires",
    }
)


def backend_class(name):
    """The class behind a ``cheeseshop.storage`` value."""
    dotted = BACKENDS.get(name, name)
    try:
        factory = DottedNameResolver().maybe_resolve(dotted)
    except (ImportError, ValueError, AttributeError) as exc:
        raise ConfigurationError(f"cheeseshop.storage = {name}: no such backend ({exc})") from exc
    if not IFileStorage.implementedBy(factory):
        raise ConfigurationError(
            f"cheeseshop.storage = {name}: {dotted} does not implement IFileStorage"
        )
    return factory


def storage_from_settings(settings):
    """Build the configured backend; a bad setting is a ConfigurationError
    naming the key."""
    try:
        storage = backend_class(settings.storage).from_settings(settings)
    except StorageError as exc:
        raise ConfigurationError(f"cheeseshop.storage = {settings.storage}: {exc}") from exc
    verifyObject(IFileStorage, storage)
    return storage


def includeme(config):
    storage = storage_from_settings(config.registry.cheeseshop_settings)
    config.registry.registerUtility(storage, IFileStorage)
    config.add_request_method(
        lambda request: request.registry.getUtility(IFileStorage),
        "storage",
        reify=True,
    )
