"""Roles: who may do what to a project."""

import enum

from cheeseshop.models.accounts import Role


class RoleName(enum.StrEnum):
    """Stored as their values, as pypi.org names them."""

    OWNER = "Owner"
    MAINTAINER = "Maintainer"


def grant_role(dbsession, user, project, role_name=RoleName.OWNER) -> Role:
    # By id: the user may come from another session (authentication reads
    # on the read connection).
    role = Role(user_id=user.id, project=project, role_name=role_name)
    dbsession.add(role)
    return role
