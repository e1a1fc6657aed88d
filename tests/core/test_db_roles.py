"""Least privilege on PostgreSQL: the migrations run as the owner, the application as the role that
`erp init-db --app-role` sets up — which can post, report and load the demo, but cannot rewrite history."""
from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.exc import DBAPIError

from erp import create_app
from erp.core.config import TestConfig
from erp.core.extensions import db
from erp.core.timeutil import local_today
from erp.ledger.models import Voucher, VoucherState
from tests.conftest import DATABASE_URL, IsolatedClient
from tests.core.test_cli import erp, ok
from tests.core.test_migrations import new_postgres_database

pytestmark = pytest.mark.postgres

YEAR = local_today().year
INSUFFICIENT_PRIVILEGE, TRIGGER = ("42501",), ("P0001", "23000")  # raise_exception, integrity


def _app(url: str, checkpoints: str):
    app = create_app(type("DeploymentConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                                "CHECKPOINT_FILE": checkpoints}))
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """A new database migrated by its owner with `erp init-db --app-role ROLE`, then the demo loaded by the
    application connected as ROLE: (owner app, application app, role)."""
    role = f"erp_app_{secrets.token_hex(4)}"
    checkpoints = str(tmp_path_factory.mktemp("anchors") / "checkpoints.jsonl")
    try:
        with new_postgres_database("erp_roles") as url:
            owner = _app(url, checkpoints)
            ok(erp(owner, "init-db", "--app-role", role, "--app-password", "app-secret"))
            application = _app(make_url(url).set(username=role, password="app-secret")
                               .render_as_string(hide_password=False), checkpoints)
            ok(erp(application, "load-demo"))
            yield owner, application, role
            for app in (owner, application):
                with app.app_context():
                    db.engine.dispose()
    finally:
        server = create_engine(make_url(DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as connection:  # a role is the server's, not one database's
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        server.dispose()


def _refused(app, statement: str, sqlstates: tuple[str, ...], commit: bool = False) -> str:
    """Run ``statement`` as ``app``'s database user; it must fail with one of ``sqlstates`` (at commit if deferred)."""
    with app.app_context():
        with db.engine.connect() as connection:
            with pytest.raises(DBAPIError) as refused:
                connection.exec_driver_sql(statement)
                if commit:
                    connection.commit()
            connection.rollback()
    assert refused.value.orig.sqlstate in sqlstates, f"{statement}: {refused.value.orig}"
    return str(refused.value.orig)


def _scalar(app, query: str):
    with app.app_context():
        with db.engine.connect() as connection:
            return connection.exec_driver_sql(query).scalar()


def _row(app, query: str) -> tuple:
    with app.app_context():
        with db.engine.connect() as connection:
            return tuple(connection.exec_driver_sql(query).one())


def _sign_in(application, username: str) -> dict:
    client = application.test_client()
    token = client.post("/api/v1/auth/token", json={"username": username, "password": "yigong2026"}).json["token"]
    return {"Authorization": f"Bearer {token}"}


def _enter_and_post(application, amount: str = "1234.56") -> int:
    """A voucher entered by the finance officer, reviewed and posted by the chief accountant through the API."""
    client = application.test_client()
    body = {"institution": "QH101", "date": f"{YEAR}-03-15", "memo": "门诊收费",
            "lines": [{"account": "1001", "debit": amount}, {"account": "4101010105", "credit": amount}]}
    draft = client.post("/api/v1/vouchers", json=body, headers=_sign_in(application, "finance"))
    assert draft.status_code == 201, draft.json
    chief = _sign_in(application, "chief")
    reviewed = client.post(f"/api/v1/vouchers/{draft.json['id']}/review", headers=chief)
    assert reviewed.status_code == 200, reviewed.json
    posted = client.post(f"/api/v1/vouchers/{draft.json['id']}/post", headers=chief)
    assert posted.status_code == 200, posted.json
    return posted.json["id"]


def test_the_app_role_cannot_rewrite_or_unprotect_history(deployment):
    owner, application, role = deployment
    assert _scalar(application, "SELECT current_user") == role
    assert _scalar(application, "SELECT count(*) FROM audit_entry") > 0
    posted = _enter_and_post(application)
    for statement in ("UPDATE audit_entry SET username = 'intruder' WHERE seq = 1",
                      "DELETE FROM audit_entry WHERE seq = (SELECT max(seq) FROM audit_entry)",
                      "DELETE FROM audit_head", "DELETE FROM ledger_chain_head", "DELETE FROM balance",
                      "UPDATE alembic_version SET version_num = version_num",
                      "SET session_replication_role = replica",
                      "ALTER TABLE voucher_line DISABLE TRIGGER voucher_line_posted_immutable",
                      "ALTER TABLE voucher DISABLE TRIGGER ALL", "ALTER TABLE balance ADD COLUMN note text",
                      "TRUNCATE audit_entry", "DROP TABLE balance", "CREATE TABLE intruder (id integer)"):
        _refused(application, statement, INSUFFICIENT_PRIVILEGE)
    # rows it may write in general, it may not write the ways the triggers refuse
    _refused(application, f"UPDATE voucher_line SET debit = debit + 100000 WHERE voucher_id = {posted}", TRIGGER)
    _refused(application, f"DELETE FROM voucher WHERE id = {posted}", TRIGGER)
    hide_last = ("UPDATE audit_head SET seq = seq - 1, hash = (SELECT prev_hash FROM audit_entry e WHERE "
                 "e.chain = audit_head.chain AND e.seq = audit_head.seq) WHERE seq > 0")
    for statement in ("UPDATE audit_head SET seq = seq + 1", "UPDATE audit_head SET hash = repeat('1', 64)", hide_last):
        assert "moves only forward" in _refused(application, statement, TRIGGER, commit=True)
    assert "keeps its chain" in _refused(application, "UPDATE audit_head SET chain = chain || 'x'", TRIGGER,
                                         commit=True)
    # a head is born only at genesis, and never over a chain that already has entries
    _refused(application, "INSERT INTO audit_head (chain, seq, hash) VALUES ('intruder', 5, repeat('1', 64))", TRIGGER)
    back_one = ("UPDATE ledger_chain_head SET seq = seq - 1, hash = (SELECT prev_hash FROM voucher v WHERE "
                "v.institution_id = ledger_chain_head.institution_id AND v.chain_seq = ledger_chain_head.seq) "
                "WHERE seq > 0")  # hiding the last posted voucher
    for statement in (back_one, "UPDATE ledger_chain_head SET seq = seq + 1, hash = repeat('1', 64) WHERE seq > 0"):
        assert "moves only forward" in _refused(application, statement, TRIGGER, commit=True)
    _refused(application, "INSERT INTO ledger_chain_head (institution_id, seq, hash) "
                          "SELECT id, 5, repeat('1', 64) FROM institution WHERE id NOT IN "
                          "(SELECT institution_id FROM ledger_chain_head)", TRIGGER)
    # the owner keeps its powers (the migrations, a restore)
    assert _scalar(owner, "SELECT count(*) FROM information_schema.table_privileges WHERE grantee = current_user "
                          "AND table_name = 'audit_entry' AND privilege_type = 'DELETE'") == 1


def test_every_table_is_granted_generically_and_future_tables_too(deployment):
    owner, application, role = deployment
    with owner.app_context():
        with db.engine.begin() as connection:
            ungranted = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version' "
                "AND NOT has_table_privilege(:role, format('%I.%I', schemaname, tablename), 'SELECT, INSERT')"),
                {"role": role}).scalars().all()
            assert ungranted == []
            connection.exec_driver_sql("CREATE TABLE later_module_table (id serial PRIMARY KEY, note text)")
    with application.app_context():
        with db.engine.begin() as connection:  # default privileges: a later migration's table and its sequence
            connection.exec_driver_sql("INSERT INTO later_module_table (note) VALUES ('ok')")
            connection.exec_driver_sql("UPDATE later_module_table SET note = 'still ok'")
            connection.exec_driver_sql("DELETE FROM later_module_table")
    ok(erp(owner, "init-db", "--app-role", role))  # re-run after an upgrade: idempotent, the role kept
    _refused(application, "DELETE FROM audit_entry", INSUFFICIENT_PRIVILEGE)


def test_posting_reversal_reports_and_verification_work_as_the_app_role(deployment):
    owner, application, role = deployment
    finance, chief, client = _sign_in(application, "finance"), _sign_in(application, "chief"), application.test_client()
    posted = _enter_and_post(application, "250.00")
    body = {"institution": "QH101", "date": f"{YEAR}-03-15", "memo": "作废",
            "lines": [{"account": "1001", "debit": "1.00"}, {"account": "4101010105", "credit": "1.00"}]}
    scrapped = client.post("/api/v1/vouchers", json=body, headers=finance).json
    assert client.delete(f"/api/v1/vouchers/{scrapped['id']}", headers=finance).status_code in (200, 204)
    reversal = client.post(f"/api/v1/vouchers/{posted}/reverse", json={"date": f"{YEAR}-03-20"}, headers=chief)
    assert reversal.status_code == 201, reversal.json
    report = client.get(f"/api/v1/reports/trial-balance?institution=QH101&period={YEAR}-03", headers=finance)
    assert report.status_code == 200 and report.json
    with application.app_context():
        states = set(db.session.scalars(select(Voucher.state).where(Voucher.id.in_([posted, reversal.json["id"]]))))
        assert states == {VoucherState.POSTED}
    for command in (("audit", "verify"), ("ledger", "verify"), ("ledger", "check")):
        ok(erp(application, *command))


def _kept(app, institution: str, year: int, month: int, account: str) -> tuple:
    """The kept (debit, credit) in yuan of an account of an institution in a month (0: brought forward);
    amounts are stored as integer fen."""
    with app.app_context():
        with db.engine.connect() as connection:
            return tuple(connection.execute(text(
                "SELECT coalesce(sum(b.debit), 0) / 100.0, coalesce(sum(b.credit), 0) / 100.0 FROM balance b "
                "JOIN account a ON a.id = b.account_id JOIN institution i ON i.id = b.institution_id "
                "WHERE i.code = :institution AND b.year = :year AND b.month = :month AND a.code = :account"),
                {"institution": institution, "year": year, "month": month, "account": account}).one())


def test_the_kept_balances_are_written_by_the_database_only(deployment):
    owner, application, role = deployment
    for statement in ("UPDATE balance SET debit = debit + 1000 WHERE month = 3",
                      "INSERT INTO balance (institution_id, account_id, year, month, department_id, partner_id, "
                      "funding_source_id, employee_id, project_id, debit, credit) SELECT institution_id, account_id, "
                      "year, 11, department_id, partner_id, funding_source_id, employee_id, project_id, 1000, 0 "
                      "FROM balance LIMIT 1"):
        _refused(application, statement, INSUFFICIENT_PRIVILEGE)
    debit, credit = _kept(application, "QH101", YEAR, 3, "1001")
    _enter_and_post(application, "987.65")  # the trigger adds the posted lines, as the tables' owner
    assert _kept(application, "QH101", YEAR, 3, "1001") == (debit + Decimal("987.65"), credit)
    # the year-end door refuses a year still open; the app role calls nothing else that writes balances
    institution = _scalar(application, "SELECT id FROM institution WHERE code = 'QH101'")
    assert "not closed" in _refused(application, f"SELECT ledger_bring_forward({institution}, {YEAR})", TRIGGER)
    ok(erp(application, "ledger", "check"))


def test_the_year_end_brought_balances_forward_once_as_the_app_role(deployment):
    """The demo (loaded by the app role) closed last year for some institutions: ledger_bring_forward wrote
    this year's month 0, the closing balance of each carried account."""
    owner, application, role = deployment
    last_year = YEAR - 1
    institution, code = _row(application, (
        f"SELECT i.code, a.code FROM balance b JOIN account a ON a.id = b.account_id JOIN institution i ON "
        f"i.id = b.institution_id WHERE b.year = {YEAR} AND b.month = 0 ORDER BY b.debit DESC LIMIT 1"))
    assert _scalar(application, f"SELECT state FROM fiscal_year f JOIN institution i ON i.id = f.institution_id "
                                f"WHERE i.code = '{institution}' AND f.year = {last_year}") == "closed"
    net = sum(debit - credit for debit, credit in (_kept(application, institution, last_year, month, code)
                                                   for month in range(13)))
    assert net > 0
    assert _kept(application, institution, YEAR, 0, code) == (net, 0)
    institution_id = _scalar(application, f"SELECT id FROM institution WHERE code = '{institution}'")
    assert "already brought forward" in _refused(
        application, f"SELECT ledger_bring_forward({institution_id}, {last_year})", TRIGGER)
    ok(erp(application, "ledger", "check"))
