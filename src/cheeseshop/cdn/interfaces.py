from zope.interface import Attribute, Interface


class IPurger(Interface):
    """Tells a CDN or a caching proxy that pages changed.

    Pages carry their keys (``Surrogate-Key`` and ``Cache-Tag``, see
    :mod:`cheeseshop.cdn.keys`); a purge names keys, and the front server
    drops every page that carries one of them."""

    repeat_after = Attribute(
        "Seconds after which each purge is sent once more (0: once); set from "
        "cheeseshop.purge.repeat_after."
    )

    def purge(keys):
        """Drop the pages carrying any of ``keys`` (a sorted list of
        strings). Called after the commit that changed them; a failure is
        raised as :class:`cheeseshop.cdn.keys.PurgeFailed` with a line that
        says why, and the caller logs it (the pages then stay until their
        ``s-maxage`` runs out)."""
