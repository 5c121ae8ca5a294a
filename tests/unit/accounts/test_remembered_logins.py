"""What a worker remembers of verified passwords: for a while, a bounded
number, keyed so that nothing it holds is a password."""

from types import SimpleNamespace

from cheeseshop.accounts.remembered_logins import RememberedLogins

KEY = b"k" * 32


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def user(user_id=1, password_hash="$argon2id$hash"):
    return SimpleNamespace(id=user_id, password_hash=password_hash)


def test_remembered_until_the_time_is_up():
    clock = Clock()
    logins = RememberedLogins(KEY, seconds=300, clock=clock)
    logins.remember("alice", "secret", user())
    assert logins.recall("alice", "secret") == (1, "$argon2id$hash")
    assert logins.recall("alice", "other") is None
    assert logins.recall("alic", "esecret") is None  # the separator counts
    clock.now += 299
    assert logins.recall("alice", "secret") is not None
    clock.now += 1
    assert logins.recall("alice", "secret") is None


def test_zero_seconds_remembers_nothing():
    logins = RememberedLogins(KEY, seconds=0)
    logins.remember("alice", "secret", user())
    assert logins.recall("alice", "secret") is None


def test_the_oldest_entries_go_first_and_forget_forgets():
    logins = RememberedLogins(KEY, seconds=300, max_entries=3)
    for number in range(4):
        logins.remember(f"user{number}", "pw", user(number))
    assert logins.recall("user0", "pw") is None
    assert [logins.recall(f"user{n}", "pw")[0] for n in (1, 2, 3)] == [1, 2, 3]
    logins.forget("user2", "pw")
    assert logins.recall("user2", "pw") is None


def test_no_password_is_held():
    logins = RememberedLogins(KEY, seconds=300)
    logins.remember("alice", "a very particular password", user())
    held = repr(logins._entries)
    assert "particular" not in held and "alice" not in held
