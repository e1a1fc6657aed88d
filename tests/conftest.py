"""Test set-up: SQLite by default, PostgreSQL when ERP_TEST_DATABASE_URL is set.

The schema is built once per run by the Alembic migrations (as production does); every test starts
from empty tables. The demo community (``demo``, ``books``) is loaded once per run into a database of
its own; each test using it runs inside one transaction on that database which is rolled back at the end
(its commits release savepoints), so every test sees the demo as loaded. Tests whose work leaves the
test's connection (threads with their own connections, backups, the CLI: marked ``postgres`` or
``committed``) load the demo into the run's database instead, and the tables are emptied afterwards.
"""
from __future__ import annotations

import contextvars
import os
import re
import shutil
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, event, make_url, select, text

from erp import create_app
from erp.core.config import TestConfig
from erp.core.extensions import db

DATABASE_URL = os.environ.get("ERP_TEST_DATABASE_URL")
ON_POSTGRES = bool(DATABASE_URL and DATABASE_URL.startswith("postgresql"))


def pytest_configure(config):
    config.addinivalue_line("markers", "committed: the demo is really committed (work on other connections: "
                                       "threads, backups, CLI); slow: loaded per test, tables emptied after")


# Modules whose tests read the demo through connections of their own (backups dump ``db.engine``).
COMMITTED_MODULES = {"test_backup.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        # threads with connections of their own, backups
        if "postgres" in item.keywords or item.path.name in COMMITTED_MODULES:
            item.add_marker(pytest.mark.committed)
    if ON_POSTGRES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set ERP_TEST_DATABASE_URL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """SQLite in a temporary file, or a fresh PostgreSQL database of this run's own (dropped afterwards),
    so that runs sharing one server never see each other's rows."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    base = make_url(DATABASE_URL)
    name = f"{base.database}_run_{os.getpid()}"
    maintenance = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with maintenance.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    maintenance.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: it never shares the test's app context,
    ``g`` or database session (whose scope a request would otherwise leak into the test)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    checkpoints = str(tmp_path_factory.mktemp("anchors") / "checkpoints.jsonl")  # never the checkout's instance/
    application = create_app(type("RunConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url,
                                                               "CHECKPOINT_FILE": checkpoints}))
    application.test_client_class = IsolatedClient
    with application.app_context():
        from erp.core.schema_migrations import upgrade_database

        upgrade_database()
        event.listen(db.engine, "before_cursor_execute", _note_writes)
    yield application
    with application.app_context():
        db.engine.dispose()


WRITES = {"written": False}


def _note_writes(conn, cursor, statement, *args):
    if not WRITES["written"] and not statement.lstrip()[:6].upper().startswith("SELECT"):
        WRITES["written"] = True


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if ON_POSTGRES:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(autouse=True)
def _clean_database(request):
    WRITES["written"] = False
    yield
    if "app" in request.fixturenames:
        # the anchors of a test's (rolled-back) history are not the next test's: a fresh anchor file each time
        checkpoints = request.getfixturevalue("app").config["CHECKPOINT_FILE"]
        if os.path.exists(checkpoints):
            os.remove(checkpoints)
    if "app" in request.fixturenames and WRITES["written"]:  # only the run's database: snapshots roll back
        app = request.getfixturevalue("app")
        with app.app_context():
            db.session.remove()
            _empty_all_tables()


@pytest.fixture
def ctx(app):
    """An application context with a fresh session."""
    with app.app_context():
        yield
        db.session.remove()


# ------------------------------------------------------------------------------ the demo, loaded once


class ConnectionSession(FlaskSession):
    """A session on the test's connection whatever the model (Flask-SQLAlchemy's picks the engine).

    Its transactions are savepoints, and a request's session nests its savepoint in the test's when the test
    session has read something: ending a session that wrote nothing therefore releases its savepoint, so
    that what the requests committed stays, as it would on a database of its own."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind or self.bind

    def _release_if_unwritten(self) -> None:
        transaction = self.get_transaction()
        if transaction is not None and transaction.is_active and not self.info.get(WROTE) \
                and not (self.new or self.dirty or self.deleted):
            self.commit()

    def rollback(self) -> None:
        self._release_if_unwritten()
        super().rollback()

    def close(self) -> None:
        self._release_if_unwritten()
        super().close()


WROTE = "test_session_wrote"


@event.listens_for(ConnectionSession, "after_flush")
def _flushed(session, flush_context):
    session.info[WROTE] = True


