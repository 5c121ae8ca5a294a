"""What a rejected upload says."""


class InvalidDistribution(ValueError):
    """An upload that cannot be accepted; ``str()`` is the reason."""


class FileTooLarge(InvalidDistribution):
    pass


class UploadRejected(Exception):
    """``status`` is the HTTP status to answer with, ``str()`` the reason."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status
