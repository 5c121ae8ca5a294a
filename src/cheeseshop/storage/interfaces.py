from zope.interface import Attribute, Interface


class IFileStorage(Interface):
    """Where distribution files live, under content-addressed keys.

    Keys look like ``ab/cd/<rest of the blake2b-256 hex digest>/<filename>``:
    a key's bytes never change, so their URL can be cached forever.
    """

    transactional = Attribute(
        "True when stored bytes follow the database transaction by themselves "
        "(they live in the database); False when an aborted transaction must "
        "remove what it stored."
    )

    def for_transaction(dbsession):
        """This storage as an upload in ``dbsession``'s transaction uses it:
        a transactional backend writes on that session's connection; the
        others return themselves."""

    def store(key, fileobj, size, content_type="application/octet-stream"):
        """Store ``size`` bytes read from ``fileobj`` under ``key``.

        Atomic: a reader sees all of the bytes or none of them. Storing a key
        that exists replaces it (with the same bytes, keys being content
        addressed)."""

    def open(key):
        """A readable, seekable binary stream of the key's bytes.

        Raises :class:`cheeseshop.storage.errors.NotFound` when missing."""

    def size(key):
        """The key's size in bytes; raises NotFound when missing."""

    def delete(key):
        """Remove the key; deleting a missing key is not an error."""

    def exists(key):
        """Whether the key is stored."""

    def url(key, request):
        """A URL clients can fetch the key from directly (presigned, CDN), or
        None when the application streams it itself."""

    def accel_redirect(key):
        """The URI a front web server (nginx) serves the key's bytes from
        itself, for the application to name in ``X-Accel-Redirect`` after
        its checks, percent-encoded; None when the application sends the
        bytes."""

    def keys():
        """Iterate over every stored key (for fsck and migrations)."""

    def partial_writes():
        """Names of writes that never finished (a process killed while
        storing: a temporary file, an incomplete multipart upload), for fsck
        to report. Never keys: nothing ever served them."""

    def remove_partial(name):
        """Remove one of :meth:`partial_writes`."""
