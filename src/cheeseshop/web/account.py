"""Signing in and out of the web pages."""

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from cheeseshop.security.policy import Throttled
from cheeseshop.web import sessions
from cheeseshop.web.resources import AccountPages

LOGIN_TEMPLATE = "cheeseshop:web/templates/login.jinja2"


def _next_url(request, value):
    """Where to go after signing in: a path of this site, never elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return request.application_url + "/"
    return request.application_url + value


@view_config(context=AccountPages, name="login", renderer=LOGIN_TEMPLATE, request_method="GET")
def login_form(request):
    return {"next": request.params.get("next", ""), "username": "", "error": None}


@view_config(context=AccountPages, name="login", renderer=LOGIN_TEMPLATE, request_method="POST")
def login(request):
    username = request.POST.get("username", "")[:100]
    password = request.POST.get("password", "")[:1000]
    next_path = request.POST.get("next", "")[:2000]
    result = None
    if username and password:
        result = request.registry.security_policy.check_password(request, username, password, "web")
    if isinstance(result, Throttled):
        request.response.status = 429
        request.response.headers["Retry-After"] = str(result.retry_after)
        seconds = "1 second" if result.retry_after == 1 else f"{result.retry_after} seconds"
        error = f"Too many failed sign-ins; try again in {seconds}."
    elif result is None:
        request.response.status = 400
        error = "The username or password is wrong."
    else:
        sessions.sign_in(request, result)
        return HTTPSeeOther(location=_next_url(request, next_path))
    return {"next": next_path, "username": username, "error": error}


@view_config(context=AccountPages, name="logout", request_method="POST")
def logout(request):
    sessions.sign_out(request)
    return HTTPSeeOther(location=request.application_url + "/")