@event.listens_for(ConnectionSession, "do_orm_execute")
def _bulk_write(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(ConnectionSession, "after_transaction_end")
def _transaction_ended(session, transaction):
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def _savepoints_on_sqlite(engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT: let SQLAlchemy emit BEGIN itself."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


@contextmanager
def _on_connection(engine, keep: bool = False):
    """Every session (the test's and each request's) and ``db.engine`` on one connection of ``engine``,
    inside one transaction: rolled back afterwards, or committed when ``keep``."""
    connection = engine.connect()
    outer = connection.begin()
    engines, original_session = db.engines, db.session
    original_engine = engines[None]
    engines[None] = engine
    db.session = db._make_scoped_session({"bind": connection, "class_": ConnectionSession,
                                          "join_transaction_mode": "create_savepoint"})
    try:
        yield
        if keep:
            db.session.commit()
            outer.commit()
    finally:
        db.session.remove()
        db.session, engines[None] = original_session, original_engine
        if outer.is_active:
            outer.rollback()
        connection.close()


class Snapshots:
    """Databases cloned from the run's (migrated, empty) database: ``demo`` and ``books`` (the demo with
    the ledger's demo), each built on first use."""

    def __init__(self, app, database_url: str):
        self.app, self.url, self.engines = app, make_url(database_url), {}

    def engine(self, name: str):
        if name not in self.engines:
            with self.app.app_context():
                engine = self._clone("demo" if name == "books" else None, name)
                with _on_connection(engine, keep=True):
                    from erp.core.session_context import system_actor

                    system_actor(db.session, "test")
                    if name == "demo":
                        from erp.core.demo import load_demo
                        load_demo(db.session)
                    else:
                        from erp.ledger.demo import load_demo as load_ledger_demo
                        load_ledger_demo(db.session)
            self.engines[name] = engine
        return self.engines[name]

    def served(self, name: str = "served"):
        """A copy of ``books`` of its own for work outside the test's connection (a server in another thread:
        the browser tests), built once; what is done there stays there for the run."""
        if name not in self.engines:
            with self.app.app_context():
                self.engines[name] = self._clone("books", name)
        return self.engines[name]

    def _clone(self, source: str | None, name: str):
        """A copy of the run's database (``source`` None) or of the snapshot ``source``, named ``name``."""
        if source is not None:
            self.engine(source).dispose()
        if ON_POSTGRES:
            origin = self.url.database if source is None else f"{self.url.database}_{source}"
            if source is None:
                db.engine.dispose()
            maintenance = create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with maintenance.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.url.database}_{name}" TEMPLATE "{origin}"'))
            maintenance.dispose()
            return create_engine(self.url.set(database=f"{self.url.database}_{name}"))
        origin = self.url.database if source is None else f"{self.url.database}.{source}"
        target = f"{self.url.database}.{name}"
        shutil.copyfile(origin, target)
        engine = create_engine(self.url.set(database=target))
        _savepoints_on_sqlite(engine)
        return engine

    def drop(self):
        for engine in self.engines.values():
            engine.dispose()
        if ON_POSTGRES and self.engines:
            maintenance = create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with maintenance.connect() as connection:
                for name in self.engines:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{self.url.database}_{name}" WITH (FORCE)'))
            maintenance.dispose()


@pytest.fixture(scope="session")
def snapshots(app, database_url):
    built = Snapshots(app, database_url)
    yield built
    built.drop()


@pytest.fixture
def demo(request, ctx):
    """The demo community, loaded as `erp load-demo` does (with the ledger's demo when the test also uses
    ``books``, whose fixture loads it on the slow path)."""
    from erp.core.demo import DEMO_COMMUNITY, load_demo
    from erp.core.models import Community
    from erp.core.session_context import system_actor

    if request.node.get_closest_marker("committed"):
        system_actor(db.session, "test")
        community = load_demo(db.session)
        db.session.commit()
        yield community
        return
    snapshot = "books" if "books" in request.fixturenames else "demo"
    with _on_connection(request.getfixturevalue("snapshots").engine(snapshot)):
        system_actor(db.session, "test")
        yield db.session.scalar(select(Community).where(Community.code == DEMO_COMMUNITY[0]))


class ApiClient:
    """A test client that signs in through POST /api/v1/auth/token and sends the bearer token."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def __getattr__(self, method):
        def call(path, **kwargs):
            headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
            return getattr(self.client, method)(path, headers=headers, **kwargs)

        return call


@pytest.fixture
def api(app):
    """``api("finance")`` → an :class:`ApiClient` signed in as that demo user."""

    def sign_in(username: str, password: str = "yigong2026") -> ApiClient:
        client = app.test_client()
        response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert response.status_code == 201, response.json
        return ApiClient(client, response.json["token"])

    return sign_in


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def web(app):
    """``web("finance")`` → a browser-like client signed in through the login form (with CSRF)."""

    def sign_in(username: str, password: str = "yigong2026"):
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        response = client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": csrf_token(page)})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign_in


from tests.ledger.conftest import books  # noqa: E402,F401  (the ledger's fixture, shared with every test folder)
