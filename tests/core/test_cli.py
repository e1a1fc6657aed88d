"""The `erp` command, run as an operator would, against databases of its own."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, inspect, select, text

from erp.core.cli import main
from erp.core.demo import DEMO_PASSWORD, USERS
from erp.core.extensions import db
from erp.core.models import AuditEntry, AuditHead, Department, Institution, User
from erp.core.security import AuthenticationFailed, authenticate
from tests.core.test_backup import table_rows
from tests.core.test_migrations import DATABASE_KINDS, empty_database_app


@pytest.fixture(autouse=True)
def _keep_environment(monkeypatch):
    # FlaskGroup sets FLASK_RUN_FROM_CLI=true in os.environ: undo it after each test
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")


def erp(app, *args: str):
    """Run `erp ARGS` with ``app`` (and so its database) as the application."""
    return app.test_cli_runner().invoke(main, list(args))


def ok(result):
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


@pytest.fixture
def empty(tmp_path):
    """An app on a new, empty SQLite file."""
    with empty_database_app("sqlite", tmp_path, "erp_cli") as app:
        yield app


@pytest.fixture
def demo_app(empty):
    """`erp init-db` and `erp load-demo` done."""
    ok(erp(empty, "init-db"))
    ok(erp(empty, "load-demo"))
    return empty


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Institution, Department, User, AuditEntry, AuditHead)}


def test_every_command_is_listed():
    from flask import Flask

    result = ok(Flask("bare").test_cli_runner().invoke(main, ["--help"]))
    for command in ("init-db", "init-community", "create-institution", "load-demo", "create-user", "serve", "audit",
                    "backup", "restore"):
        assert f"  {command} " in result.output


def test_init_db_builds_the_schema_in_an_empty_file_and_can_run_again(empty):
    result = ok(erp(empty, "init-db"))
    with empty.app_context():
        assert f"database at the head of every enabled module: {db.engine.url}" in result.output
        assert set(inspect(db.engine).get_table_names()) == set(db.metadata.tables) | {"alembic_version"}
    ok(erp(empty, "init-db"))


def test_load_demo_loads_the_community_once_however_often_it_runs(demo_app):
    first = _counts(demo_app)
    assert first["Institution"] == 32
    assert first["Department"] == 2 * 12 + 10 * 6 + 20 * 1  # county, township-level and village departments
    assert first["User"] == len(USERS)
    result = ok(erp(demo_app, "load-demo"))
    assert f"demo logins (password: {DEMO_PASSWORD}): admin, finance" in result.output
    assert _counts(demo_app) == first  # nothing added, nothing changed (not even an audit entry)


def test_create_user_who_can_sign_in_for_the_named_institutions(demo_app):
    result = ok(erp(demo_app, "create-user", "zhangsan", "--password", "Qh-2026-secret", "--role", "accountant",
                    "--institution", "QH103", "--institution", "QH103-01"))
    assert "user zhangsan (accountant) created" in result.output
    with demo_app.app_context():
        user = authenticate(db.session, "zhangsan", "Qh-2026-secret")
        assert user.role == "accountant"
        assert [i.code for i in user.institutions] == ["QH103", "QH103-01"]
        created = db.session.scalars(select(AuditEntry).where(AuditEntry.model == "User")
                                     .order_by(AuditEntry.id.desc())).first()
        assert created.username == "create-user" and created.after["username"] == "zhangsan"


@pytest.mark.parametrize("args, message", [
    (["--role", "wizard"], "role: unknown role 'wizard'"),
    (["--role", "clerk", "--institution", "QH999"], "institution: 没有成员单位 QH999 (no institution with code 'QH999'"),
    (["--role", "clerk", "--community", "XX"], "no such community"),
])
def test_create_user_refuses_with_a_message_and_creates_nobody(demo_app, args, message):
    before = _counts(demo_app)
    result = erp(demo_app, "create-user", "lisi", "--password", "Qh-2026-secret", *args)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert _counts(demo_app) == before
    with demo_app.app_context(), pytest.raises(AuthenticationFailed):
        authenticate(db.session, "lisi", "Qh-2026-secret")


def test_create_user_needs_a_community(empty):
    ok(erp(empty, "init-db"))
    result = erp(empty, "create-user", "wangwu", "--password", "Qh-2026-secret", "--role", "admin")
    assert result.exit_code == 1
    assert "no such community: run `erp init-community` (or `erp load-demo`) first" in result.output


def test_audit_verify_passes_an_intact_chain(demo_app):
    result = ok(erp(demo_app, "audit", "verify"))
    first, second = result.output.strip().splitlines()
    counts = _counts(demo_app)
    assert first == f"audit chain intact: {counts['AuditEntry']} entries in {counts['AuditHead']} chains"
    assert re.fullmatch(r"\d+ earlier anchors hold; new anchor [0-9a-f ]{39} written to .+", second)


def _sql(app, statement: str) -> None:
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text(statement))


def test_audit_verify_names_an_altered_entry(demo_app):
    _sql(demo_app, """UPDATE audit_entry SET "after" = '{"name": "篡改"}' WHERE chain = 'community' AND seq = 5""")
    result = erp(demo_app, "audit", "verify")
    assert result.exit_code == 1
    assert "audit chain community BROKEN at seq 5 " in result.stderr
    assert "entry altered" in result.stderr
    assert "intact" not in result.output


def test_audit_verify_notices_that_the_last_entry_was_deleted(demo_app):
    with demo_app.app_context():
        last = db.session.scalar(select(db.func.max(AuditEntry.seq)).where(AuditEntry.chain == "community"))
    _sql(demo_app, f"DELETE FROM audit_entry WHERE chain = 'community' AND seq = {last}")
    result = erp(demo_app, "audit", "verify")
    assert result.exit_code == 1
    assert f"audit chain community BROKEN at seq {last} " in result.stderr
    assert f"chain head says seq {last}: entries after {last - 1} were deleted" in result.stderr


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_backup_then_restore_into_another_empty_database(kind, tmp_path):
    path = tmp_path / "erp-2026-03-01.backup.gz"
    with empty_database_app(kind, tmp_path, "erp_cli") as source, \
            empty_database_app(kind, tmp_path, "erp_cli") as target:
        ok(erp(source, "init-db"))
        ok(erp(source, "load-demo"))
        ok(erp(source, "create-user", "zhangsan", "--password", "Qh-2026-secret", "--role", "hr"))
        rows = sum(_counts(source)[name] for name in ("Institution", "Department", "User", "AuditEntry"))

        result = ok(erp(source, "backup", str(path)))
        tables = len(db.metadata.tables)
        assert f"backup written to {path}: " in result.output and f" rows in {tables} tables" in result.output
        written = int(result.output.split(f"backup written to {path}: ")[1].split(" rows")[0])
        assert written > rows

        ok(erp(target, "init-db"))
        result = ok(erp(target, "restore", str(path)))
        assert f"restored {written} rows in {tables} tables" in result.output
        with source.app_context():
            expected = table_rows(db.engine)
        with target.app_context():
            assert table_rows(db.engine) == expected
            assert authenticate(db.session, "zhangsan", "Qh-2026-secret").role == "hr"
        ok(erp(target, "audit", "verify"))

        again = erp(target, "restore", str(path))
        assert again.exit_code == 1
        assert "Error: the database is not empty (table audit_entry has rows)" in again.output


def test_restore_of_a_file_that_is_not_a_backup_is_an_error_message(empty, tmp_path):
    ok(erp(empty, "init-db"))
    path = tmp_path / "institutions.csv"
    path.write_text("code,name\nQH001,清河县人民医院\n", encoding="utf-8")
    result = erp(empty, "restore", str(path))
    assert result.exit_code == 1
    assert f"Error: {path} is not a yigong-erp backup" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_serve_refuses_to_start_without_a_real_secret_key(empty, monkeypatch):
    import werkzeug.serving

    from erp.core.config import DEVELOPMENT_SECRET_KEY

    served = []
    monkeypatch.setattr(werkzeug.serving, "run_simple", lambda *args, **kwargs: served.append(args))
    empty.config["SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
    refused = erp(empty, "serve")
    assert refused.exit_code != 0 and "ERP_SECRET_KEY" in refused.output and not served
    monkeypatch.setenv("FLASK_DEBUG", "1")  # `erp --debug serve`: development may use the development key
    ok(erp(empty, "serve"))
    monkeypatch.setenv("FLASK_DEBUG", "0")
    empty.config["SECRET_KEY"] = "a-real-random-key-from-the-instance-folder"
    ok(erp(empty, "serve"))
    assert len(served) == 2
