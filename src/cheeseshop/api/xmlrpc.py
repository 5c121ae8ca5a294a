"""pypi.org's XML-RPC API, for mirrors and tools: POST ``/pypi`` or ``/RPC2``.

A call is a read: it needs the ``view`` permission (on a private index, an
anonymous call is a 401 with the Basic challenge) and no CSRF token, since
XML-RPC clients have no session. Its body is at most 64 KiB (see
:mod:`cheeseshop.web.forms`), and a document type declaration, hence any
entity, is refused before it can expand. Whatever goes wrong in a call is a
fault (HTTP 200, as XML-RPC answers): an unknown method, arguments of the
wrong number or type, a body that is not XML-RPC; never a 500. A database
that cannot be reached is still a 503 with Retry-After, so a mirror retries.
"""

import dataclasses
import logging
import xmlrpc.client
from collections.abc import Callable

from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from cheeseshop.api.resources import JsonIndex, XmlRpcEndpoint
from cheeseshop.api.responses import error, files_url
from cheeseshop.rendering import xmlrpc_methods as methods
from cheeseshop.rendering.xml_text import xml_safe
from cheeseshop.security.permissions import Permission
from cheeseshop.web.forms import MAX_FORM_BYTES

log = logging.getLogger(__name__)

# The fault codes of the XML-RPC introspection conventions (as JSON-RPC's).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32500

INT_RANGE = range(-(2**31), 2**31)  # XML-RPC's <int>: four bytes, signed


MAX_FAULT_STRING = 500


class Refused(Exception):
    """A call answered with a fault; its message may quote the body, so it
    is cut short and kept to what XML can carry."""

    def __init__(self, code, message):
        message = xml_safe(message)
        if len(message) > MAX_FAULT_STRING:
            message = message[: MAX_FAULT_STRING - 3] + "..."
        super().__init__(message)
        self.fault = xmlrpc.client.Fault(code, message)


@dataclasses.dataclass(frozen=True)
class Param:
    name: str
    kind: type
    required: bool = True

    def check(self, method, value):
        if self.kind is bool and isinstance(value, int) and value in (0, 1):
            return bool(value)  # <boolean> arrives as bool; some clients send 0 or 1
        if self.kind is int:
            if isinstance(value, int) and not isinstance(value, bool) and value in INT_RANGE:
                return value
        elif isinstance(value, self.kind):
            return value
        raise Refused(
            INVALID_PARAMS,
            f"{method}: {self.name} must be {KIND_NAMES[self.kind]}, not {_shown(value)}",
        )


KIND_NAMES = {str: "a string", int: "a 32-bit integer", bool: "a boolean"}


@dataclasses.dataclass(frozen=True)
class Method:
    answer: Callable  # answer(request, *arguments)
    params: tuple[Param, ...] = ()

    def arguments(self, name, values):
        required = sum(p.required for p in self.params)
        if not required <= len(values) <= len(self.params):
            expected = str(required)
            if required != len(self.params):
                expected = f"{required} to {len(self.params)}"
            signature = ", ".join(p.name for p in self.params)
            raise Refused(
                INVALID_PARAMS,
                f"{name}({signature}) takes {expected} arguments, not {len(values)}",
            )
        return [param.check(name, value) for param, value in zip(self.params, values)]


def _connection(request):
    return request.read_connection


def _base_url(request):
    return request.application_url + "/"


NAME = Param("package_name", str)
VERSION = Param("version", str)

