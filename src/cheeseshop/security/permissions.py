"""Permission names used in ACLs and view registrations."""

VIEW = "view"
UPLOAD = "upload"
MANAGE = "manage"
ADMIN = "admin"
