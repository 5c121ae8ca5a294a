"""The answer to a request its caller may not make: 401 with a Basic
challenge when it came without valid credentials (pip, uv and distutils then
send theirs: from the URL, netrc or a keyring), 403 when they were valid."""

from cheeseshop.api.responses import error

REALM = "cheeseshop"


def forbidden(exc, request):
    if exc.result is None:
        # Not a permission check's refusal: a 403 a view chose, with its message.
        return exc
    if request.identity is None:
        if "Authorization" in request.headers:
            message = "Invalid or non-existent authentication information."
        else:
            message = "This index is private: sign in with a username and password or a token."
        return error(401, message, headers={"WWW-Authenticate": f'Basic realm="{REALM}"'})
    return error(403, "You may not do this here.")
