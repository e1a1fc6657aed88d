"""The Alembic migrations build exactly the models' schema, on SQLite and on PostgreSQL.

Also home of the fresh-database helpers that the backup and CLI tests share: a new SQLite file, or a
newly created PostgreSQL database (dropped afterwards), with an app of its own.
"""
from __future__ import annotations

import ast
import secrets
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from erp import create_app
from erp.core.config import REPO_ROOT, TestConfig
from erp.core.extensions import db
from erp.core.schema_migrations import upgrade_database
from tests.conftest import DATABASE_URL

VERSIONS = REPO_ROOT / "migrations" / "versions"


def app_for(url: str, modules: tuple[str, ...] | None = None) -> Flask:
    """An app of its own on the database at ``url`` (the test settings otherwise; ``modules`` to enable)."""
    settings = {"SQLALCHEMY_DATABASE_URI": url, **({"ERP_MODULES": modules} if modules else {})}
    return create_app(type("FreshConfig", (TestConfig,), settings))


def _admin_connection():
    import psycopg

    url = make_url(DATABASE_URL)
    params = {"host": url.host, "port": url.port, "user": url.username, "password": url.password}
    return psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v is not None})


@contextmanager
def new_postgres_database(prefix: str = "erp_test") -> Iterator[str]:
    """Create an empty PostgreSQL database next to the test database; yield its URL; drop it."""
    from psycopg import sql

    name = f"{prefix}_{secrets.token_hex(4)}"
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def empty_database_app(kind: str, tmp_path: Path, prefix: str = "erp_test",
                       modules: tuple[str, ...] | None = None) -> Iterator[Flask]:
    """An app on a brand-new, empty database: ``kind`` is "sqlite" (a file in tmp_path) or "postgresql"."""
    if kind == "sqlite":
        path = tmp_path / f"{prefix}_{secrets.token_hex(4)}.sqlite3"
        app = app_for(f"sqlite:///{path}", modules)
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()
        return
    with new_postgres_database(prefix) as url:
        app = app_for(url, modules)
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


@contextmanager
def migrated_database_app(kind: str, tmp_path: Path, prefix: str = "erp_test") -> Iterator[Flask]:
    """As :func:`empty_database_app`, upgraded to every branch's head (what `erp init-db` does)."""
    with empty_database_app(kind, tmp_path, prefix) as app:
        with app.app_context():
            upgrade_database()
        yield app


# SQLite cannot reflect expression-based indexes (the ledger's uq_account_code): they are compared on PostgreSQL
pytestmark = [pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
              pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")]

DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASE_KINDS)
def empty_app(request, tmp_path):
    with empty_database_app(request.param, tmp_path, prefix="erp_migr") as app:
        yield app


def _schema_diff() -> list:
    """Alembic's autogenerate comparison of the live database with the models (as env.py sets it up)."""
    options = {**current_app.extensions["migrate"].configure_args, "compare_type": True}
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts=options), db.metadata)


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def _heads() -> set[str]:
    """One head per enabled module that has migrations (a module's branch never forks)."""
    heads = _script().get_heads()
    assert len(heads) == len({_branch_of(head) for head in heads}), f"a module's branch forks: {heads}"
    return set(heads)


def _branch_of(revision: str) -> str:
    """The module whose branch holds ``revision`` (the folder it lives in)."""
    return Path(_script().get_revision(revision).path).parent.name


def _revisions() -> set[str]:
    """Every revision applied: the stored heads and what they build on (dependencies included)."""
    with db.engine.connect() as connection:
        stored = MigrationContext.configure(connection).get_current_heads()
    return {revision.revision for revision in _script().iterate_revisions(stored, "base")} if stored else set()


def test_upgrade_of_an_empty_database_gives_exactly_the_models_schema(empty_app):
    with empty_app.app_context():
        assert inspect(db.engine).get_table_names() == []
        upgrade_database()
        assert _heads() <= _revisions()
        assert set(inspect(db.engine).get_table_names()) == set(db.metadata.tables) | {"alembic_version"}
        assert _schema_diff() == []


