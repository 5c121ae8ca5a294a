"""The file-like face of backends whose bytes are fetched piecewise."""

import io


class RemoteReadStream(io.RawIOBase):
    """A readable, seekable stream over bytes fetched on demand.

    Subclasses implement ``_fetch(n)`` (up to ``n`` bytes at ``position``,
    b"" at the end) and ``_reposition()`` (forget what was fetched after a
    seek); this class keeps the position and the file protocol.
    """

    def __init__(self):
        super().__init__()
        self.position = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def read(self, n=-1):
        data = self._fetch(None if n is None or n < 0 else n)
        self.position += len(data)
        return data

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset, whence=io.SEEK_SET):
        if whence != io.SEEK_SET:
            raise OSError("these streams seek from the start only")
        if offset != self.position:
            self.position = offset
            self._reposition()
        return self.position

    def tell(self):
        return self.position
