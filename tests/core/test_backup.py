"""Backups: one consistent file with every table, restorable into an empty database of either kind."""
from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import Column, Date, create_engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from erp.core import services
from erp.core.audit import log_event, verify_chain
from erp.core.backup import RestoreError, column_decoder, encode_value, dump, load
from erp.core.demo import demo_uscc
from erp.core.extensions import db
from erp.core.models import AuditEntry, Community, CostClass, Department, Institution, InstitutionKind, User
from erp.core.money import FixedDecimal, Money, UnitPrice
from erp.core.registry import import_object
from erp.core.sequences import next_number
from erp.core.session_context import system_actor
from erp.core.timeutil import UTCDateTime, local_today
from tests.core.test_migrations import DATABASE_KINDS, migrated_database_app

# the core tables the `source` fixture fills, so that the comparisons below compare something
CORE_TABLES = {"audit_entry", "audit_head", "community", "app_user", "institution", "api_token", "department",
               "idempotency_record", "sequence_counter", "user_institution"}


def table_rows(engine) -> dict[str, list[tuple]]:
    """Every table's rows as Python values, sorted by primary key."""
    rows = {}
    with engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            key = [list(table.columns).index(column) for column in table.primary_key.columns]
            result = connection.execute(select(table))
            rows[table.name] = sorted((tuple(row) for row in result), key=lambda row: [row[i] for i in key])
    return rows


def load_every_demo(session: Session) -> None:
    """What `erp load-demo` does: every module's demo data."""
    system_actor(session, "test")
    for manifest in current_app.extensions["erp"].registry:
        if manifest.demo_loader:
            import_object(manifest.demo_loader)(session)
    session.commit()


@pytest.fixture
def source(demo, api):
    """The test database with the demo and a history of audited changes (API and services); its engine."""
    load_every_demo(db.session)
    created = api("admin").post("/api/v1/institutions", headers={"Idempotency-Key": "0b5c9e7e-institution"}, json={
        "code": "QH109", "name": "新庄镇卫生院", "kind": "township_centre", "uscc": demo_uscc(99)})
    assert created.status_code == 201, created.json
    created = api("finance").post("/api/v1/departments", headers={"Idempotency-Key": "0b5c9e7e-department"}, json={
        "institution": "QH109", "code": "02", "name": "中医馆", "cost_class": "clinical"})
    assert created.status_code == 201, created.json
    created = api("finance").post("/api/v1/departments", headers={"Idempotency-Key": "0b5c9e7e-department-2"}, json={
        "institution": "QH109", "code": "03", "name": "康复科", "cost_class": "clinical"})
    assert created.status_code == 201, created.json
    db.session.remove()  # a fresh session (nothing cached from before the API calls), as a system job has

    system_actor(db.session, "test")
    community = db.session.scalar(select(Community))
    lead = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    internal = db.session.scalar(select(Department).where(Department.institution_id == lead.id,
                                                          Department.code == "01"))
    internal.name = "心血管内科"
    db.session.scalar(select(Institution).where(Institution.code == "QH101-01")).active = False
    # a department no voucher names (the demo's books use the lead's departments)
    new_member = db.session.scalar(select(Institution).where(Institution.code == "QH109"))
    db.session.delete(db.session.scalar(select(Department).where(Department.institution_id == new_member.id,
                                                                 Department.code == "03")))
    user = services.create_user(db.session, community, username="auditor2", password="审计-secret-1",
                                role="auditor", institution_codes=["QH101", "QH102"], display_name="内审 冯")
    user.locked_until = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=timezone.utc)
    # a month no demo books in (the payroll demo posts this year's months, the pool demo last year's)
    assert next_number(db.session, lead.id, "voucher", "记", 2000, 3) == "记-2000-03-0001"
    log_event(db.session, "lock", "User", str(user.id), details={"reason": "连续5次密码错误", "at": "08:30"})
    db.session.commit()
    return db.engine


@pytest.fixture(scope="module")
def demo_backup(tmp_path_factory):
    """A backup of the demo community (made once: for the tests that only need some backup)."""
    folder = tmp_path_factory.mktemp("demo-backup")
    with migrated_database_app("sqlite", folder) as origin, origin.app_context():
        load_every_demo(db.session)
        dump(db.engine, str(folder / "demo.jsonl.gz"))
    return folder / "demo.jsonl.gz"