def test_schema_comparison_notices_a_schema_that_differs_from_the_models(empty_app):
    # the comparison above is only worth something if it reports differences: drop an index, and it must
    with empty_app.app_context():
        upgrade_database()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_department_institution_id")
        diff = _schema_diff()
    assert [(op[0], op[1].name) for op in diff] == [("add_index", "ix_department_institution_id")]


def _reflected_schema(engine) -> dict:
    """What the database says it has: columns, keys, indexes (expressions included, where the dialect
    can reflect them) and constraints of every table."""
    inspector = inspect(engine)

    def by_name(items: list[dict]) -> list[dict]:
        return sorted(items, key=lambda item: item["name"] or "")

    return {table: {
        "columns": [{key: str(value) for key, value in column.items()} for column in inspector.get_columns(table)],
        "primary_key": inspector.get_pk_constraint(table),
        "foreign_keys": by_name(inspector.get_foreign_keys(table)),
        "indexes": by_name(inspector.get_indexes(table)),
        "unique": by_name(inspector.get_unique_constraints(table)),
        "checks": by_name(inspector.get_check_constraints(table)),
    } for table in inspector.get_table_names() if table != "alembic_version"}


@pytest.mark.parametrize("kind", [
    "sqlite",
    pytest.param("postgresql", marks=[pytest.mark.postgres]),
])
def test_upgrade_builds_what_creating_the_schema_from_the_models_builds(kind, tmp_path):
    # compare_metadata cannot compare expression-based indexes; the reflected schemas can be compared
    with migrated_database_app(kind, tmp_path, "erp_migr") as migrated, migrated.app_context():
        built_by_migrations = _reflected_schema(db.engine)
    with empty_database_app(kind, tmp_path, "erp_migr") as created, created.app_context():
        db.metadata.create_all(db.engine)
        assert built_by_migrations == _reflected_schema(db.engine)


def test_downgrade_to_base_removes_every_table_and_upgrade_rebuilds_them(empty_app):
    with empty_app.app_context():
        upgrade_database()
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        assert _revisions() == set()
        upgrade_database()
        assert _schema_diff() == []


def test_every_module_folder_is_one_branch_labelled_with_the_module(app):
    with app.app_context():
        revisions = list(_script().walk_revisions())
    assert {_branch_of_script(r) for r in revisions} >= {"core", "ledger"}
    for revision in revisions:
        module = _branch_of_script(revision)
        if revision.down_revision is None:
            assert revision.branch_labels == {module}, f"{revision.revision} starts {module} without its label"
        else:
            parents = {p.path for p in revisions if p.revision in _as_tuple(revision.down_revision)}
            assert {Path(path).parent.name for path in parents} == {module}, f"{revision.revision} leaves {module}"


def _branch_of_script(revision) -> str:
    return Path(revision.path).parent.name


def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize("modules, present, absent", [
    (("core",), {"institution", "partner", "employee"}, {"voucher", "account"}),
    (("core", "ledger"), {"voucher", "account", "balance"}, {"cost_driver"}),
])
def test_a_disabled_modules_tables_are_absent(tmp_path, modules, present, absent):
    with empty_database_app("sqlite", tmp_path, "erp_migr", modules) as app, app.app_context():
        upgrade_database()
        tables = set(inspect(db.engine).get_table_names())
    assert present <= tables
    assert not absent & tables


def test_migration_files_import_no_application_code():
    # A migration must keep working when the models change later: it may use alembic and sqlalchemy only.
    files = sorted(VERSIONS.rglob("*.py"))
    assert files, f"no migrations in {VERSIONS}"
    for path in files:
        source = path.read_text(encoding="utf-8")
        imported = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").split(".")[0])
        assert "erp" not in imported, f"{path.name} imports application code"
        allowed = {"alembic", "sqlalchemy"} | sys.stdlib_module_names
        assert imported <= allowed, f"{path.name} imports {sorted(imported - allowed)}"
        assert "erp." not in source, f"{path.name} refers to application code"
