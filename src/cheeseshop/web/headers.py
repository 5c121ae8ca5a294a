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


@subscriber(NewResponse)
def add_security_headers(event):
    headers = event.response.headers
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
