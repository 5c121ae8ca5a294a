"""Permission names used in ACLs and view registrations."""

import enum


class Permission(enum.StrEnum):
    VIEW = "view"
    UPLOAD = "upload"


# The principal of users who may act on any project.
ADMINS = "group:admins"
