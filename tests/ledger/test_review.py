"""制单 → 审核 → 记账: three recorded steps by real people, 取消审核, the community's settings (who posts,
出纳签字), the batches of the list page, the document door's 制单/审核, and the print's signature boxes."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select, text, update

from erp.core.extensions import db
from erp.ledger.models import Voucher, VoucherState
from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document
from erp.ledger.services.integrity import verify_chains
from tests.conftest import ON_POSTGRES, csrf_token
from tests.ledger.conftest import YEAR
from tests.ledger.test_reports import pdftext
from tests.ledger.test_voucher_states import simultaneously

CASH = {"institution": "QH101", "date": f"{YEAR}-03-15", "memo": "门诊收费",
        "lines": [{"account": "1001", "debit": "2345.67"}, {"account": "4101010105", "credit": "2345.67"}]}
ACCRUAL = {"institution": "QH101", "date": f"{YEAR}-03-16", "memo": "计提折旧",
           "lines": [{"account": "5001", "debit": "300.00", "department": "01"},
                     {"account": "1602", "credit": "300.00"}]}


def _draft(client, body=CASH) -> int:
    response = client.post("/api/v1/vouchers", json=body)
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_three_steps_by_three_people_and_the_print_names_each(books, api, tmp_path):
    accountant, chief, finance = api("accountant"), api("chief"), api("finance")
    voucher_id = _draft(accountant)
    assert chief.get(f"/api/v1/vouchers/{voucher_id}").json["display_number"] == f"草-{voucher_id:06d}"
    reviewed = chief.post(f"/api/v1/vouchers/{voucher_id}/review")
    assert reviewed.status_code == 200 and reviewed.json["status"] == "reviewed" and reviewed.json["number"] is None
    again = finance.post(f"/api/v1/vouchers/{voucher_id}/review")
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_transition"
    posted = finance.post(f"/api/v1/vouchers/{voucher_id}/post")
    assert posted.status_code == 200, posted.json
    body = posted.json
    assert (body["preparer"], body["reviewer"], body["poster"]) == ("accountant", "chief", "finance")
    assert body["number"] == body["display_number"] == f"记-{YEAR}-03-0001"
    printed = pdftext(finance.get(f"/api/v1/vouchers/{voucher_id}/pdf").data, tmp_path)
    assert "记账：医共体财务 王会计" in printed and "审核：总会计师 李总" in printed and "制单：城关镇卫生院会计" in printed
    assert printed.count("王会计") == 1  # the poster is not printed twice
    # the people are covered by the hash chain
    assert verify_chains(db.session) == []
    if ON_POSTGRES:
        db.session.execute(text("ALTER TABLE voucher DISABLE TRIGGER voucher_posted_immutable"))
    db.session.execute(update(Voucher).where(Voucher.id == voucher_id).values(reviewer_id=db.session.get(
        Voucher, voucher_id).poster_id))
    assert "altered" in verify_chains(db.session)[0]
    db.session.rollback()


def test_unreview_returns_a_draft_that_may_be_corrected(books, api):
    finance, chief = api("finance"), api("chief")
    voucher_id = _draft(finance)
    assert chief.post(f"/api/v1/vouchers/{voucher_id}/review").status_code == 200
    assert finance.delete(f"/api/v1/vouchers/{voucher_id}").json["error"]["code"] == "voucher_reviewed"
    undone = chief.post(f"/api/v1/vouchers/{voucher_id}/unreview")
    assert undone.status_code == 200 and undone.json["status"] == "draft" and undone.json["reviewer"] is None
    corrected = finance.put(f"/api/v1/vouchers/{voucher_id}", json={**CASH, "memo": "门诊收费（更正）"})
    assert corrected.status_code == 200
    assert chief.post(f"/api/v1/vouchers/{voucher_id}/unreview").status_code == 409  # a draft is not reviewed
    assert chief.post(f"/api/v1/vouchers/{voucher_id}/review").status_code == 200
    assert chief.post(f"/api/v1/vouchers/{voucher_id}/post").status_code == 200
    late = chief.post(f"/api/v1/vouchers/{voucher_id}/unreview")
    assert late.status_code == 409 and late.json["error"]["message"] == "状态不允许从「已记账」变为「未审核」"
    assert api("accountant").post(f"/api/v1/vouchers/{voucher_id}/review").status_code == 403  # no permission


def test_the_community_may_require_another_poster_than_the_reviewer(books, api):
    accountant, chief, finance = api("accountant"), api("chief"), api("finance")
    assert accountant.put("/api/v1/ledger-settings", json={"poster_may_review": False}).status_code == 403
    changed = finance.put("/api/v1/ledger-settings", json={"poster_may_review": False})
    assert changed.status_code == 200 and changed.json == {"poster_may_review": False, "cashier_sign": False}
    voucher_id = _draft(accountant, ACCRUAL)
    assert chief.post(f"/api/v1/vouchers/{voucher_id}/review").status_code == 200
    refused = chief.post(f"/api/v1/vouchers/{voucher_id}/post")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "poster_is_reviewer"
    posted = finance.post(f"/api/v1/vouchers/{voucher_id}/post")
    assert posted.status_code == 200 and (posted.json["reviewer"], posted.json["poster"]) == ("chief", "finance")
    assert accountant.get("/api/v1/ledger-settings").json["poster_may_review"] is False


def test_cash_vouchers_need_the_cashiers_signature_where_the_community_says_so(books, api):
    accountant, chief, finance = api("accountant"), api("chief"), api("finance")
    assert finance.put("/api/v1/ledger-settings", json={"cashier_sign": True}).status_code == 200
    cash_id, accrual_id = _draft(finance), _draft(finance, ACCRUAL)
    for voucher_id in (cash_id, accrual_id):
        assert chief.post(f"/api/v1/vouchers/{voucher_id}/review").status_code == 200
    refused = chief.post(f"/api/v1/vouchers/{cash_id}/post")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "cashier_sign_required"
    no_cash = accountant.post(f"/api/v1/vouchers/{accrual_id}/cashier-sign")
    assert no_cash.status_code == 409 and no_cash.json["error"]["code"] == "no_cash_line"
    assert chief.post(f"/api/v1/vouchers/{accrual_id}/post").status_code == 200  # no cash: no signature needed
    signed = accountant.post(f"/api/v1/vouchers/{cash_id}/cashier-sign")
    assert signed.status_code == 200 and signed.json["cashier"] == "accountant"
    posted = chief.post(f"/api/v1/vouchers/{cash_id}/post")
    assert posted.status_code == 200 and posted.json["cashier"] == "accountant"
    assert accountant.post(f"/api/v1/vouchers/{cash_id}/cashier-sign").status_code == 409  # posted: too late


def test_batch_review_and_post_are_all_or_none(books, api):
    finance, chief = api("finance"), api("chief")
    mine = [_draft(finance, {**CASH, "memo": f"门诊收费{n}"}) for n in range(3)]
    chiefs = _draft(chief, ACCRUAL)
    refused = chief.post("/api/v1/vouchers/batch-review", json={"ids": [mine[0], chiefs, mine[1]]})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "self_review"
    assert list(refused.json["error"]["fields"]) == ["ids[1]"]
    assert refused.json["error"]["message"].startswith(f"凭证 草-{chiefs:06d}：审核人与制单人不能为同一人")
    db.session.expire_all()
    assert {db.session.get(Voucher, i).state for i in mine} == {VoucherState.DRAFT}  # none was reviewed
    reviewed = chief.post("/api/v1/vouchers/batch-review", json={"ids": mine})
    assert reviewed.status_code == 200 and [v["status"] for v in reviewed.json["vouchers"]] == ["reviewed"] * 3
    unreviewed = chief.post("/api/v1/vouchers/batch-post", json={"ids": [*mine, chiefs]})
    assert unreviewed.status_code == 409 and "ids[3]" in unreviewed.json["error"]["fields"]
    posted = chief.post("/api/v1/vouchers/batch-post", json={"ids": mine})
    assert posted.status_code == 200
    assert [v["number"] for v in posted.json["vouchers"]] == [f"记-{YEAR}-03-000{n}" for n in (1, 2, 3)]
    assert chief.post("/api/v1/vouchers/batch-post", json={"ids": []}).status_code == 422


def test_the_list_page_shows_the_people_and_batches_the_selection(books, api, web):
    finance_api = api("finance")
    ids = [_draft(finance_api), _draft(finance_api, ACCRUAL)]
    chief = web("chief")
    page = chief.get("/ledger/vouchers").get_data(as_text=True)
    for header in ("金额", "制单人", "审核人", "记账人", "状态"):
        assert f">{header}" in page
    assert "2,345.67" in page and f"草-{ids[0]:06d}" in page and page.count('name="ids"') == 2
    done = chief.post("/ledger/vouchers/batch", data={"csrf_token": csrf_token(page), "action": "review",
                                                      "ids": [str(i) for i in ids]}, follow_redirects=True)
    assert "已审核 2 张凭证" in done.get_data(as_text=True)
    page = chief.get("/ledger/vouchers").get_data(as_text=True)
    done = chief.post("/ledger/vouchers/batch", data={"csrf_token": csrf_token(page), "action": "post",
                                                      "ids": [str(i) for i in ids]}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "已记账 2 张凭证" in html and f"记-{YEAR}-03-0002" in html and "总会计师 李总" in html
    finance_web = web("finance")
    page = finance_web.get("/ledger/vouchers").get_data(as_text=True)
    assert page.count('name="ids"') == 0  # nothing left to review or post
    export = finance_web.get("/ledger/vouchers?export=xlsx")
    sheet = openpyxl.load_workbook(BytesIO(export.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(row for row in rows if "科目编码" in row)
    lines = [dict(zip(header, row)) for row in rows[rows.index(header) + 1:] if row[header.index("科目编码")]]
    cash = next(line for line in lines if line["科目编码"] == "1001")
    assert cash["科目"] == "库存现金" and Decimal(str(cash["借方"])) == Decimal("2345.67")
    assert cash["审核人"] == "总会计师 李总" and cash["制单人"] == "医共体财务 王会计"
    assert len(lines) == 6  # 2 + 2 financial lines, 2 budget lines of the cash receipt


def test_the_document_door_records_preparer_and_approver_as_preparer_and_reviewer(books):
    preparer, approver, chief = books.user("accountant"), books.user("finance"), books.user("chief")
    data = VoucherInput(institution="QH101", date=date(YEAR, 3, 20), memo="采购入库", lines=[
        LineInput(account="130201", debit=Decimal("500.00")),
        LineInput(account="2302", credit=Decimal("500.00"), partner="S001")])
    voucher = post_document(db.session, DocumentSource("procurement", "receipt", "7", "入库-7"), data,
                            preparer=preparer, poster=approver)
    assert (voucher.preparer, voucher.reviewer, voucher.poster) == (preparer, approver, approver)
    other = post_document(db.session, DocumentSource("procurement", "receipt", "8", "入库-8"), data,
                          preparer=preparer, poster=approver, reviewer=chief)
    assert (other.reviewer, other.poster) == (chief, approver) and other.status == "posted"
    db.session.commit()
    assert verify_chains(db.session) == []


@pytest.mark.postgres
def test_five_simultaneous_reviews_give_one_200_and_409s(books, api):
    voucher_id = books.draft("QH101", [("1001", "10.00"), ("4101010105", "0", "10.00")]).id
    db.session.commit()
    clients = [api("chief") for _ in range(5)]
    results = simultaneously([lambda c=c: c.post(f"/api/v1/vouchers/{voucher_id}/review") for c in clients])
    assert results == [(200, None)] + [(409, "invalid_transition")] * 4
    results = simultaneously([lambda c=c: c.post(f"/api/v1/vouchers/{voucher_id}/post") for c in clients])
    assert results == [(200, None)] + [(409, "invalid_transition")] * 4
    db.session.expire_all()
    voucher = db.session.scalar(select(Voucher).where(Voucher.id == voucher_id))
    assert voucher.reviewer.username == "chief" and voucher.number == f"记-{YEAR}-03-0001"
    assert verify_chains(db.session) == []


def test_the_settings_page_changes_the_communitys_workflow(books, web):
    finance = web("finance")
    page = finance.get("/ledger/settings").get_data(as_text=True)
    assert "凭证设置" in page and re.search(r'<input checked id="poster_may_review" name="poster_may_review"', page)
    assert re.search(r'<input id="cashier_sign" name="cashier_sign"', page)  # off by default
    saved = finance.post("/ledger/settings", data={"csrf_token": csrf_token(page), "cashier_sign": "y"},
                         follow_redirects=True)
    assert "设置已保存" in saved.get_data(as_text=True)
    from erp.ledger.services.review import settings_for

    settings = settings_for(db.session, books.user("finance").community_id)
    assert (settings.poster_may_review, settings.cashier_sign) == (False, True)
    assert web("accountant").get("/ledger/settings").status_code == 403
