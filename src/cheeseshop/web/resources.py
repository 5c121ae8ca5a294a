"""Traversal of the pages for people: ``project``, ``user``, ``search``,
``account``, ``manage`` and ``admin``.

A project's pages are found by its name in normal form (other spellings are
redirected once, at the root, as the APIs' are); a missing one is a KeyError,
which Pyramid answers with the site's 404 page.
"""

import packaging.utils
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Authenticated
from sqlalchemy import select

from cheeseshop.accounts.roles import RoleName
from cheeseshop.accounts.users import USERNAME
from cheeseshop.catalog.projects import find_project
from cheeseshop.models.accounts import Role, User
from cheeseshop.models.catalog import Release
from cheeseshop.resources import Resource, is_project_name, project_in_normal_form
from cheeseshop.security.permissions import ADMINS, Permission


class ProjectPages(Resource):
    """``/project/``: the projects' pages."""

    canonical_segments = staticmethod(project_in_normal_form)

    def __getitem__(self, name):
        if not is_project_name(name) or packaging.utils.canonicalize_name(name) != name:
            raise KeyError(name)
        project = find_project(self.request.read_session, name, lock=False)
        if project is None:
            raise KeyError(name)
        return ProjectPage(self.request, name, self, project)


class ProjectPage(Resource):
    """``/project/<name>/``: ``project`` is the ORM object (read session)."""

    def __init__(self, request, name, parent, project):
        super().__init__(request, name, parent)
        self.project = project

    def __getitem__(self, version):
        if len(version) > 100 or not version.isprintable():
            raise KeyError(version)
        try:
            canonical = packaging.utils.canonicalize_version(version)
        except ValueError:
            raise KeyError(version) from None
        release = self.request.read_session.scalar(
            select(Release).where(
                Release.project_id == self.project.id, Release.canonical_version == canonical
            )
        )
        if release is None:
            raise KeyError(version)
        return ReleasePage(self.request, version, self, release)


class ReleasePage(Resource):
    """``/project/<name>/<version>/``."""

    def __init__(self, request, name, parent, release):
        super().__init__(request, name, parent)
        self.release = release
        self.project = parent.project


class UserPages(Resource):
    """``/user/<name>/``: a user's projects."""

    def __getitem__(self, name):
        if not USERNAME.match(name):
            raise KeyError(name)
        user = self.request.read_session.scalar(select(User).where(User.username == name))
        if user is None:
            raise KeyError(name)
        return UserPage(self.request, name, self, user)


class UserPage(Resource):
    def __init__(self, request, name, parent, user):
        super().__init__(request, name, parent)
        self.user = user


class SearchPage(Resource):
    """``/search/?q=…``."""


class AccountPages(Resource):
    """``/account/login/``, ``/account/logout/``: views by name."""

    always_readable = True


class ManagePages(Resource):
    """``/manage/account/`` (one's own account) and ``/manage/project/<name>/``."""

    __acl__ = [(Allow, Authenticated, Permission.MANAGE), DENY_ALL]

    def __getitem__(self, name):
        if name == "account":
            return ManageAccount(self.request, name, self)
        if name == "project":
            return ManageProjects(self.request, name, self)
        raise KeyError(name)


class ManageAccount(Resource):
    """The signed-in user's account: password, API tokens."""


class ManageProjects(Resource):
    canonical_segments = staticmethod(project_in_normal_form)

    def __getitem__(self, name):
        if not is_project_name(name) or packaging.utils.canonicalize_name(name) != name:
            raise KeyError(name)
        project = find_project(self.request.dbsession, name, lock=False)
        if project is None:
            raise KeyError(name)
        return ManageProject(self.request, name, self, project)


class ManageProject(Resource):
    """A project as its Owners (and admins) manage it; ``project`` is the
    ORM object of ``request.dbsession``."""

    def __init__(self, request, name, parent, project):
        super().__init__(request, name, parent)
        self.project = project

    @property
    def __acl__(self):
        owners = self.request.dbsession.scalars(
            select(Role.user_id).where(
                Role.project_id == self.project.id, Role.role_name == RoleName.OWNER
            )
        ).all()
        return (
            [(Allow, ADMINS, Permission.MANAGE)]
            + [(Allow, f"user:{user_id}", Permission.MANAGE) for user_id in owners]
            + [DENY_ALL]
        )


class AdminPages(Resource):
    """``/admin/``: users and projects of the whole index."""

    __acl__ = [(Allow, ADMINS, ALL_PERMISSIONS), DENY_ALL]


CONTAINERS = {
    "project": ProjectPages,
    "user": UserPages,
    "search": SearchPage,
    "account": AccountPages,
    "manage": ManagePages,
    "admin": AdminPages,
}


def includeme(config):
    for name, factory in CONTAINERS.items():
        config.add_url_container(name, factory)
