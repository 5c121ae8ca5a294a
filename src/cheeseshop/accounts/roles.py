"""Roles: who may do what to a project. Owners and Maintainers upload; the
last Owner of a project can be neither removed nor demoted. Every change is
journaled."""

import enum

from sqlalchemy import func, select

from cheeseshop.accounts import audit
from cheeseshop.accounts.audit import Event
from cheeseshop.accounts.users import AccountError, find_user
from cheeseshop.catalog import journal
from cheeseshop.catalog.projects import get_project
from cheeseshop.models.accounts import Role, User
from cheeseshop.models.catalog import Project


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


def list_roles(dbsession, project_name) -> list[tuple[str, str]]:
    """(username, role) of a project, owners first."""
    project = get_project(dbsession, project_name)
    rows = dbsession.execute(
        select(User.username, Role.role_name)
        .join(Role, Role.user_id == User.id)
        .where(Role.project_id == project.id)
        .order_by(Role.role_name.desc(), User.username)
    ).all()
    return [(username, role) for username, role in rows]


def list_user_roles(dbsession, username) -> list[tuple[str, str, str]]:
    """(project name, its normal form, role) of every project ``username``
    has a role on, by name."""
    user = _user(dbsession, username)
    rows = dbsession.execute(
        select(Project.name, Project.normalized_name, Role.role_name)
        .join(Role, Role.project_id == Project.id)
        .where(Role.user_id == user.id)
        .order_by(Project.normalized_name)
    ).all()
    return [(name, normalized, role) for name, normalized, role in rows]


def set_role(dbsession, project_name, username, role_name, by=None, actor=None) -> str:
    """Give ``username`` ``role_name`` on the project (adding or changing
    it); a sentence saying what changed. ``by``: the user, for the journal;
    ``actor``: who and from where, for the audit log (None: the command
    line)."""
    role_name = RoleName(role_name)
    project = get_project(dbsession, project_name)
    user = _user(dbsession, username)
    role = _role(dbsession, project, user)
    if role is None:
        grant_role(dbsession, user, project, role_name)
        audit.record(
            dbsession,
            Event.ROLE_ADDED,
            actor,
            user=user.username,
            project=project.name,
            detail=role_name,
        )
        journal.record(dbsession, project, f"add {role_name} {user.username}", user=by)
        return f"{user.username} is now {role_name} of {project.name}"
    if role.role_name == role_name:
        return f"{user.username} is already {role_name} of {project.name}"
    if role.role_name == RoleName.OWNER:
        _keep_an_owner(dbsession, project, user, "demoted")
    old, role.role_name = role.role_name, role_name
    audit.record(
        dbsession,
        Event.ROLE_CHANGED,
        actor,
        user=user.username,
        project=project.name,
        detail=f"{old} -> {role_name}",
    )
    journal.record(dbsession, project, f"change {old} {user.username} to {role_name}", user=by)
    return f"{user.username} is now {role_name} of {project.name}"


def remove_role(dbsession, project_name, username, by=None, actor=None) -> str:
    project = get_project(dbsession, project_name)
    user = _user(dbsession, username)
    role = _role(dbsession, project, user)
    if role is None:
        raise AccountError(f"{user.username} has no role on {project.name}.")
    if role.role_name == RoleName.OWNER:
        _keep_an_owner(dbsession, project, user, "removed")
    dbsession.delete(role)
    audit.record(
        dbsession,
        Event.ROLE_REMOVED,
        actor,
        user=user.username,
        project=project.name,
        detail=role.role_name,
    )
    journal.record(dbsession, project, f"remove {role.role_name} {user.username}", user=by)
    return f"{user.username} has no role on {project.name} any more"


def _user(dbsession, username):
    user = find_user(dbsession, username)
    if user is None:
        raise AccountError(f"No user {username!r}.")
    return user


def _role(dbsession, project, user):
    return dbsession.scalar(
        select(Role).where(Role.project_id == project.id, Role.user_id == user.id)
    )


def _keep_an_owner(dbsession, project, user, change):
    owners = dbsession.scalar(
        select(func.count())
        .select_from(Role)
        .where(Role.project_id == project.id, Role.role_name == RoleName.OWNER)
    )
    if owners <= 1:
        raise AccountError(
            f"{user.username} is the last Owner of {project.name} and cannot be {change}; "
            "make another user Owner first."
        )
