"""The browser's session: a signed cookie (HttpOnly, SameSite=Lax), holding
who signed in and the CSRF token, nothing else.

Signed with a key derived from the token key, so every worker and host
reads every session; a new password ends the sessions opened with the old
one (:meth:`cheeseshop.security.policy.SecurityPolicy.fingerprint`).
"""

import hashlib
import hmac

from pyramid.csrf import SessionCSRFStoragePolicy
from pyramid.session import SignedCookieSessionFactory

from cheeseshop.security.policy import SESSION_COOKIE, SESSION_USER

# Idle time after which a session ends, and how often its cookie is renewed.
TIMEOUT = 12 * 3600
REISSUE = 600


def session_key(token_key: bytes) -> str:
    return hmac.new(token_key, b"cheeseshop session cookie", hashlib.sha256).hexdigest()


def sign_in(request, user):
    """A new session for ``user`` (a fresh one: no session fixation)."""
    request.session.invalidate()
    request.session[SESSION_USER] = [user.id, request.registry.security_policy.fingerprint(user)]
    request.session.new_csrf_token()


def sign_out(request):
    request.session.invalidate()


def includeme(config):
    key = config.registry["token_key"]
    config.set_session_factory(
        SignedCookieSessionFactory(
            session_key(key),
            cookie_name=SESSION_COOKIE,
            httponly=True,
            samesite="Lax",
            timeout=TIMEOUT,
            reissue_time=REISSUE,
        )
    )
    config.set_csrf_storage_policy(SessionCSRFStoragePolicy())
    # Every unsafe request of a page needs the form's token; the upload API
    # (Basic credentials, no cookies) opts out in its view.
    config.set_default_csrf_options(require_csrf=True)