def _restore_and_check(source_engine, path, target_engine):
    expected = table_rows(source_engine)
    assert load(target_engine, str(path)) == {name: len(rows) for name, rows in expected.items()}
    assert table_rows(target_engine) == expected
    with Session(target_engine) as session:
        assert verify_chain(session) is None

        # the restored database goes on working: new ids follow the restored ones (PostgreSQL sequences)
        system_actor(session, "after-restore")
        last_entry = session.scalar(select(func.max(AuditEntry.id)))
        institution = services.create_institution(
            session, session.scalar(select(Community)), code="QH120", name="恢复后新增卫生院",
            kind=InstitutionKind.TOWNSHIP_CENTRE)
        session.add(Department(institution_id=institution.id, code="01", name="全科门诊",
                               cost_class=CostClass.CLINICAL))
        session.commit()
        assert institution.id == max(row[0] for row in expected["institution"]) + 1
        # the institution, its department, and what the ledger opens for it (year, 12 periods, member partner)
        assert session.scalar(select(func.max(AuditEntry.id))) == last_entry + 2 + 14
        assert verify_chain(session) is None


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_backup_restores_every_row_into_an_empty_database(source, kind, tmp_path):
    path = tmp_path / "erp-backup.jsonl.gz"
    counts = dump(source, str(path))
    expected = table_rows(source)
    assert {name for name, rows in expected.items() if rows} >= CORE_TABLES
    assert counts == {name: len(rows) for name, rows in expected.items()}

    with migrated_database_app(kind, tmp_path, "erp_restore") as target, target.app_context():
        _restore_and_check(source, path, db.engine)


@pytest.mark.postgres
def test_a_sqlite_backup_restores_into_postgresql(tmp_path):
    # the other direction from the round trip above (whose source is PostgreSQL in this run)
    with migrated_database_app("sqlite", tmp_path) as origin, origin.app_context():
        load_every_demo(db.session)
        internal = db.session.scalar(select(Department).where(Department.code == "01"))
        internal.name = "内科（一）"
        db.session.commit()
        sqlite_engine = db.engine
        path = tmp_path / "from-sqlite.jsonl.gz"
        dump(sqlite_engine, str(path))
        with migrated_database_app("postgresql", tmp_path, "erp_restore") as target, target.app_context():
            _restore_and_check(sqlite_engine, path, db.engine)


def test_backup_is_one_snapshot_even_while_others_write(source, tmp_path):
    """A change committed while the backup runs is either waited for (SQLite) or not seen at all
    (PostgreSQL): never half in, which would leave e.g. the audit head ahead of the entries."""
    sqlite = source.dialect.name == "sqlite"
    other = create_engine(source.url, connect_args={"timeout": 0} if sqlite else {})
    committed = []

    def write_meanwhile(table: str, count: int) -> None:
        if committed:
            return
        with Session(other) as session:
            system_actor(session, "meanwhile")
            session.add(Community(code="LATE", name="备份期间新建"))
            try:
                session.commit()
                committed.append(True)
            except OperationalError as exc:  # SQLite: the backup holds the read lock
                assert sqlite and "locked" in str(exc)
                committed.append(False)

    path = tmp_path / "erp-backup.jsonl.gz"
    dump(source, str(path), progress=write_meanwhile)
    other.dispose()
    assert committed == [not sqlite]

    with migrated_database_app("sqlite", tmp_path) as target, target.app_context():
        load(db.engine, str(path))
        assert db.session.scalars(select(Community.code)).all() == ["QH"]
        assert verify_chain(db.session) is None


def test_restore_into_a_database_with_rows_is_refused_naming_the_table(demo_backup, tmp_path):
    with migrated_database_app("sqlite", tmp_path) as target, target.app_context():
        with db.engine.begin() as connection:
            connection.execute(insert(Community).values(code="OTHER", name="另一个医共体"))
        with pytest.raises(RestoreError, match=r"\(table community has rows\)"):
            load(db.engine, str(demo_backup))
        rows = table_rows(db.engine)
    assert len(rows["community"]) == 1 and rows["audit_entry"] == [] and rows["institution"] == []


