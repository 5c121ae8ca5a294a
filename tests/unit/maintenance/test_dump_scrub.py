"""What ``dump --scrub`` keeps, replaces and leaves out (the functional
test proves no secret reaches the archive)."""

import pytest
import sqlalchemy as sa

from cheeseshop.accounts.users import _verify
from cheeseshop.maintenance.dump import dumped_tables
from cheeseshop.maintenance.scrub import (
    KEPT,
    LEFT_OUT,
    SCRUBBED_COLUMNS,
    UNUSABLE_PASSWORD_HASH,
    Scrubber,
    ScrubError,
)


def test_every_table_is_judged():
    """A new table must be judged in cheeseshop.maintenance.scrub: does it
    hold secrets? Until then, a scrubbed dump refuses to run."""
    judged = KEPT | LEFT_OUT | set(SCRUBBED_COLUMNS)
    assert {table.name for table in dumped_tables()} - judged == set()
    Scrubber().check(dumped_tables())


def test_a_table_or_column_nobody_judged_stops_the_dump():
    metadata = sa.MetaData()
    sessions = sa.Table("web_sessions", metadata, sa.Column("id", sa.Integer))
    with pytest.raises(ScrubError, match="does not know whether table web_sessions"):
        Scrubber().check([sessions])
    users = sa.Table(
        "users", metadata, *(sa.Column(name) for name in SCRUBBED_COLUMNS["users"]),
        sa.Column("totp_secret"),
    )  # fmt: skip
    with pytest.raises(ScrubError, match="column users.totp_secret holds"):
        Scrubber().check([users])


def test_users_keep_their_names_and_lose_their_secrets():
    user = {"id": 7, "username": "alice", "email": "a@example.org", "password_hash": "$argon2..."}
    scrubbed = Scrubber().row("users", user)
    assert scrubbed == {
        "id": 7,
        "username": "alice",
        "email": "user7@scrubbed.invalid",
        "password_hash": UNUSABLE_PASSWORD_HASH,
    }
    assert not _verify(UNUSABLE_PASSWORD_HASH, "")
    assert Scrubber().row("users", {**user, "email": None})["email"] is None


def test_audit_addresses_become_pseudonyms_and_sign_ins_are_left_out():
    scrubber = Scrubber(key=b"k" * 32)
    event = {"event": "upload", "address": "192.0.2.1", "detail": "demo-1.0.tar.gz"}
    first = scrubber.row("audit_events", event)
    assert first["address"].startswith("client-") and "192.0.2.1" not in first["address"]
    assert first["address"] == scrubber.row("audit_events", event)["address"]
    assert first["address"] != Scrubber().row("audit_events", event)["address"]
    other = scrubber.row("audit_events", {**event, "address": "192.0.2.2"})
    assert other["address"] != first["address"]
    cli = scrubber.row("audit_events", {**event, "address": "command line (root)"})
    assert cli["address"].startswith("command line (operator-") and "root" not in cli["address"]
    for sign_in in ("login", "login failed"):
        assert scrubber.row("audit_events", {**event, "event": sign_in}) is None
    assert scrubber.leaves_out("api_tokens") and not scrubber.leaves_out("files")
