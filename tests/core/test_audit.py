"""The audit log: every create, change and transition is recorded, hash-chained, tamper-evident."""
from __future__ import annotations

from sqlalchemy import select, text

from erp.core.audit import COMMUNITY_CHAIN, verify_chain, verify_chains
from erp.core.extensions import db
from erp.core.models import AuditEntry, AuditHead, Department, Institution, User
from erp.core.session_context import activate_user


def _entries(model: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.model == model).order_by(AuditEntry.id)).all()


def _entry(chain: str, seq: int) -> AuditEntry:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.chain == chain, AuditEntry.seq == seq)).one()


def _institution_chain(code: str) -> str:
    return str(db.session.scalar(select(Institution.id).where(Institution.code == code)))


def test_create_and_change_are_recorded_with_who_institution_and_before_after(demo):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    activate_user(db.session, admin)
    department = db.session.scalars(select(Department).join(Department.institution)
                                    .where(Institution.code == "QH001", Department.code == "01")).one()
    department.name = "心血管内科"
    db.session.commit()
    change = _entries("Department")[-1]
    assert change.action == "update"
    assert change.username == "admin" and change.user_id == admin.id
    assert change.institution_id == department.institution_id
    assert change.record_id == str(department.id)
    assert change.before == {"name": "内科"} and change.after == {"name": "心血管内科"}
    created = [e for e in _entries("Institution") if e.after and e.after.get("code") == "QH001"]
    assert created[0].action == "create" and created[0].username == "test"
    assert created[0].after["name"] == "清河县人民医院" and created[0].after["kind"] == "lead_hospital"


def test_password_hashes_are_never_logged(demo):
    for entry in _entries("User"):
        assert "password_hash" not in (entry.after or {})


def test_chain_is_intact_after_demo_and_names_first_broken_link_after_tampering(demo):
    assert verify_chain(db.session) is None
    total = db.session.scalar(select(db.func.count(AuditEntry.id)))
    assert total > 100
    chain = _institution_chain("QH101")
    seventh = _entry(chain, 7)
    db.session.execute(text("UPDATE audit_entry SET username = 'mallory' WHERE id = :id"), {"id": seventh.id})
    db.session.commit()
    broken = verify_chain(db.session)
    assert (broken.chain, broken.seq, broken.entry_id) == (chain, 7, seventh.id) and "altered" in broken.reason


def test_deleting_an_entry_in_the_middle_or_at_the_end_is_detected(demo):
    chain = _institution_chain("QH102")
    db.session.execute(text("DELETE FROM audit_entry WHERE chain = :chain AND seq = 12"), {"chain": chain})
    db.session.commit()
    broken = verify_chain(db.session)
    assert (broken.chain, broken.seq) == (chain, 12) and "missing" in broken.reason
    db.session.rollback()


def test_deleting_the_last_entry_is_detected_by_the_head(demo):
    last = db.session.scalar(select(db.func.max(AuditEntry.seq)).where(AuditEntry.chain == COMMUNITY_CHAIN))
    db.session.execute(text("DELETE FROM audit_entry WHERE chain = :chain AND seq = :seq"),
                       {"chain": COMMUNITY_CHAIN, "seq": last})
    db.session.commit()
    broken = verify_chain(db.session)
    assert (broken.chain, broken.seq) == (COMMUNITY_CHAIN, last) and "deleted" in broken.reason


def test_every_member_has_its_own_chain_chosen_by_the_records_institution(demo):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    activate_user(db.session, admin)
    departments = db.session.scalars(select(Department).join(Department.institution)
                                     .where(Institution.code.in_(["QH101", "QH102"]))).all()
    heads = {head.chain: head.seq for head in db.session.scalars(select(AuditHead))}
    for department in departments:
        department.name += "（改）"
    db.session.commit()
    for department in departments:
        chain = str(department.institution_id)
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.model == "Department",
                                                            AuditEntry.record_id == str(department.id))
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.chain == chain and entry.institution_id == department.institution_id
    moved = {head.chain: head.seq - heads[head.chain] for head in db.session.scalars(select(AuditHead))}
    assert {chain: n for chain, n in moved.items() if n} == {
        str(i): sum(d.institution_id == i for d in departments) for i in {d.institution_id for d in departments}}
    community = db.session.scalars(select(AuditEntry).where(AuditEntry.institution_id.is_(None))).all()
    assert community and {entry.chain for entry in community} == {COMMUNITY_CHAIN}
    assert verify_chain(db.session) is None


