"""What every command works on: settings, a database session, storage."""

import configparser
import contextlib
import logging
import os

import click
import sqlalchemy
import transaction
from pyramid.exceptions import ConfigurationError

from cheeseshop import cdn, log_output
from cheeseshop import settings as index_settings
from cheeseshop.db import migrations
from cheeseshop.db.engines import get_engine
from cheeseshop.db.sessions import get_session_factory, get_tm_session

DEFAULT_DATA_DIR = "var"


def read_ini_section(path, section):
    """The settings of one section of an ini file, or a ClickException."""
    if not os.path.isfile(path):
        raise click.ClickException(f"no such ini file: {path}")
    import plaster

    try:
        loader = plaster.get_loader(path, protocols=["wsgi"])
        if section not in loader.get_sections():
            return None
        return dict(loader.get_settings(section))
    except configparser.Error as exc:
        raise click.ClickException(f"{path}: {exc.message}") from exc


def load_settings(config_uri=None, data_dir=None, overrides=True):
    """The settings of ``-c INI`` or ``--data DIR``, or a ClickException;
    ``overrides=False`` ignores CHEESESHOP_* variables (an ini that describes
    somewhere else than this index)."""
    if config_uri:
        ini = read_ini_section(config_uri, "app:main")
        if ini is None:
            raise click.ClickException(f"{config_uri} has no [app:main] section")
        where = f"{config_uri}: "
    else:
        ini, where = {}, ""
    try:
        return index_settings.load(
            ini,
            data_dir=None if config_uri else (data_dir or DEFAULT_DATA_DIR),
            overrides=overrides,
        )
    except ConfigurationError as exc:
        raise click.ClickException(f"{where}{exc}") from exc


class Environment:
    def __init__(self, data_dir=None, config_uri=None):
        self.data_dir = data_dir
        self.config_uri = config_uri
        self._settings = None

    @property
    def settings(self):
        if self._settings is None:
            self._settings = load_settings(self.config_uri, self.data_dir)
        return self._settings

    @property
    def database_url(self):
        try:
            return self.settings.require_database_url()
        except ConfigurationError as exc:
            raise click.ClickException(f"{self.where}: {exc}") from exc

    @property
    def where(self):
        """What the command looked at, for its error messages."""
        return self.config_uri or (self.data_dir or DEFAULT_DATA_DIR)

    def server_settings(self):
        """The ini's ``[server:main]`` (without ``use``), or {}."""
        if not self.config_uri:
            return {}
        settings = read_ini_section(self.config_uri, "server:main") or {}
        settings.pop("use", None)
        return settings

    def setup_logging(self):
        """The ini's logging sections; without them (``--data``, or an ini
        that has no ``[loggers]``), INFO and above to standard error with a
        timestamp, in batches (:mod:`cheeseshop.log_output`), so ``serve``
        shows its access log by default."""
        # Reading the section first also makes a missing file one line.
        if self.config_uri and read_ini_section(self.config_uri, "loggers") is not None:
            from pyramid.paster import setup_logging

            try:
                setup_logging(self.config_uri)
            except (configparser.Error, KeyError) as exc:
                raise click.ClickException(f"{self.config_uri}: logging: {exc}") from exc
        elif not logging.root.handlers:
            logging.basicConfig(level=logging.INFO, handlers=[log_output.console_handler()])

    def upgrade_database(self):
        try:
            migrations.upgrade(self.database_url)
        except sqlalchemy.exc.DBAPIError as exc:
            raise click.ClickException(str(migrations.unreachable(self.database_url, exc))) from exc
        except OSError as exc:
            raise click.ClickException(
                f"cannot create the {migrations.describe(self.database_url)} ({exc.strerror})"
            ) from exc

    def prepare_database(self, create=False):
        """Make the database usable; unless ``create``, refuse one that
        holds no index (a command run in the wrong folder must not start a
        second, empty index)."""
        try:
            if not create and not migrations.holds_index(self.database_url):
                raise click.ClickException(
                    f"no index in {self.where} ({migrations.describe(self.database_url)}); "
                    "pass --data DIR or -c INI, or create one with 'cheeseshop db upgrade'"
                )
            migrations.prepare(self.database_url)
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
        with self.transaction() as (dbsession, _):
            yield dbsession

    @contextlib.contextmanager
    def transaction(self):
        """(session, transaction manager): :meth:`dbsession`, with the
        manager, for work that must follow the commit (stored bytes)."""
        self.prepare_database()
        engine = get_engine(self.settings)
        manager = transaction.TransactionManager(explicit=True)
        session_factory = get_session_factory(engine)
        # Changes made here purge a CDN's pages as the app's do.
        cdn.attach(session_factory, cdn.purger_from_settings(self.settings))
        try:
            with manager:
                yield get_tm_session(session_factory, manager), manager
        finally:
            engine.dispose()


pass_env = click.make_pass_decorator(Environment)
