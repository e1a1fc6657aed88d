"""The 年结 page: the checklist before closing (months closed, nothing unreviewed or unposted, 内部往来 posted
on both sides, the trial balance in balance), the year-end close from the browser, and 期末结转 from the
periods page."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Institution
from erp.ledger.models import FiscalYear, PeriodState, Voucher, VoucherKind
from tests.conftest import csrf_token
from tests.ledger.conftest import YEAR
from tests.ledger.test_year_end import LAST_YEAR, close_months

RECEIPT = [("1001", "1000.00"), ("410101010801", "0", "600.00"), ("4101010105", "0", "400.00")]


def _results(html: str) -> dict[str, str]:
    return dict(re.findall(r"<td>([^<]+)</td>\s*<td class=\"check-\w+\">([^<]+)</td>", html))


def test_the_checklist_names_what_is_left_then_the_year_closes_from_the_browser(books, api, web):
    books.enter("QH101", RECEIPT, on=date(LAST_YEAR, 3, 10))
    left = books.draft("QH101", RECEIPT, on=date(LAST_YEAR, 11, 20), memo="漏记")
    db.session.commit()
    chief = web("chief")
    page = chief.get(f"/ledger/years/close?institution=QH101&year={LAST_YEAR}").get_data(as_text=True)
    results = _results(page)
    assert results["1—11 月已结账"] == "未通过" and results["没有未审核凭证"] == "未通过"
    assert results["没有已审核未记账凭证"] == "通过" and results["内部往来双方均已记账"] == "通过"
    assert results["科目余额表平衡（财务会计）"] == results["科目余额表平衡（预算会计）"] == "通过"
    assert "未审核凭证 1 张" in page and " disabled>" in page
    refused = chief.post("/ledger/years/close", data={"csrf_token": csrf_token(page), "institution": "QH101",
                                                      "period": f"{LAST_YEAR}-12"}, follow_redirects=True)
    assert "年结检查未通过" in refused.get_data(as_text=True)

    books.post(left)
    db.session.commit()
    close_months(api("chief"), "QH101")
    page = chief.get(f"/ledger/years/close?institution=QH101&year={LAST_YEAR}").get_data(as_text=True)
    assert set(_results(page).values()) == {"通过"} and " disabled>" not in page
    closed = chief.post("/ledger/years/close", data={"csrf_token": csrf_token(page), "institution": "QH101",
                                                     "period": f"{LAST_YEAR}-12"}, follow_redirects=True)
    html = closed.get_data(as_text=True)
    assert f"{LAST_YEAR} 年度已年结，年终结转凭证 记-{LAST_YEAR}-12-0001" in html
    year = db.session.scalar(select(FiscalYear).join(Institution).where(Institution.code == "QH101",
                                                                        FiscalYear.year == LAST_YEAR))
    assert year.state is PeriodState.CLOSED
    accountant = web("accountant")
    own = accountant.get(f"/ledger/years/close?institution=QH101&year={LAST_YEAR}").get_data(as_text=True)
    assert "年结</button>" not in own  # no ledger.year.close: the checklist only
    # the chooser offers the members keeping books in scope: QH101, not its village clinics (报账 units)
    assert re.findall(r'<option value="([A-Z0-9-]+)"', own.split('name="institution"')[1].split("</select>")[0]) \
        == ["QH101"]
    assert accountant.post("/ledger/years/close", data={"csrf_token": csrf_token(own)}).status_code == 403


def test_an_internal_transaction_posted_on_one_side_only_fails_the_check(books, api, web):
    from tests.ledger.test_internal import DISTRIBUTION

    body = {**DISTRIBUTION, "issuer": {**DISTRIBUTION["issuer"], "date": f"{LAST_YEAR}-06-10"},
            "receiver": {**DISTRIBUTION["receiver"], "date": f"{LAST_YEAR}-06-10"}}
    created = api("finance").post("/api/v1/internal-transactions", json=body)
    assert created.status_code == 201, created.json
    chief = api("chief")
    for step in ("review", "post"):
        assert chief.post(f"/api/v1/vouchers/{created.json['issuer']['id']}/{step}").status_code == 200
    page = web("chief").get(f"/ledger/years/close?institution=QH001&year={LAST_YEAR}").get_data(as_text=True)
    assert _results(page)["内部往来双方均已记账"] == "未通过" and created.json["internal_ref"] in page


def test_the_periods_page_generates_the_months_carry_over(books, web):
    books.enter("QH101", RECEIPT, on=date(YEAR, 3, 10))
    finance = web("finance")
    page = finance.get(f"/ledger/periods?institution=QH101&year={YEAR}").get_data(as_text=True)
    assert "期末结转</button>" in page and "年结检查与年结" in page
    done = finance.post("/ledger/periods/carry-over", data={"csrf_token": csrf_token(page), "institution": "QH101",
                                                            "period": f"{YEAR}-03"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    carry = db.session.scalar(select(Voucher).where(Voucher.kind == VoucherKind.CLOSING))
    assert f"已生成期末结转凭证 <a href=\"/ledger/vouchers/{carry.id}\">草-{carry.id:06d}</a>" in html
    assert "3301 本期盈余" in finance.get(f"/ledger/vouchers/{carry.id}").get_data(as_text=True)
    again = finance.post("/ledger/periods/carry-over", data={"csrf_token": csrf_token(page), "institution": "QH101",
                                                             "period": f"{YEAR}-03"}, follow_redirects=True)
    assert "已有未记账的期末结转凭证" in again.get_data(as_text=True)


def test_a_village_clinic_chosen_in_the_switcher_still_opens_the_closing_pages(books, web):
    """The switcher narrows the scope to a 村卫生室 that keeps no books: the 年结 and 期间 pages show it (nothing
    to close) instead of answering 页面不存在."""
    client = web("finance")
    page = client.get("/ledger/periods").get_data(as_text=True)
    clinic = db.session.scalar(select(Institution).where(Institution.code == "QH101-01"))
    client.post("/switch-institution", data={"institution_id": clinic.id, "csrf_token": csrf_token(page)})
    year_end = client.get("/ledger/years/close")
    assert year_end.status_code == 200 and "QH101-01" in year_end.get_data(as_text=True)
    assert client.get("/ledger/periods").status_code == 200
