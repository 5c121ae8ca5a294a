"""What the management pages' forms share.

A form's action is a POST (with the CSRF token) that either is done — a
message flashed, then 303 back to the page — or refused: the page again,
the reason shown, status 400. pyramid_tm's commit veto aborts the
transaction of any answer of 400 or more, so a refused action leaves no
partial change whatever the domain had done before refusing.
"""

import urllib.parse

from pyramid.httpexceptions import HTTPSeeOther

from cheeseshop.accounts.users import AccountError
from cheeseshop.catalog.projects import CatalogError

# Lists on a page: at most this many rows, and links to the next ones.
PAGE_SIZE = 100
# Passwords: as the sign-in form bounds them.
MAX_PASSWORD = 1000


class Refused(ValueError):
    """A form that cannot be carried out as sent; ``str()`` says why."""


# What a form's action may be refused with: the domains' messages are
# written for people, and shown as they are.
REFUSALS = (Refused, AccountError, CatalogError)


def text(request, name, label, *, max_length=200, required=False) -> str:
    """A text field, stripped; ``label`` names it in messages."""
    value = request.POST.get(name, "").strip()
    if len(value) > max_length:
        raise Refused(f"{label} is too long: at most {max_length} characters.")
    if required and not value:
        raise Refused(f"{label} is missing.")
    return value


def password(request, name, label) -> str:
    """A password field, as typed (spaces count)."""
    value = request.POST.get(name, "")
    if len(value) > MAX_PASSWORD:
        raise Refused(f"{label} is too long: at most {MAX_PASSWORD} characters.")
    return value


def whole_number(request, name, label, *, minimum, maximum) -> int | None:
    """A whole number field; None when left empty."""
    value = text(request, name, label, max_length=20)
    if not value:
        return None
    if not value.isdigit() or not minimum <= int(value) <= maximum:
        raise Refused(f"{label} must be a whole number from {minimum} to {maximum}.")
    return int(value)


def checked(request, name) -> bool:
    return request.POST.get(name) in ("on", "yes", "true", "1")


def done(request, message, location):
    """The answer to an action carried out: its message shown on the next page."""
    request.session.flash(message)
    return HTTPSeeOther(location=location)


def refused(request, exc, status=400) -> str:
    """Set the answer's status for a refused action; the message to show."""
    request.response.status = status
    return str(exc)


class Page:
    """Which slice of a long list a page shows: ``?<param>=N``, 1 first."""

    def __init__(self, request, param="page"):
        self.request = request
        self.param = param
        value = request.GET.get(param, "1")
        self.number = int(value) if value.isdigit() and 0 < len(value) < 7 else 1
        self.number = max(self.number, 1)
        self.offset = (self.number - 1) * PAGE_SIZE
        self.has_next = False

    # One more row than shown says whether there is a next page, without a count.
    limit = PAGE_SIZE + 1

    def rows(self, rows):
        """The rows to show of those fetched with ``offset`` and ``limit``."""
        self.has_next = len(rows) > PAGE_SIZE
        return rows[:PAGE_SIZE]

    def url(self, number) -> str:
        """This page's URL showing page ``number``, other parameters kept."""
        params = [(k, v) for k, v in self.request.GET.items() if k != self.param]
        if number > 1:
            params.append((self.param, str(number)))
        query = urllib.parse.urlencode(params)
        return self.request.path_url + ("?" + query if query else "")

    @property
    def previous_url(self):
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self):
        return self.url(self.number + 1) if self.has_next else None
