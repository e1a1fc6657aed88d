"""记账模板: the shipped defaults, the accounts by role, versions, validation, and consolidation reading them."""
from __future__ import annotations

import csv
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, Conflict, Forbidden, NotFound
from erp.core.extensions import db
from erp.core.models import AuditEntry, Community, User
from erp.ledger.services.chart import DATA
from erp.ledger.services.posting_templates import (DATA_FILE, PostingTemplateMissing, default_templates,
                                          load_default_templates, posting_template, save_template,
                                          template_kinds, template_versions)
from erp.ledger.models.templates import PostingTemplateLine
from tests.ledger.test_consolidation import post_community, rows, tb

KINDS = {"procurement.receipt", "procurement.invoice", "procurement.payment", "procurement.transfer",
         "procurement.dispense", "payroll.run", "payroll.payment", "payroll.dean_salary", "budget.fund_receipt",
         "budget.fund_allocation", "budget.insurance_settlement", "ledger.year_end", "ledger.consolidation",
         "ledger.cashier"}


def chart_codes() -> set[str]:
    codes = set()
    for name in ("chart_of_accounts.csv", "grassroots_accounts.csv"):
        with open(DATA / name, encoding="utf-8") as source:
            codes |= {row["code"] for row in csv.DictReader(source)}
    return codes


def test_every_default_account_is_in_the_chart():
    with open(DATA_FILE, encoding="utf-8") as source:
        rows_ = list(csv.DictReader(source))
    unknown = {(r["kind"], r["role"], r["qualifier"], r["account"]) for r in rows_ if r["account"] not in chart_codes()}
    assert unknown == set()
    assert set(default_templates()) == KINDS
    keys = [(r["kind"], r["role"], r["qualifier"]) for r in rows_]
    assert len(keys) == len(set(keys)), "a role and qualifier appears twice in one kind"


def lines_of(template) -> list[dict]:
    return [{"role": l.role, "qualifier": l.qualifier, "account": l.account, "description": l.description}
            for l in template.lines]


@pytest.fixture
def community_id(books):
    return books.user("finance").community_id


def test_defaults_are_loaded_once_as_version_1(books, community_id):
    assert {t.kind: t.current_version for t in template_kinds(db.session, community_id)} == {k: 1 for k in KINDS}
    community = db.session.get(Community, community_id)
    assert load_default_templates(db.session, community) == 0  # idempotent
    receipt = posting_template(db.session, community_id, "procurement.receipt")
    assert (receipt.version, receipt.ref, receipt.title) == (1, "procurement.receipt@1", "采购入库")
    assert receipt.account("inventory", "western_drug") == "130201"
    assert receipt.account("inventory", "consumable") == "130202"
    assert receipt.account("payable") == "2302"
    year_end = posting_template(db.session, community_id, "ledger.year_end")
    assert [year_end.account(r) for r in ("current_surplus", "surplus_distribution", "accumulated_surplus")] == [
        "3301", "3302", "3001"]
    assert year_end.accounts("operating_budget") == ("6401", "7301")
    assert posting_template(db.session, community_id, "ledger.consolidation").accounts("internal_balance") == (
        "1211", "1212", "1214", "1215", "1216", "1218", "2301", "2302", "2303", "2304", "2305", "2307")


def test_a_missing_role_or_kind_is_a_business_error_naming_it(books, community_id):
    receipt = posting_template(db.session, community_id, "procurement.receipt")
    with pytest.raises(PostingTemplateMissing) as missing:
        receipt.account("inventory", "vaccine")  # no such item class, and inventory has no unqualified line
    assert missing.value.code == "posting_template_missing" and missing.value.status == 422
    assert "procurement.receipt@1" in missing.value.message and "inventory[vaccine]" in missing.value.message
    with pytest.raises(PostingTemplateMissing, match="refund"):
        posting_template(db.session, community_id, "procurement.payment").account("refund")
    with pytest.raises(PostingTemplateMissing, match="procurement.return") as kind:
        posting_template(db.session, community_id, "procurement.return")
    assert kind.value.fields == {"kind": [kind.value.message]}
    # a qualifier without its own line falls back to the role's unqualified line
    assert posting_template(db.session, community_id, "procurement.payment").account("bank", "icbc") == "1002"


