"""The ledger's records in the audit log: a draft's lines as they are corrected, an institution's accounts."""
from __future__ import annotations

from sqlalchemy import select

from erp.core.audit import verify_chain
from erp.core.extensions import db
from erp.core.models import AuditEntry, Institution
from erp.ledger.models import Account, VoucherLine
from tests.ledger.conftest import YEAR


def _entries(model: str) -> list[AuditEntry]:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.model == model).order_by(AuditEntry.id)).all()


def test_correcting_a_drafts_lines_logs_the_lines_removed_and_added(books, api):
    body = {"institution": "QH101", "date": "%d-03-15" % YEAR, "memo": "门诊收费",
            "lines": [{"account": "1001", "debit": "1000.00"}, {"account": "4101010105", "credit": "1000.00"}]}
    draft = api("finance").post("/api/v1/vouchers", json=body).json
    old_ids = sorted(db.session.scalars(select(VoucherLine.id).where(VoucherLine.voucher_id == draft["id"])))
    corrected = {**body, "lines": [{"account": "1001", "debit": "1200.00"},
                                   {"account": "4101010105", "credit": "1200.00", "memo": "治疗"}]}
    assert api("finance").put(f"/api/v1/vouchers/{draft['id']}", json=corrected).status_code == 200
    db.session.remove()
    new_ids = sorted(db.session.scalars(select(VoucherLine.id).where(VoucherLine.voucher_id == draft["id"])))
    lines = _entries("VoucherLine")
    removed = [e for e in lines if e.action == "delete"]
    added = [e for e in lines if e.action == "create" and e.seq > max(r.seq for r in removed)]
    assert sorted(int(e.record_id) for e in removed) == old_ids
    assert [e.before["debit"] for e in removed if e.before["line_no"] == 1] == ["1000.00"]
    assert sorted(int(e.record_id) for e in added) == new_ids
    assert {(e.after["line_no"], e.after["debit"], e.after["credit"], e.after["memo"]) for e in added} == {
        (1, "1200.00", "0.00", ""), (2, "0.00", "1200.00", "治疗")}
    assert {e.username for e in removed + added} == {"finance"}
    assert {e.after["voucher_id"] for e in added} == {draft["id"]}
    assert verify_chain(db.session) is None


def test_adding_a_detail_account_is_logged_for_its_institution(books, api):
    created = api("finance").post("/api/v1/accounts", json={"institution": "QH001", "parent": "1002",
                                                            "code": "100201", "name": "工行基本户"})
    assert created.status_code == 201, created.json
    db.session.remove()
    qh001 = db.session.scalar(select(Institution.id).where(Institution.code == "QH001"))
    account = db.session.scalar(select(Account.id).where(Account.institution_id == qh001, Account.code == "100201"))
    entry = [e for e in _entries("Account") if e.record_id == str(account)]
    assert [(e.action, e.username, e.institution_id, e.after["code"], e.after["name"]) for e in entry] == [
        ("create", "finance", qh001, "100201", "工行基本户")]


def test_the_auditor_reads_a_lines_cash_flow_item_in_chinese(books, api, web):
    body = {"institution": "QH101", "date": "%d-03-15" % YEAR, "memo": "收取押金",
            "lines": [{"account": "1002", "debit": "5000.00", "cash_flow_item": "other_in"},
                      {"account": "2307", "credit": "5000.00", "partner": "S001"}]}
    created = api("finance").post("/api/v1/vouchers", json=body)
    assert created.status_code == 201, created.json
    line_id = db.session.scalar(select(VoucherLine.id).where(VoucherLine.voucher_id == created.json["id"],
                                                             VoucherLine.line_no == 1))
    page = web("auditor").get(f"/audit?model=VoucherLine&record={line_id}").get_data(as_text=True)
    assert "现金流量项目" in page and "收到的其他与日常活动有关的现金" in page
    assert "cash_flow_item" not in page and "other_in" not in page
