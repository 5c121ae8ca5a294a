"""What every command works on: settings, a database session, storage."""

import contextlib
import logging
import os

import click
import transaction
from pyramid.exceptions import ConfigurationError

from .. import migrations
from ..config import data_dir_settings, with_defaults
from ..models import get_engine, get_session_factory, get_tm_session

DEFAULT_DATA_DIR = "var"


class Environment:
    def __init__(self, data_dir=None, config_uri=None):
        self.data_dir = data_dir
        self.config_uri = config_uri
        self._settings = None

    @property
    def migrates_itself(self):
        """SQLite indexes (one machine) migrate on use; a shared database is
        migrated once, on purpose, with ``cheeseshop db upgrade``."""
        return self.settings["sqlalchemy.url"].startswith("sqlite")

    @property
    def settings(self):
        if self._settings is None:
            if self.config_uri:
                if not os.path.exists(self.config_uri):
                    raise click.ClickException(f"no such ini file: {self.config_uri}")
                from pyramid.paster import get_appsettings

                settings = dict(get_appsettings(self.config_uri))
            else:
                settings = data_dir_settings(self.data_dir or DEFAULT_DATA_DIR)
            self._settings = with_defaults(settings)
            if "sqlalchemy.url" not in self._settings:
                raise click.ClickException(f"{self.config_uri}: sqlalchemy.url is not set")
        return self._settings

    def setup_logging(self):
        if self.config_uri:
            from pyramid.paster import setup_logging

            setup_logging(self.config_uri)
        else:
            logging.basicConfig(
                level=logging.INFO, format="%(asctime)s %(levelname)s [%(name)s] %(message)s"
            )

    def upgrade_database(self):
        migrations.upgrade(self.settings["sqlalchemy.url"])

    def prepare_database(self):
        if self.migrates_itself:
            self.upgrade_database()
        else:
            self.check_database()

    def check_database(self):
        engine = get_engine(self.settings)
        try:
            if not migrations.is_current(engine):
                raise click.ClickException(
                    "the database is not at the current schema: run 'cheeseshop db upgrade'"
                )
        finally:
            engine.dispose()

    def storage(self):
        from ..storage import storage_from_settings

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
