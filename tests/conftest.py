"""Test set-up: SQLite by default, PostgreSQL when ERP_TEST_DATABASE_URL is set.

The schema is built once per run by the Alembic migrations (as production does); every test starts
from empty tables.
"""
from __future__ import annotations

import contextvars
import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from erp import create_app
from erp.core.config import TestConfig
from erp.core.extensions import db

DATABASE_URL = os.environ.get("ERP_TEST_DATABASE_URL")
ON_POSTGRES = bool(DATABASE_URL and DATABASE_URL.startswith("postgresql"))


def pytest_collection_modifyitems(config, items):
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
def app(database_url):
    application = create_app(type("RunConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url}))
    application.test_client_class = IsolatedClient
    with application.app_context():
        from erp.core.schema_migrations import upgrade_database

        upgrade_database()
    yield application
    with application.app_context():
        db.engine.dispose()


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
    yield
    if "app" in request.fixturenames:
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


@pytest.fixture
def demo(ctx):
    """The demo community, loaded as `erp load-demo` does."""
    from erp.core.demo import load_demo
    from erp.core.session_context import system_actor

    system_actor(db.session, "test")
    community = load_demo(db.session)
    db.session.commit()
    return community


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