METHODS = {
    "list_packages": Method(lambda r: methods.list_packages(_connection(r))),
    "list_packages_with_serial": Method(
        lambda r: methods.list_packages_with_serial(_connection(r))
    ),
    "package_releases": Method(
        lambda r, name, show_hidden=False: methods.package_releases(
            _connection(r), name, show_hidden
        ),
        (NAME, Param("show_hidden", bool, required=False)),
    ),
    "release_urls": Method(
        lambda r, name, version: methods.release_urls(_connection(r), name, version, files_url(r)),
        (NAME, VERSION),
    ),
    "release_data": Method(
        lambda r, name, version: methods.release_data(_connection(r), name, version, _base_url(r)),
        (NAME, VERSION),
    ),
    "package_roles": Method(lambda r, name: methods.package_roles(_connection(r), name), (NAME,)),
    "user_packages": Method(
        lambda r, user: methods.user_packages(_connection(r), user), (Param("user", str),)
    ),
    "changelog_last_serial": Method(lambda r: methods.changelog_last_serial(_connection(r))),
    "changelog_since_serial": Method(
        lambda r, serial: methods.changelog_since_serial(_connection(r), serial),
        (Param("since_serial", int),),
    ),
    "changelog": Method(
        lambda r, since, with_ids=False: methods.changelog(_connection(r), since, with_ids),
        (Param("since", int), Param("with_ids", bool, required=False)),
    ),
}


def _shown(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _no_dtd(*args):
    raise Refused(PARSE_ERROR, "A document type declaration is not accepted.")


def parse_call(body: bytes):
    """(method name, arguments) of an XML-RPC call; a DOCTYPE or an entity
    declaration is refused as soon as the parser meets it, before anything
    is expanded (an XML-RPC call never needs one)."""
    parser, unmarshaller = xmlrpc.client.getparser(use_builtin_types=True)
    expat = getattr(parser, "_parser", None)
    if expat is None:  # not CPython's expat parser: look at the bytes
        if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
            _no_dtd()
    else:
        expat.StartDoctypeDeclHandler = _no_dtd
        expat.EntityDeclHandler = _no_dtd
    try:
        parser.feed(body)
        parser.close()
        arguments = unmarshaller.close()
    except Refused:
        raise
    except Exception as exc:  # expat's errors, and bad values (<int>x</int>)
        raise Refused(PARSE_ERROR, f"Not an XML-RPC call: {exc}") from None
    name = unmarshaller.getmethodname()
    if not name:
        raise Refused(INVALID_REQUEST, "Not an XML-RPC call: no methodName.")
    return name, arguments


def encodable(value):
    """``value`` as XML-RPC can carry it: no None (answered as ""), no
    character XML forbids, integers beyond four bytes as doubles."""
    if value is None:
        return ""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if value in INT_RANGE else float(value)
    if isinstance(value, dict):
        return {xml_safe(str(k)): encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encodable(v) for v in value]
    return value


def answer(request, body: bytes):
    """The XML-RPC response (a document) to the call in ``body``."""
    try:
        name, values = parse_call(body)
        method = METHODS.get(name)
        if method is None:
            raise Refused(METHOD_NOT_FOUND, f"No method {_shown(name)}.")
        arguments = method.arguments(name, values)
        try:
            result = method.answer(request, *arguments)
        except (OperationalError, PoolTimeout):
            raise  # a 503 with Retry-After (api/failures.py): worth retrying
        except Exception:
            log.exception("XML-RPC %s failed", name)
            raise Refused(INTERNAL_ERROR, f"{name} failed; the error was logged.") from None
        return xmlrpc.client.dumps(
            (encodable(result),), methodresponse=True, allow_none=False, encoding="utf-8"
        )
    except Refused as refused:
        return xmlrpc.client.dumps(refused.fault, methodresponse=True, encoding="utf-8")


@view_config(
    context=JsonIndex,
    name="",
    request_method="POST",
    permission=Permission.VIEW,
    require_csrf=False,
)
@view_config(
    context=XmlRpcEndpoint,
    name="",
    request_method="POST",
    permission=Permission.VIEW,
    require_csrf=False,
)
def xmlrpc_view(request):
    # The Content-Length was checked before any view (web/forms.py); a
    # chunked body has none, so no more than the bound is read here.
    body = request.body_file.read(MAX_FORM_BYTES + 1)
    if len(body) > MAX_FORM_BYTES:
        raise error(413, f"A call may send at most {MAX_FORM_BYTES // 1024} KiB.")
    document = answer(request, body)
    response = Response(body=document.encode("utf-8"), content_type="text/xml", charset="utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response
