"""Security headers on every answer: no script or style from elsewhere or
inline, no framing, no MIME sniffing, and no full URL leaked to other
sites. A README's images may come from any https host."""

from pyramid.events import NewResponse, subscriber

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' https: data:",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


_LOWERED = [(name.lower(), name, value) for name, value in HEADERS.items()]


@subscriber(NewResponse)
def add_security_headers(event):
    # A header the response set already is kept. On the header list itself:
    # ``headers.setdefault`` scans every header once per name it sets.
    headerlist = event.response.headerlist
    present = {name.lower() for name, _ in headerlist}
    headerlist.extend((name, value) for lowered, name, value in _LOWERED if lowered not in present)