def test_an_entry_moved_to_another_chain_is_detected(demo):
    source, target = _institution_chain("QH101"), _institution_chain("QH102")
    last = db.session.scalar(select(db.func.max(AuditEntry.seq)).where(AuditEntry.chain == target))
    moved = _entry(source, 3)
    db.session.execute(text("UPDATE audit_entry SET chain = :chain, seq = :seq, prev_hash = :prev WHERE id = :id"),
                       {"chain": target, "seq": last + 1, "prev": _entry(target, last).hash, "id": moved.id})
    db.session.commit()
    broken = {b.chain: b for b in verify_chains(db.session)}
    assert sorted(broken) == sorted([source, target])
    assert broken[source].seq == 3 and "missing" in broken[source].reason
    assert broken[target].seq == last + 1 and broken[target].entry_id == moved.id and "moved" in broken[target].reason


def test_a_rolled_back_action_leaves_no_audit_entry(demo):
    before = db.session.scalar(select(db.func.count(AuditEntry.id)))
    institution = db.session.scalars(select(Institution)).first()
    institution.name = "临时名称"
    db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(AuditEntry.id))) == before
    assert verify_chain(db.session) is None


def test_auditor_reads_the_audit_log_through_the_api_and_clerk_cannot(demo, api):
    body = api("auditor").get("/api/v1/audit?model=Institution&per_page=5").json
    assert body["total"] == 32 and len(body["items"]) == 5
    assert body["items"][0]["action"] == "create"
    assert api("clerk").get("/api/v1/audit").status_code == 403


def test_a_create_entry_names_the_new_record(demo):
    institution = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.model == "Institution",
                                                        AuditEntry.action == "create",
                                                        AuditEntry.record_id == str(institution.id))).one()
    assert entry.after["code"] == "QH001"


# Tables that hold no business record of their own: each with why it is not audited row by row.
NOT_AUDITED = {
    "audit_entry": "the audit log itself",
    "audit_head": "the audit chain's head (seq and hash of the last entry)",
    "ledger_chain_head": "the voucher hash chain's head, rewritten by every posting",
    "balance": "kept balances: derived from the posted lines (erp ledger verify recomputes them)",
    "sequence_counter": "number blocks (凭证号): the numbers are on the audited vouchers",
    "api_token": "sign-in tokens: secrets, issued and revoked by signing in and out",
    "idempotency_record": "replay records of API responses, not a business action",
    "login_throttle": "failed sign-ins per source address: a counter, not a business action (the lock-out of "
                      "an account is logged)",
    "ledger_document": "the document door's lock row: which voucher stands for a document; the vouchers (with "
                       "their source) and their reversals are audited",
    "alembic_version": "the schema version",
    "job": "a background job's bookkeeping (state, progress, result file); the business work a job does is "
           "audited as any other, in the job's own session naming the submitting user",
}


def test_every_table_is_audited_or_exempt_with_a_reason(app):
    from sqlalchemy.orm import RelationshipProperty

    from erp.core.mixins import Audited

    audited, linked = set(), set()
    for mapper in db.Model.registry.mappers:
        if issubclass(mapper.class_, Audited):
            audited.update(table.name for table in mapper.tables)
            for name in mapper.class_.__audit_collections__:
                relation = mapper.attrs[name]
                assert isinstance(relation, RelationshipProperty) and relation.secondary is not None, name
                linked.add(relation.secondary.name)
    with app.app_context():
        tables = set(db.metadata.tables) | set(db.inspect(db.engine).get_table_names())
    uncovered = sorted(tables - audited - linked - set(NOT_AUDITED))
    assert uncovered == [], f"audit these tables' classes (mixins.Audited) or exempt them with a reason: {uncovered}"
    assert not (audited | linked) & set(NOT_AUDITED)
    assert {"voucher_line", "account", "funding_source", "project", "employee", "user_institution"} <= audited | linked


def test_a_users_institutions_are_logged_when_they_change(demo):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    activate_user(db.session, admin)
    accountant = db.session.scalar(select(User).where(User.username == "accountant"))
    before = sorted(i.id for i in accountant.institutions)
    extra = db.session.scalar(select(Institution).where(Institution.code == "QH102"))
    accountant.institutions.append(extra)
    db.session.commit()
    change = _entries("User")[-1]
    assert change.record_id == str(accountant.id) and change.username == "admin"
    assert change.before == {"institutions": before} and change.after == {"institutions": sorted(before + [extra.id])}