def test_restore_refuses_a_database_at_another_schema_revision(demo_backup, tmp_path):
    with migrated_database_app("sqlite", tmp_path) as target, target.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0123456789ab' WHERE version_num = "
                                    "(SELECT MIN(version_num) FROM alembic_version)"))  # one module's head
        with pytest.raises(RestoreError, match="revision .* the database at .*0123456789ab"):
            load(db.engine, str(demo_backup))


def _plain_text(path, backup: bytes):
    path.write_text("institution,name\nQH001,清河县人民医院\n", encoding="utf-8")


def _empty_gzip(path, backup: bytes):
    with gzip.open(path, "wb"):
        pass


def _gzipped_json_list(path, backup: bytes):
    with gzip.open(path, "wt") as out:
        out.write("[1, 2, 3]\n")


def _other_format(path, backup: bytes):
    with gzip.open(path, "wt") as out:
        out.write(json.dumps({"format": "pg_dump", "version": 1}) + "\n")


def _gzipped_text(path, backup: bytes):
    with gzip.open(path, "wt") as out:
        out.write("hello\n")


def _truncated_backup(path, backup: bytes):
    path.write_bytes(backup[: len(backup) * 2 // 3])  # e.g. a disk that filled up during the copy


def _unknown_table(path, backup: bytes):
    header, *_ = gzip.decompress(backup).decode().splitlines()
    with gzip.open(path, "wt") as out:
        out.write(header + "\n" + json.dumps({"table": "no_such_table", "columns": ["id"]}) + "\n[1]\n")


def _row_with_a_missing_value(path, backup: bytes):
    header, table, row, *rest = gzip.decompress(backup).decode().splitlines()
    with gzip.open(path, "wt") as out:
        out.write("\n".join([header, table, json.dumps(json.loads(row)[:-1]), *rest]) + "\n")


@pytest.mark.parametrize("write", [_plain_text, _empty_gzip, _gzipped_json_list, _other_format, _gzipped_text,
                                   _truncated_backup, _unknown_table, _row_with_a_missing_value])
def test_a_file_that_is_not_a_whole_backup_is_refused_and_nothing_is_restored(demo_backup, tmp_path, write):
    bad = tmp_path / "bad.gz"
    write(bad, demo_backup.read_bytes())
    with migrated_database_app("sqlite", tmp_path) as target, target.app_context():
        with pytest.raises(RestoreError, match="bad.gz"):
            load(db.engine, str(bad))
        assert all(rows == [] for rows in table_rows(db.engine).values())


@pytest.mark.parametrize("column_type, amount", [
    (Money(), Decimal("1234.50")),
    (Money(), Decimal("-0.01")),
    (Money(), Decimal("999999999999.99")),
    (UnitPrice(), Decimal("0.123456")),
    (UnitPrice(), Decimal("12.500000")),
])
def test_money_is_decoded_to_the_exact_decimal(column_type, amount):
    column = Column("amount", column_type)
    stored = json.loads(json.dumps(encode_value(amount)))
    assert stored == str(amount)  # a JSON string, never a float
    value = column_decoder(column)(stored)
    assert isinstance(value, Decimal) and value.as_tuple() == amount.as_tuple()
    # and it binds back to the same integer units
    units = column_type.process_bind_param(value, None)
    assert units == int(amount.scaleb(column_type.scale))


def test_timestamps_and_dates_are_decoded_to_their_python_types():
    moment = datetime(2026, 3, 1, 0, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))
    at = column_decoder(Column("at", UTCDateTime()))(json.loads(json.dumps(encode_value(moment))))
    assert at == moment and at.utcoffset() == timedelta(hours=8)
    assert column_decoder(Column("day", Date()))(encode_value(date(2026, 2, 28))) == date(2026, 2, 28)


@pytest.fixture
def posted_voucher(source) -> int:
    """A voucher entered by the finance officer, reviewed and posted by the chief accountant (with the budget lines
    that 平行记账 generates); its id."""
    posting = pytest.importorskip("erp.ledger.services.posting", reason="the ledger module is not installed")
    users = {user.username: user for user in db.session.scalars(select(User))}
    lines = [posting.LineInput("1001", debit=Decimal("1234.56")),
             posting.LineInput("410101010801", credit=Decimal("600.10")),
             posting.LineInput("4101010105", credit=Decimal("634.46"))]
    draft = posting.Ledger(db.session, users["finance"]).create_draft(posting.VoucherInput(
        institution="QH101", date=date(local_today().year, 3, 15), memo="门诊收入", lines=lines))
    pytest.importorskip("erp.ledger.services.review").review(db.session, users["chief"], draft)  # 审核
    voucher = posting.Ledger(db.session, users["chief"]).post(draft)
    db.session.commit()
    return voucher.id


def _amounts(engine, money_columns) -> dict[tuple[str, str], list]:
    """Every money value, as its exact digits and exponent (Decimal equality would ignore the places)."""
    with engine.connect() as connection:
        return {(table.name, column.name): [None if value is None else value.as_tuple() for value in
                                            connection.scalars(select(column).order_by(*table.primary_key))]
                for table, column in money_columns}


@pytest.mark.parametrize("kind", DATABASE_KINDS)
def test_posted_vouchers_restore_with_exact_amounts_and_books_that_verify(source, posted_voucher, kind, tmp_path):
    money = [(table, column) for table in db.metadata.sorted_tables for column in table.columns
             if isinstance(column.type, FixedDecimal)]
    if not money:
        pytest.skip("no money (FixedDecimal) columns in the models yet")
    from erp.ledger.services.integrity import check_balances, verify_chains

    path = tmp_path / "erp-backup.jsonl.gz"
    dump(source, str(path))
    expected = _amounts(source, money)
    assert Decimal("1234.56").as_tuple() in expected["voucher_line", "debit"]
    assert Decimal("600.10").as_tuple() in expected["voucher_line", "credit"]

    with migrated_database_app(kind, tmp_path, "erp_restore") as target, target.app_context():
        load(db.engine, str(path))  # PostgreSQL: the ledger's trigger refuses new lines of a posted voucher
        assert _amounts(db.engine, money) == expected
        assert table_rows(db.engine) == table_rows(source)
        assert verify_chains(db.session) == [] and check_balances(db.session) == []
        assert verify_chain(db.session) is None
        if kind == "postgresql":  # the trigger was paused for the restore only
            with pytest.raises(DBAPIError, match="immutable"), db.engine.begin() as connection:
                connection.execute(text("UPDATE voucher_line SET memo = '改' WHERE voucher_id = :id"),
                                   {"id": posted_voucher})


@pytest.mark.postgres
def test_a_parent_institution_with_a_higher_id_than_its_village_clinic_restores(source, tmp_path):
    # ids need not follow the hierarchy: PostgreSQL checks the parent on each insert
    with Session(source) as session:
        system_actor(session, "test")
        township = services.create_institution(session, session.scalar(select(Community)), code="QH110",
                                               name="后建镇卫生院", kind=InstitutionKind.TOWNSHIP_CENTRE)
        session.commit()
        session.execute(text("UPDATE institution SET parent_id = :parent WHERE code = 'QH101-01'"),
                        {"parent": township.id})
        session.commit()
    path = tmp_path / "erp-backup.jsonl.gz"
    dump(source, str(path))
    with migrated_database_app("postgresql", tmp_path, "erp_restore") as target, target.app_context():
        load(db.engine, str(path))
        assert table_rows(db.engine) == table_rows(source)
        village = db.session.scalar(select(Institution).where(Institution.code == "QH101-01"))
        assert village.parent.code == "QH110" and village.id < village.parent.id


@pytest.mark.postgres
def test_a_database_without_alembic_version_can_be_backed_up_but_restores_only_at_its_revision(tmp_path):
    # looking for the revision must not abort the backup's PostgreSQL transaction
    path = tmp_path / "unversioned.jsonl.gz"
    with migrated_database_app("postgresql", tmp_path) as unversioned, unversioned.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        counts = dump(db.engine, str(path))
    assert set(counts) == set(db.metadata.tables) and not any(counts.values())
    with gzip.open(path, "rt") as backup:
        assert json.loads(backup.readline())["revision"] is None
    with migrated_database_app("postgresql", tmp_path) as target, target.app_context():
        with pytest.raises(RestoreError, match="backup is at schema revision None"):
            load(db.engine, str(path))
