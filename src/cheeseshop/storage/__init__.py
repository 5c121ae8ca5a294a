"""File storage, chosen in the ini with ``cheeseshop.storage``."""

from pyramid.exceptions import ConfigurationError
from zope.interface.verify import verifyObject

from .errors import InvalidKey, NotFound, StorageError
from .interfaces import IFileStorage

__all__ = ["IFileStorage", "InvalidKey", "NotFound", "StorageError", "storage_from_settings"]

BACKENDS = {
    "filesystem": "cheeseshop.storage.filesystem.FilesystemStorage",
    "s3": "cheeseshop.storage.s3.S3Storage",
    "sql": "cheeseshop.storage.sql.SQLStorage",
}


def storage_from_settings(settings, maybe_dotted=None):
    """Build the configured backend; a bad setting is a ConfigurationError
    naming the key."""
    from pyramid.path import DottedNameResolver

    name = settings.get("cheeseshop.storage", "filesystem")
    if not name:
        raise ConfigurationError(
            "cheeseshop.storage is empty: use filesystem, s3, sql or a dotted class name"
        )
    dotted = BACKENDS.get(name, name)
    try:
        factory = DottedNameResolver().maybe_resolve(dotted)
    except (ImportError, ValueError, AttributeError) as exc:
        raise ConfigurationError(
            f"cheeseshop.storage = {name}: no such backend ({exc})"
        ) from exc
    try:
        storage = factory.from_settings(settings)
    except StorageError as exc:
        raise ConfigurationError(f"cheeseshop.storage = {name}: {exc}") from exc
    if not IFileStorage.providedBy(storage):
        raise ConfigurationError(
            f"cheeseshop.storage = {name}: {dotted} does not implement IFileStorage"
        )
    verifyObject(IFileStorage, storage)
    return storage


def includeme(config):
    storage = storage_from_settings(config.get_settings())
    config.registry.registerUtility(storage, IFileStorage)
    config.add_request_method(
        lambda request: request.registry.getUtility(IFileStorage),
        "storage",
        reify=True,
    )
