"""Errors as people see them: 404 and 403 pages in the site's look, and a
browser that must sign in sent to the sign-in page. Machines keep their
answers: the JSON API's 404 is JSON, as pypi.org's; the simple API, files
and uploads answer as before, and a private index still challenges pip and
uv with 401 (:mod:`cheeseshop.security.challenge`)."""

from urllib.parse import urlencode

from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response

# The pages for people (and /, the landing page).
WEB_PATHS = r"^/((project|user|search|account|manage|admin)(/.*)?)?$"
BROWSER = r"Accept:.*text/html"


def _page(request, status, title, message):
    response = render_to_response(
        "cheeseshop:web/templates/error.jinja2",
        {"title": title, "message": message},
        request=request,
    )
    response.status = status
    return response


def not_found_page(exc, request):
    return _page(request, 404, "Not found", "There is no page at this address.")


def not_found_json(exc, request):
    # As pypi.org answers: {"message": "Not Found"}.
    return Response(json_body={"message": "Not Found"}, status=404, charset="utf-8")


def forbidden_page(exc, request):
    if exc.result is None:
        return exc  # a 403 a view chose, with its own message
    if request.identity is None:
        target = request.path_qs if request.method in ("GET", "HEAD") else "/"
        query = urlencode({"next": target})
        return HTTPSeeOther(location=request.application_url + "/account/login/?" + query)
    return _page(request, 403, "Not allowed", "Your account may not see or do this.")


def bad_csrf_page(exc, request):
    # A form of an old page (signed in or out since), of another site, or
    # sent with cookies turned off: pyramid's default page says as much in
    # a paragraph of jargon.
    return _page(
        request,
        400,
        "Form expired",
        "This form was sent from a page that is too old, or from another site, "
        "so nothing was done. Go back, reload the page and send the form again "
        "(this site needs cookies to sign in).",
    )


def includeme(config):
    config.add_notfound_view(not_found_json, path_info=r"^/pypi/")
    config.add_notfound_view(not_found_page, header=BROWSER)
    config.add_forbidden_view(forbidden_page, path_info=WEB_PATHS, header=BROWSER)
    for refusal in (BadCSRFToken, BadCSRFOrigin):
        config.add_exception_view(bad_csrf_page, context=refusal, path_info=WEB_PATHS)
