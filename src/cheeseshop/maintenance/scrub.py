"""``cheeseshop dump --scrub``: an index that can be handed to developers.

Left out: API tokens (and their project scopes), failed password checks,
and the sign-in events of the audit log (``login``, ``login failed``: who
signed in from where, and usernames as typed, which are sometimes
passwords). Replaced: e-mail addresses (by a unique address that cannot be
delivered), password hashes (by a value no password verifies, so nobody can
sign in until an operator sets a password), and the client addresses of the
audit log (by a pseudonym: the same address gets the same pseudonym within
one dump, from a key that is thrown away afterwards). Release metadata
(``author_email`` ...) is public on any index and stays.

Remembered logins live in each process's memory and web sessions in signed
cookies: neither is in the database, so neither is in a dump.

Fail closed: a table this module has not judged, or a new column of a
scrubbed table, stops a scrubbed dump; whoever adds one says here whether
it holds secrets (a unit test names the tables to judge).
"""

import hashlib
import hmac
import secrets

from cheeseshop.accounts.audit import Event

# Nothing secret: the catalog, the journal (usernames are public), roles.
KEPT = frozenset(
    {
        "projects",
        "releases",
        "files",
        "removed_filenames",
        "roles",
        "journal_entries",
        "project_classifiers",
        # The pull-through cache: the upstream's public pages and files.
        "upstream_projects",
        "upstream_objects",
        "upstream_blocks",
        "upstream_counters",
    }
)
LEFT_OUT = frozenset({"api_tokens", "api_token_projects", "login_failures"})
# The scrubbed tables' columns, each judged: a new one stops the dump.
SCRUBBED_COLUMNS = {
    "users": frozenset(
        {"id", "username", "email", "password_hash", "is_active", "is_admin", "created"}
    ),
    "audit_events": frozenset(
        {"id", "occurred", "event", "actor", "address", "user", "project", "detail"}
    ),
}
SIGN_IN_EVENTS = frozenset({Event.LOGIN, Event.LOGIN_FAILED})
# Not a valid argon2 hash: verification fails, it never raises (accounts.users).
UNUSABLE_PASSWORD_HASH = "!scrubbed: no password matches this"
EMAIL_DOMAIN = "scrubbed.invalid"  # RFC 2606: never delivered
COMMAND_LINE = "command line"


class ScrubError(Exception):
    """The dump cannot be scrubbed safely; one line."""


class Scrubber:
    def __init__(self, key=None):
        # Random for each dump and never stored: pseudonyms cannot be
        # traced back to addresses by trying candidates.
        self._key = key or secrets.token_bytes(32)

    def check(self, tables):
        """Refuse tables and columns nobody has judged."""
        for table in tables:
            if table.name in KEPT or table.name in LEFT_OUT:
                continue
            known = SCRUBBED_COLUMNS.get(table.name)
            if known is None:
                raise ScrubError(
                    f"--scrub does not know whether table {table.name} holds secrets: "
                    "judge it in cheeseshop.maintenance.scrub"
                )
            unknown = sorted({column.name for column in table.columns} - known)
            if unknown:
                raise ScrubError(
                    f"--scrub does not know whether column {table.name}.{unknown[0]} holds "
                    "secrets: judge it in cheeseshop.maintenance.scrub"
                )

    def leaves_out(self, table_name) -> bool:
        return table_name in LEFT_OUT

    def row(self, table_name, row):
        """The row as a scrubbed dump holds it, or None to leave it out."""
        if table_name == "users":
            return self._user(row)
        if table_name == "audit_events":
            return self._audit_event(row)
        return row

    def _user(self, row):
        scrubbed = dict(row, password_hash=UNUSABLE_PASSWORD_HASH)
        if row["email"] is not None:
            scrubbed["email"] = f"user{row['id']}@{EMAIL_DOMAIN}"
        return scrubbed

    def _audit_event(self, row):
        if row["event"] in SIGN_IN_EVENTS:
            return None
        return dict(row, address=self.pseudonym(row["address"]))

    def pseudonym(self, address):
        digest = hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()[:12]
        if address.startswith(COMMAND_LINE):
            # Still says it was the command line; not which OS user.
            return f"{COMMAND_LINE} (operator-{digest})"
        return f"client-{digest}"
