"""What every command works on: settings, a database session, storage."""

import configparser
import contextlib
import logging
import os

import click
import sqlalchemy
import transaction
from pyramid.exceptions import ConfigurationError

from cheeseshop.db import migrations
from cheeseshop.settings import data_dir_settings, with_defaults
from cheeseshop.db.engines import get_engine
from cheeseshop.db.sessions import get_session_factory, get_tm_session

DEFAULT_DATA_DIR = "var"


def ini_variables():
    """Environment variables as ``%(ENV_NAME)s`` in ini files (escaped, so a
    percent-encoded password in a database URL survives interpolation)."""
    return {f"ENV_{name}": value.replace("%", "%%") for name, value in os.environ.items()}


class Environment:
    def __init__(self, data_dir=None, config_uri=None):
        self.data_dir = data_dir
        self.config_uri = config_uri
        self._settings = None

    @property
    def settings(self):
        if self._settings is None:
            if self.config_uri:
                self._check_config_file()
                from pyramid.paster import get_appsettings

                try:
                    settings = dict(get_appsettings(self.config_uri, options=ini_variables()))
                except configparser.InterpolationMissingOptionError as exc:
                    missing = exc.reference.removeprefix("ENV_")
                    raise click.ClickException(
                        f"{self.config_uri}: {exc.option} needs {missing}, which is not set"
                        + (" in the environment" if exc.reference.startswith("ENV_") else "")
                    ) from exc
                except configparser.Error as exc:
                    raise click.ClickException(f"{self.config_uri}: {exc.message}") from exc
            else:
                settings = data_dir_settings(self.data_dir or DEFAULT_DATA_DIR)
            try:
                self._settings = with_defaults(settings)
            except ConfigurationError as exc:
                raise click.ClickException(f"{self.config_uri}: {exc}") from exc
            if not self._settings.get("sqlalchemy.url"):
                raise click.ClickException(f"{self.config_uri}: sqlalchemy.url is not set")
        return self._settings

    def _check_config_file(self):
        if not os.path.isfile(self.config_uri):
            raise click.ClickException(f"no such ini file: {self.config_uri}")

    def server_settings(self):
        """The ini's ``[server:main]`` (without ``use``), or {}."""
        if not self.config_uri:
            return {}
        import plaster

        loader = plaster.get_loader(self.config_uri, protocols=["wsgi"])
        if "server:main" not in loader.get_sections():
            return {}
        settings = dict(loader.get_settings("server:main", defaults=ini_variables()))
        settings.pop("use", None)
        return settings

    def setup_logging(self):
        if self.config_uri:
            self._check_config_file()
            from pyramid.paster import setup_logging

            setup_logging(self.config_uri, global_conf=ini_variables())
        else:
            logging.basicConfig(
                level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s"
            )

    def upgrade_database(self):
        try:
            migrations.upgrade(self.settings["sqlalchemy.url"])
        except sqlalchemy.exc.DBAPIError as exc:
            raise click.ClickException(f"sqlalchemy.url: {exc.orig}") from exc

    def prepare_database(self):
        try:
            migrations.prepare(self.settings["sqlalchemy.url"])
        except migrations.SchemaError as exc:
            raise click.ClickException(str(exc)) from exc

    def storage(self):
        from cheeseshop.storage import storage_from_settings

        try:
            return storage_from_settings(self.settings)
        except ConfigurationError as exc:
            raise click.ClickException(str(exc)) from exc

    @contextlib.contextmanager
    def dbsession(self):
        """A session in a transaction that commits when the block succeeds."""
        self.prepare_database()
        engine = get_engine(self.settings)
        manager = transaction.TransactionManager(explicit=True)
        try:
            with manager:
                yield get_tm_session(get_session_factory(engine), manager)
        finally:
            engine.dispose()


pass_env = click.make_pass_decorator(Environment)
