"""Permission names used in ACLs and view registrations."""

import enum


class Permission(enum.StrEnum):
    VIEW = "view"
    UPLOAD = "upload"
