"""``/manage/account/``: one's own account — password, API tokens, and the
projects one has a role on."""

from pyramid.view import view_config

from cheeseshop.accounts import roles, tokens, users
from cheeseshop.accounts.audit import Actor
from cheeseshop.models.timestamps import utcnow
from cheeseshop.security.permissions import Permission
from cheeseshop.security.policy import Throttled
from cheeseshop.web import actions, sessions
from cheeseshop.web.actions import REFUSALS, Refused
from cheeseshop.web.resources import ManageAccount

TEMPLATE = "cheeseshop:web/templates/manage_account.jinja2"
# A token's lifetime when it has one: up to ten years.
MAX_TOKEN_DAYS = 3650


def account_url(request) -> str:
    return request.application_url + "/manage/account/"


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def _token_row(token, now):
    if token.revoked is not None:
        state = "revoked"
    elif token.expires is not None and token.expires <= now:
        state = "expired"
    else:
        state = "active"
    return {
        "id": token.id,
        "scope": tokens.describe_scope(token),
        "description": token.description,
        "created": _when(token.created),
        "last_used": _when(token.last_used),
        "expires": _when(token.expires) if token.expires else "never",
        "state": state,
    }


def account_page(request, **extra):
    """What the page shows; ``extra``: an error, a new token, the form's values."""
    user = request.identity.user
    now = utcnow()
    page = {
        "tokens": [
            _token_row(t, now) for t in tokens.list_tokens(request.dbsession, user.username)
        ],
        "projects": roles.list_user_roles(request.dbsession, user.username),
        "max_token_days": MAX_TOKEN_DAYS,
        "error": None,
        "new_token": None,
        "values": {},
    }
    page.update(extra)
    # Nothing of one's account is kept by a cache, least of all a new token.
    request.response.cache_control = "no-store"
    return page


@view_config(
    context=ManageAccount,
    name="",
    request_method="GET",
    renderer=TEMPLATE,
    permission=Permission.MANAGE,
)
def account(request):
    return account_page(request)


@view_config(
    context=ManageAccount,
    name="password",
    request_method="POST",
    renderer=TEMPLATE,
    permission=Permission.MANAGE,
)
def change_password(request):
    user = request.identity.user
    try:
        current = actions.password(request, "current_password", "The current password")
        new = actions.password(request, "new_password", "The new password")
        again = actions.password(request, "new_password_again", "The new password")
        if not current:
            raise Refused("Type your current password.")
        if not new:
            raise Refused("The new password must not be empty.")
        if new != again:
            raise Refused("The two new passwords differ: type the same one twice.")
        # The sign-in's check, limits included: a session left open on a
        # shared computer must not let anyone guess the password here.
        # Before any change: on SQLite a failure is counted in a write of
        # its own, which the request's transaction must not be holding.
        checked = request.registry.security_policy.check_password(
            request, user.username, current, "password change"
        )
        if isinstance(checked, Throttled):
            request.response.headers["Retry-After"] = str(checked.retry_after)
            message = f"Too many wrong passwords; try again in {checked.retry_after} seconds."
            return account_page(request, error=actions.refused(request, message, 429))
        if checked is None:
            raise Refused("The current password is wrong; the password was not changed.")
        changed = users.set_password(
            request.dbsession, user.username, new, actor=Actor.of_request(request, user)
        )
    except REFUSALS as exc:
        return account_page(request, error=actions.refused(request, exc))
    # The new password ends every session opened with the old one, this
    # one included: open a new one, so that whoever changed it stays in.
    sessions.sign_in(request, changed)
    return actions.done(
        request,
        "Your password was changed; every other session of yours has ended.",
        account_url(request),
    )


def _token_form(request, own_projects):
    """create_token's arguments from the form; refused with a message if wrong."""
    allowed = {normalized: name for name, normalized, _ in own_projects}
    chosen = request.POST.getall("project")
    for normalized in chosen:
        if normalized not in allowed:
            raise Refused(f"You have no role on a project {normalized[:200]!r}.")
    return {
        "projects": [allowed[normalized] for normalized in dict.fromkeys(chosen)],
        "expires_in_days": actions.whole_number(
            request, "expires_in", "Expires in (days)", minimum=1, maximum=MAX_TOKEN_DAYS
        ),
        "read_only": actions.checked(request, "read_only"),
        "description": actions.text(request, "description", "The description", max_length=200),
    }


@view_config(
    context=ManageAccount,
    name="tokens",
    request_method="POST",
    renderer=TEMPLATE,
    permission=Permission.MANAGE,
)
def create_token(request):
    """A new token, shown in this answer only: never in a URL or the session."""
    user = request.identity.user
    values = {
        "description": request.POST.get("description", "")[:200],
        "expires_in": request.POST.get("expires_in", "")[:20],
        "read_only": actions.checked(request, "read_only"),
        "projects": request.POST.getall("project"),
    }
    try:
        form = _token_form(request, roles.list_user_roles(request.dbsession, user.username))
        row, secret = tokens.create_token(
            request.dbsession,
            request.registry["token_key"],
            user.username,
            actor=Actor.of_request(request, user),
            **form,
        )
    except REFUSALS as exc:
        return account_page(request, error=actions.refused(request, exc), values=values)
    return account_page(request, new_token=secret, new_token_id=row.id)


@view_config(
    context=ManageAccount,
    name="revoke",
    request_method="POST",
    renderer=TEMPLATE,
    permission=Permission.MANAGE,
)
def revoke_token(request):
    user = request.identity.user
    try:
        token_id = actions.text(request, "token", "The token's id", max_length=20, required=True)
        if not token_id.isdigit():
            raise Refused(f"No token with id {token_id!r}.")
        row = tokens.find_token(request.dbsession, request.registry["token_key"], token_id)
        if row.user_id != user.id:
            # Another user's token: not there, as far as this user may know.
            raise Refused(f"No token with id {token_id}.")
    except REFUSALS as exc:
        return account_page(request, error=actions.refused(request, exc))
    if not tokens.revoke(request.dbsession, row, actor=Actor.of_request(request, user)):
        return actions.done(request, f"Token {row.id} was revoked already.", account_url(request))
    return actions.done(
        request, f"Token {row.id} is revoked: it stops working now.", account_url(request)
    )
