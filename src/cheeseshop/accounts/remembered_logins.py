"""Passwords verified recently, remembered per process so that reading a
private index with a password does not cost an argon2 hash per request.

An entry is keyed by HMAC(token key, username, password): the process never
holds a password or an unkeyed hash of one. It remembers the user's id and
the password hash that was verified; a hit is trusted only while the user's
row still has that hash and is active, so a new password or a disabled user
ends it at the next request in every worker (each reads the row anew).
Only reads use it: a write (an upload) always verifies the password.
"""

import collections
import hashlib
import hmac
import threading
import time

# Enough for a CI fleet's distinct credentials; each entry is ~200 bytes.
MAX_ENTRIES = 10_000


class RememberedLogins:
    def __init__(self, key: bytes, seconds: int, max_entries=MAX_ENTRIES, clock=time.monotonic):
        self._key = key
        self.seconds = seconds
        self._max = max_entries
        self._clock = clock
        self._entries = collections.OrderedDict()
        self._lock = threading.Lock()

    def _key_of(self, username, password):
        message = username.encode("utf-8", "surrogatepass") + b"\0"
        message += password.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def recall(self, username, password):
        """(user id, password hash) remembered for these credentials, or None."""
        if not self.seconds:
            return None
        key = self._key_of(username, password)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            user_id, password_hash, until = entry
            if until <= self._clock():
                del self._entries[key]
                return None
            return user_id, password_hash

    def remember(self, username, password, user):
        if not self.seconds:
            return
        key = self._key_of(username, password)
        entry = (user.id, user.password_hash, self._clock() + self.seconds)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def forget(self, username, password):
        with self._lock:
            self._entries.pop(self._key_of(username, password), None)
