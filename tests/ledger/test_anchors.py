"""A history that cannot be rewritten unnoticed: the chains are keyed (HMAC with a key outside the
database) and anchored in a signed file outside the database at every period close and `erp audit verify`."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from erp.core.audit import verify_chain
from erp.core.chain import read_checkpoints, verify_checkpoints, write_checkpoint
from erp.core.extensions import db
from erp.core.models import AuditEntry
from erp.ledger.models import LedgerChainHead, Voucher, VoucherState
from erp.ledger.services.engine import voucher_hash
from erp.ledger.services.integrity import verify_chains
from tests.conftest import ON_POSTGRES
from tests.ledger.conftest import YEAR

RECEIPT = [("1001", "2345.67"), ("410101010801", "0", "2345.67")]
PAYMENT = [("2302", "250.00", "0", {"partner": "S002"}), ("1002", "0", "250.00")]


def _without_triggers(statements: list[str]) -> None:
    """Write as the database's superuser would: the immutability triggers switched off for the session."""
    if ON_POSTGRES:
        db.session.execute(text("SET session_replication_role = replica"))
    for statement in statements:
        db.session.execute(text(statement))
    if ON_POSTGRES:
        db.session.execute(text("SET session_replication_role = DEFAULT"))


def _rewrite_and_rehash(app, institution_id: int, voucher_id: int, key: str) -> None:
    """Add 1,000.00 to both sides of a posted voucher, then re-hash the institution's whole chain from there
    with the project's own function under ``key`` and move the chain head — everything an intruder with
    database rights can do."""
    _without_triggers([f"UPDATE voucher_line SET debit = debit + 100000 WHERE voucher_id = {voucher_id} AND debit > 0",
                       f"UPDATE voucher_line SET credit = credit + 100000 WHERE voucher_id = {voucher_id} AND credit > 0"])
    db.session.expire_all()
    real_key = app.config["CHAIN_KEY"]
    app.config["CHAIN_KEY"] = key
    try:
        vouchers = db.session.scalars(select(Voucher).where(Voucher.institution_id == institution_id,
                                                            Voucher.state == VoucherState.POSTED)
                                      .order_by(Voucher.chain_seq).options(selectinload(Voucher.lines))).all()
        db.session.expunge_all()  # worked on as detached copies: the session's own guard would refuse the change
        prev, updates = None, []
        for voucher in vouchers:
            if prev is not None:
                voucher.prev_hash = prev
            digest = voucher_hash(voucher)
            updates.append(f"UPDATE voucher SET prev_hash = '{voucher.prev_hash}', hash = '{digest}' WHERE id = {voucher.id}")
            prev = digest
        updates.append(f"UPDATE ledger_chain_head SET hash = '{prev}' WHERE institution_id = {institution_id}")
    finally:
        app.config["CHAIN_KEY"] = real_key
    db.session.expire_all()
    _without_triggers(updates)
    db.session.commit()
    db.session.expire_all()


def test_a_rewrite_rehashed_without_the_key_fails_verification_naming_the_voucher(app, books):
    first = books.enter("QH101", RECEIPT)
    second = books.enter("QH101", PAYMENT)
    assert verify_chains(db.session) == []
    _rewrite_and_rehash(app, second.institution_id, second.id, key="a-guessed-key")
    problems = verify_chains(db.session)
    assert len(problems) == 1 and first.number in problems[0] and "altered" in problems[0]


def test_a_rewrite_rehashed_with_the_key_is_caught_by_the_anchor_outside_the_database(app, books):
    books.enter("QH101", RECEIPT)
    second = books.enter("QH101", PAYMENT)
    anchor = write_checkpoint(db.session, "test")
    head = db.session.get(LedgerChainHead, second.institution_id)
    seq = head.seq
    assert anchor["heads"]["ledger"][str(second.institution_id)] == [seq, head.hash]
    assert verify_checkpoints(db.session) == []
    _rewrite_and_rehash(app, second.institution_id, second.id, key=app.config["CHAIN_KEY"])
    assert verify_chains(db.session) == []  # an insider holding the key re-hashed the chain consistently …
    problems = verify_checkpoints(db.session)  # … but the anchor still holds the old head
    assert len(problems) == 1 and f"ledger {second.institution_id}" in problems[0].message
    assert f"#{seq}" in problems[0].message