def test_an_edit_is_a_new_version_and_the_history_stays(books, community_id):
    finance = books.user("finance")
    current = posting_template(db.session, community_id, "procurement.receipt")
    lines = lines_of(current)
    lines[3]["account"] = "130203"  # consumables to 低值易耗品
    lines.append({"role": "inventory", "qualifier": "reagent", "account": "130204", "description": "检验试剂"})
    saved = save_template(db.session, community_id, "procurement.receipt", lines, user=finance, note="试剂单列")
    db.session.commit()
    assert saved.ref == "procurement.receipt@2"
    now = posting_template(db.session, community_id, "procurement.receipt")
    assert (now.version, now.account("inventory", "consumable"), now.account("inventory", "reagent")) == (
        2, "130203", "130204")
    old = posting_template(db.session, community_id, "procurement.receipt", version=1)
    assert old.account("inventory", "consumable") == "130202"
    with pytest.raises(PostingTemplateMissing):
        old.account("inventory", "reagent")
    versions = template_versions(db.session, community_id, "procurement.receipt")
    assert [(v.version, v.note, v.created_by_id) for v in versions] == [
        (1, "默认模板（系统预置）", None), (2, "试剂单列", finance.id)]
    # saving the same lines again is no new version
    assert save_template(db.session, community_id, "procurement.receipt", lines, user=finance).version == 2
    with pytest.raises(NotFound):
        posting_template(db.session, community_id, "procurement.receipt", version=3)
    # the edit is audited
    audited = db.session.scalars(select(AuditEntry.after).where(AuditEntry.model == "PostingTemplateVersion",
                                                                AuditEntry.action == "create")).all()
    assert {(a["version"], a["note"]) for a in audited if a["template_id"] == versions[1].template_id} == {
        (1, "默认模板（系统预置）"), (2, "试剂单列")}


def test_an_old_version_cannot_be_changed(books, community_id):
    line = db.session.scalar(select(PostingTemplateLine).where(PostingTemplateLine.account_code == "2302").limit(1))
    line.account_code = "2307"
    with pytest.raises(Conflict) as refused:
        db.session.flush()
    assert refused.value.code == "template_version_immutable"
    db.session.rollback()


def test_bad_lines_are_refused_naming_the_line(books, community_id):
    finance = books.user("finance")
    lines = lines_of(posting_template(db.session, community_id, "procurement.payment"))
    lines[1]["account"] = "9999"
    with pytest.raises(BusinessError) as bad:
        save_template(db.session, community_id, "procurement.payment", lines, user=finance)
    assert bad.value.code == "unknown_account" and set(bad.value.fields) == {"lines[1].account"}
    lines[1]["account"] = "1214"
    with pytest.raises(BusinessError) as dropped:
        save_template(db.session, community_id, "procurement.payment", [lines[0], lines[1]], user=finance)
    assert dropped.value.fields == {"lines": ["缺少角色 (missing roles): bank, budget_expenditure"]}
    with pytest.raises(BusinessError) as twice:
        save_template(db.session, community_id, "procurement.payment", lines + [lines[0]], user=finance)
    assert set(twice.value.fields) == {f"lines[{len(lines)}].role"}  # the repeated line, after every template line
    with pytest.raises(NotFound):
        save_template(db.session, community_id, "procurement.return", lines, user=finance)
    with pytest.raises(Forbidden):  # community-wide data: not for a user scoped to one centre
        save_template(db.session, community_id, "procurement.payment", lines, user=books.user("accountant"))
    assert posting_template(db.session, community_id, "procurement.payment").version == 1


def test_consolidation_eliminates_the_accounts_the_template_lists(books, api):
    """Without 2307 in the 内部往来 accounts, the members' payables stay and their mismatch shows."""
    post_community(books)
    finance = books.user("finance")
    template = posting_template(db.session, finance.community_id, "ledger.consolidation")
    lines = [line for line in lines_of(template) if line["account"] != "2307"]
    save_template(db.session, finance.community_id, "ledger.consolidation", lines, user=finance)
    db.session.commit()
    body = tb(api("finance"), "community=QH")
    consolidated = rows(body)
    assert "1218" not in consolidated  # still eliminated
    assert consolidated["2307"]["closing_credit"] == "10900.00"  # 9,400 + 1,500 kept
    assert consolidated["ELIM-BS"]["closing_debit"] == "10900.00"  # the receivables' side, now unmatched
    pairs = {(p["type"], *p["members"]): p["difference"] for p in body["eliminations"]["pairs"]}
    assert pairs[("balance", "QH001", "QH101")] == "9400.00" and pairs[("balance", "QH001", "QH102")] == "1500.00"
    assert "ledger.consolidation@2" in body["eliminations"]["method"]
    assert body["totals"]["closing_debit"] == body["totals"]["closing_credit"]


@pytest.mark.postgres
def test_concurrent_edits_each_get_their_own_version(books, community_id):
    """Two finance officers save at once: the template row lock serialises them into versions 2 and 3."""
    finance_id = books.user("finance").id
    base = lines_of(posting_template(db.session, community_id, "procurement.payment"))
    db.session.commit()
    engine = db.engine
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(account: str) -> None:
        try:
            with Session(engine) as session:
                barrier.wait()
                lines = [dict(line, account=account) if line["role"] == "bank" else line for line in base]
                save_template(session, community_id, "procurement.payment", lines, user=session.get(User, finance_id))
                session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(account,)) for account in ("1011", "1021")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    versions = template_versions(db.session, community_id, "procurement.payment")
    assert [v.version for v in versions] == [1, 2, 3]
    banks = {posting_template(db.session, community_id, "procurement.payment", n).account("bank") for n in (2, 3)}
    assert banks == {"1011", "1021"}
    assert posting_template(db.session, community_id, "procurement.payment").version == 3
