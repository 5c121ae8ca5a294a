"""Permission names used in ACLs and view registrations."""

import enum


class Permission(enum.StrEnum):
    VIEW = "view"
    UPLOAD = "upload"
    # A project's roles, releases and status (Owners), one's own account.
    MANAGE = "manage"
    # Users and projects of the whole index (admins).
    ADMIN = "admin"


# The principal of users who may act on any project.
ADMINS = "group:admins"