def test_closing_a_period_writes_a_signed_anchor_and_an_altered_anchor_file_is_detected(app, books):
    books.close_last_year("QH101")
    anchors = read_checkpoints()
    closes = [a for a in anchors if a["reason"] == "period_closed" and a.get("period") == f"{YEAR - 1}-11"]
    member = str(closes[-1]["institution_id"])
    assert closes and "ledger" in closes[-1]["heads"] and closes[-1]["heads"]["audit"][member][0] > 0
    assert verify_checkpoints(db.session) == []
    path = app.config["CHECKPOINT_FILE"]
    lines = open(path, encoding="utf-8").read().splitlines()
    forged = json.loads(lines[-1])
    forged["heads"]["audit"][member][1] = "0" * 64
    try:
        with open(path, "w", encoding="utf-8") as file:
            file.write("\n".join(lines[:-1] + [json.dumps(forged)]) + "\n")
        problems = verify_checkpoints(db.session)
        assert any("签名" in p.message and p.line == len(lines) for p in problems)
    finally:
        with open(path, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")


def test_the_audit_log_rehashed_without_the_key_fails_verification(app, books):
    books.enter("QH101", RECEIPT)
    entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    real_key = app.config["CHAIN_KEY"]
    app.config["CHAIN_KEY"] = "a-guessed-key"
    try:
        from erp.core.audit import entry_hash

        data = {c.key: getattr(entry, c.key) for c in AuditEntry.__table__.columns}
        data["username"] = "intruder"
        forged = entry_hash(data)
    finally:
        app.config["CHAIN_KEY"] = real_key
    _without_triggers([f"UPDATE audit_entry SET username = 'intruder', hash = '{forged}' WHERE id = {entry.id}",
                       f"UPDATE audit_head SET hash = '{forged}' WHERE chain = '{entry.chain}'"])
    db.session.commit()
    broken = verify_chain(db.session)
    assert broken is not None and (broken.chain, broken.seq) == (entry.chain, entry.seq) and "altered" in broken.reason


def test_erp_audit_verify_checks_the_anchors_and_adds_one(app, books, monkeypatch):
    from erp.core.cli import main

    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    books.enter("QH101", RECEIPT)
    runner = app.test_cli_runner()
    before = len(read_checkpoints())
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "new anchor" in result.output and len(read_checkpoints()) == before + 1


def test_the_trial_balance_of_a_closed_month_prints_its_anchor_digest(app, books, web, tmp_path):
    from erp.core.chain import anchor_digest
    from tests.ledger.test_reports import pdftext

    books.close_last_year("QH101")
    close = [a for a in read_checkpoints() if a["reason"] == "period_closed" and a["period"] == f"{YEAR - 1}-11"][-1]
    digest = anchor_digest(close)
    assert len(digest.replace(" ", "")) == 32
    client = web("finance")
    page = client.get(f"/ledger/reports/trial-balance?institution=QH101&period={YEAR - 1}-11").get_data(as_text=True)
    assert f"<code>{digest}</code>" in page
    pdf = client.get(f"/ledger/reports/trial-balance?institution=QH101&period={YEAR - 1}-11&format=pdf")
    assert f"结账检查点 {digest}" in " ".join(pdftext(pdf.data, tmp_path).split())
    still_open = client.get(f"/ledger/reports/trial-balance?institution=QH101&period={YEAR}-03").get_data(as_text=True)
    assert "结账检查点" not in still_open


def test_an_audit_chain_rehashed_with_the_key_is_caught_by_the_anchor_naming_the_chain(app, books):
    from erp.core.audit import entry_hash

    books.enter("QH101", RECEIPT)
    anchored = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    chain, seq = anchored.chain, anchored.seq
    anchor = write_checkpoint(db.session, "test")
    assert anchor["heads"]["audit"][chain] == [seq, anchored.hash] and len(anchor["heads"]["audit"]) > 2
    data = {c.key: getattr(anchored, c.key) for c in AuditEntry.__table__.columns}
    data["username"] = "intruder"
    rehashed = entry_hash(data)  # an insider holding the key
    _without_triggers([f"UPDATE audit_entry SET username = 'intruder', hash = '{rehashed}' WHERE id = {anchored.id}",
                       f"UPDATE audit_head SET hash = '{rehashed}' WHERE chain = '{chain}'"])
    db.session.commit()
    assert verify_chain(db.session) is None
    problems = verify_checkpoints(db.session)
    assert len(problems) == 1 and f"audit {chain}: 第 {seq} 条" in problems[0].message
