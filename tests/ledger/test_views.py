"""The ledger's web pages: voucher entry grid, post / reverse / delete, periods, scope — through the browser
forms (CSRF included), with the service's messages shown where the user typed."""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from erp.core.extensions import db
from erp.core.timeutil import local_today
from erp.ledger.views.forms import LINE_FIELDS
from erp.ledger.models import Period, PeriodState, Voucher, VoucherState
from tests.conftest import csrf_token
from tests.ledger.conftest import YEAR

CASH_RECEIPT = [
    {"account": "1001", "debit": "1000.00", "memo": "现金"},
    {"account": "410101010801", "credit": "600.00", "memo": "西药"},
    {"account": "4101010105", "credit": "400.00", "memo": "治疗"},
]


def voucher_form(token: str, lines: list[dict], *, institution: str = "QH101", on: str = f"{YEAR}-03-15",
                 memo: str = "门诊收费", attachments: str = "2", blank_rows: int = 2, **extra) -> MultiDict:
    """What the grid posts: the header fields and one value per column per row (blank rows included)."""
    data = MultiDict([("csrf_token", token), ("institution", institution), ("date", on), ("memo", memo),
                      ("attachment_count", attachments), *extra.items()])
    for line in list(lines) + [{}] * blank_rows:
        for name in LINE_FIELDS:
            data.add(f"line_{name}", line.get(name, ""))
    return data


def enter(client, lines=CASH_RECEIPT, **kwargs):
    token = csrf_token(client.get("/ledger/vouchers/new").get_data(as_text=True))
    return client.post("/ledger/vouchers/new", data=voucher_form(token, lines, **kwargs))


def grid_rows(html: str) -> list[str]:
    body = html.split('<table class="voucher-grid"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [part for part in re.split(r'<tr class="line', body)[1:]]


def vouchers() -> list[Voucher]:
    db.session.expire_all()
    return db.session.scalars(select(Voucher).order_by(Voucher.id)).all()


def voucher_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.search(r"/ledger/vouchers/(\d+)$", response.location)
    assert match, response.location
    return int(match.group(1))


# ------------------------------------------------------------------------------------ entry page


def test_entry_page_has_the_grid_the_script_and_the_users_institutions(books, web):
    page = web("accountant").get("/ledger/vouchers/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ledger/voucher.js" in html and "ledger/voucher.css" in html and 'name="csrf_token"' in html
    assert html.count('name="line_account"') == 4 + 1  # four rows, and the template row the script clones
    institutions = re.findall(r'<option (?:selected )?value="([^"]+)"', html.split('name="institution"')[1]
                              .split("</select>")[0])
    assert institutions == ["QH101", "QH101-01", "QH101-02", "QH101-03"]
    assert 'value="QH101" selected' in html or '<option selected value="QH101"' in html
    assert f'value="{local_today().isoformat()}"' in html  # the date defaults to today
    assert "借贷差额" in html
    assert web("auditor").get("/ledger/vouchers/new").status_code == 403


def test_enter_post_and_reverse_a_voucher_through_the_web(books, web):
    finance, chief = web("finance"), web("chief")
    created = enter(finance)
    new_id = voucher_id(created)
    [draft] = vouchers()
    assert draft.id == new_id and draft.state is VoucherState.DRAFT and draft.number is None
    assert draft.preparer.username == "finance" and draft.attachment_count == 2 and draft.memo == "门诊收费"
    assert [(l.account.code, l.debit, l.credit, l.memo) for l in draft.lines] == [
        ("1001", Decimal("1000.00"), Decimal("0.00"), "现金"),
        ("410101010801", Decimal("0.00"), Decimal("600.00"), "西药"),
        ("4101010105", Decimal("0.00"), Decimal("400.00"), "治疗")]

    page = finance.get(f"/ledger/vouchers/{new_id}").get_data(as_text=True)
    assert f"草-{new_id:06d}" in page and "审核</button>" in page and "审核人不能是制单人" in page
    token = csrf_token(page)
    # 审核 by someone else: the preparer's attempt shows the service's message
    refused = finance.post(f"/ledger/vouchers/{new_id}/review", data={"csrf_token": token}, follow_redirects=True)
    assert "审核人与制单人不能为同一人" in refused.get_data(as_text=True)
    assert vouchers()[0].state is VoucherState.DRAFT

    token = csrf_token(chief.get(f"/ledger/vouchers/{new_id}").get_data(as_text=True))
    reviewed = chief.post(f"/ledger/vouchers/{new_id}/review", data={"csrf_token": token}, follow_redirects=True)
    html = reviewed.get_data(as_text=True)
    assert "已审核" in html and "记账</button>" in html and "取消审核</button>" in html and "修改</a>" not in html
    # separation of duties: the preparer may not post; the service's message is shown
    page = finance.get(f"/ledger/vouchers/{new_id}").get_data(as_text=True)
    assert "制单人不能记账" in page
    refused = finance.post(f"/ledger/vouchers/{new_id}/post", data={"csrf_token": csrf_token(page)},
                           follow_redirects=True)
    assert "制单人与记账人不能为同一人" in refused.get_data(as_text=True)
    assert vouchers()[0].state is VoucherState.REVIEWED

    posted = chief.post(f"/ledger/vouchers/{new_id}/post", data={"csrf_token": token}, follow_redirects=True)
    html = posted.get_data(as_text=True)
    number = f"记-{YEAR}-03-0001"
    assert f"已记账，凭证号 {number}" in html and f"<h1>记账凭证 {number}</h1>" in html
    budget = html.split("预算会计（平行记账）</h2>")[1]
    assert "8001 资金结存" in budget and "61010101 事业预算收入—医疗预算收入—门急诊预算收入" in budget  # full path
    assert budget.count("1,000.00") >= 2  # Dr 8001 1,000.00 / Cr 61010101 1,000.00 (and the totals)
    assert "红字冲销" in html and "修改</a>" not in html

    reversed_page = chief.post(f"/ledger/vouchers/{new_id}/reverse",
                               data={"csrf_token": token, "date": f"{YEAR}-03-20", "memo": ""}, follow_redirects=True)
    html = reversed_page.get_data(as_text=True)
    assert f"<h1>记账凭证 记-{YEAR}-03-0002</h1>" in html and f"冲销 <a" in html and number in html
    original, reversal = vouchers()
    assert original.status == "reversed" and reversal.reversal_of_id == original.id
    assert reversal.date.isoformat() == f"{YEAR}-03-20"
    assert sorted((l.account.code, -l.debit, -l.credit) for l in reversal.lines) == \
        sorted((l.account.code, l.debit, l.credit) for l in original.lines)  # 红字: same sides, negative
    again = chief.post(f"/ledger/vouchers/{new_id}/reverse", data={"csrf_token": token, "date": f"{YEAR}-03-21"},
                       follow_redirects=True)
    assert "不能冲销" in again.get_data(as_text=True) and len(vouchers()) == 2


def test_reversal_in_a_closed_period_shows_the_service_message(books, web):
    voucher = books.enter("QH101", [("1001", "50.00"), ("4101010105", "0", "50.00")])
    chief = web("chief")
    page = chief.get(f"/ledger/vouchers/{voucher.id}").get_data(as_text=True)
    assert f'value="{local_today().isoformat()}"' in page.split("reverse")[1]  # the date defaults to today
    refused = chief.post(f"/ledger/vouchers/{voucher.id}/reverse",
                         data={"csrf_token": csrf_token(page), "date": f"{YEAR - 5}-01-10"}, follow_redirects=True)
    assert "不能冲销" in refused.get_data(as_text=True) and "未开启" in refused.get_data(as_text=True)
    assert len(vouchers()) == 1


def test_unbalanced_voucher_shows_the_difference_and_keeps_what_was_typed(books, web):
    client = web("finance")
    lines = [{"account": "1001", "debit": "1000.00"}, {"account": "4101010105", "credit": "987.50", "memo": "治疗费"}]
    response = enter(client, lines, memo="门诊收费 3月15日")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "借贷不平衡" in html and "差额 12.50" in html
    assert 'id="total-diff" class="unbalanced">12.50<' in html  # the totals row, before any script runs
    rows = grid_rows(html)
    assert 'value="1001"' in rows[0] and 'value="1000.00"' in rows[0]
    assert 'value="987.50"' in rows[1] and 'value="治疗费"' in rows[1]
    assert 'value="门诊收费 3月15日"' in html
    assert vouchers() == []


def test_service_errors_show_next_to_the_right_cell(books, web):
    client = web("finance")
    lines = [{}, {"account": "1001", "debit": "10.00"}, {"account": "9999", "credit": "10.00"}]
    html = enter(client, lines).get_data(as_text=True)
    rows = grid_rows(html)
    # lines[1].account in the service is the third row of the grid (the blank first row is skipped)
    assert "科目 9999 不存在" in rows[2].split('data-col="debit"')[0]
    assert "cell-error" not in rows[0] and "cell-error" not in rows[1]

    lines = [{"account": "5001", "debit": "10.00"}, {"account": "1001", "credit": "10.00"}]
    rows = grid_rows(enter(client, lines).get_data(as_text=True))
    department_cell = rows[0].split('data-dim="department"')[1].split("</td>")[0]
    assert "必须填写" in department_cell

    # a typing error is found before the service is asked, for every row at once
    lines = [{"account": "1001", "debit": "10.005"}, {"account": "", "credit": "10.00"},
             {"account": "4101010105", "credit": "-3"}]
    rows = grid_rows(enter(client, lines).get_data(as_text=True))
    assert "最多 2 位小数" in rows[0] and "请填写科目" in rows[1] and "不能为负数" in rows[2]
    assert vouchers() == []


def test_one_line_and_date_in_a_closed_period_are_refused(books, web):
    client = web("finance")
    html = enter(client, [{"account": "1001", "debit": "10.00"}]).get_data(as_text=True)
    assert "至少需要两条分录" in html
    html = enter(client, CASH_RECEIPT, on=f"{YEAR - 5}-03-15").get_data(as_text=True)
    head = html.split('class="head-date"')[1].split("</label>")[0]
    assert "未开启" in head
    assert vouchers() == []


def test_save_and_new_keeps_institution_and_date(books, web):
    client = web("finance")
    response = enter(client, institution="QH102", on=f"{YEAR}-04-02", then="new")
    assert response.status_code == 302 and "/ledger/vouchers/new?" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert f'value="{YEAR}-04-02"' in page and "凭证已保存" in page
    [draft] = vouchers()
    assert f"临时编号 草-{draft.id:06d}" in page  # the gapless 记- number comes at posting
    assert re.search(r'<option (selected )?value="QH102"( selected)?', page).group(0).count("selected") == 1


def test_full_width_digits_and_thousands_separators_are_read_exactly(books, web):
    client = web("finance")
    lines = [{"account": "1002", "debit": "１，２００.１０"}, {"account": "4101010105", "credit": "1,200.1"}]
    voucher_id(enter(client, lines))
    [voucher] = vouchers()
    assert [(l.debit, l.credit) for l in voucher.lines] == [(Decimal("1200.10"), 0), (0, Decimal("1200.10"))]


def test_edit_and_delete_a_draft(books, web):
    client = web("finance")
    old_id = voucher_id(enter(client))
    form = client.get(f"/ledger/vouchers/{old_id}/edit").get_data(as_text=True)
    assert 'value="410101010801"' in form and 'value="600.00"' in form and 'value="门诊收费"' in form
    changed = [dict(CASH_RECEIPT[0], debit="1200.00"), CASH_RECEIPT[1], dict(CASH_RECEIPT[2], credit="600.00")]
    refused = client.post(f"/ledger/vouchers/{old_id}/edit",
                          data=voucher_form(csrf_token(form), changed[:2] + [dict(changed[2], credit="6OO")]))
    assert refused.status_code == 200 and "金额格式不正确" in refused.get_data(as_text=True)
    assert [v.id for v in vouchers()] == [old_id]  # the refused edit deleted nothing
    new_id = voucher_id(client.post(f"/ledger/vouchers/{old_id}/edit", data=voucher_form(csrf_token(form), changed)))
    [voucher] = vouchers()
    # the service deleted the draft and created the corrected one (SQLite may give it the same id)
    assert voucher.id == new_id and voucher.lines[0].debit == Decimal("1200.00")
    assert voucher.lines[2].credit == Decimal("600.00") and voucher.preparer.username == "finance"

    deleted = client.post(f"/ledger/vouchers/{new_id}/delete", data={"csrf_token": csrf_token(form)},
                          follow_redirects=True)
    assert "未记账凭证已删除" in deleted.get_data(as_text=True) and vouchers() == []


def test_posted_vouchers_cannot_be_edited_or_deleted(books, web):
    voucher = books.enter("QH101", [("1001", "50.00"), ("4101010105", "0", "50.00")])
    client = web("finance")
    page = client.get(f"/ledger/vouchers/{voucher.id}/edit", follow_redirects=True).get_data(as_text=True)
    assert "已记账凭证不能修改" in page
    refused = client.post(f"/ledger/vouchers/{voucher.id}/delete", data={"csrf_token": csrf_token(page)},
                          follow_redirects=True)
    assert "不能删除" in refused.get_data(as_text=True) and len(vouchers()) == 1


def test_accountant_cannot_open_or_create_vouchers_outside_their_institutions(books, web):
    hospital = books.draft("QH001", [("1001", "10.00"), ("4101010105", "0", "10.00")])
    db.session.commit()
    accountant = web("accountant")
    assert accountant.get(f"/ledger/vouchers/{hospital.id}").status_code == 404
    assert accountant.get(f"/ledger/vouchers/{hospital.id}/edit").status_code == 404
    page = accountant.get("/ledger/vouchers/new").get_data(as_text=True)
    token = csrf_token(page)
    assert accountant.post(f"/ledger/vouchers/{hospital.id}/delete", data={"csrf_token": token}).status_code == 404
    refused = accountant.post("/ledger/vouchers/new", data=voucher_form(token, CASH_RECEIPT, institution="QH001"))
    assert refused.status_code == 403 and "权限范围" in refused.get_data(as_text=True)
    assert [v.institution.code for v in vouchers()] == ["QH001"]
    assert accountant.get("/ledger/accounts/search?institution=QH001&q=1001").status_code == 404
    # their own institution works, and the accountant may not post (no permission)
    own = voucher_id(enter(accountant))
    assert accountant.post(f"/ledger/vouchers/{own}/post", data={"csrf_token": token}).status_code == 403


def test_missing_csrf_token_is_refused(books, web):
    client = web("finance")
    data = voucher_form("", CASH_RECEIPT)
    data.pop("csrf_token")
    assert client.post("/ledger/vouchers/new", data=data).status_code == 400
    assert vouchers() == []


# ----------------------------------------------------------------------------------- JSON for the grid


def test_account_search_offers_leaf_financial_accounts_of_the_institution(books, web):
    client = web("finance")

    def codes(q, institution="QH101"):
        response = client.get(f"/ledger/accounts/search?institution={institution}&q={q}&limit=50")
        assert response.status_code == 200
        return [item["code"] for item in response.json["items"]]

    found = codes("4101")
    assert "4101010105" in found and "410101010801" in found
    assert not {"4101", "410101", "41010101", "4101010108"} & set(found)  # not leaves
    assert codes("8001") == [] and codes("6101") == []  # budget accounts are generated, never typed
    assert "410103" in codes("4101") and "410103" not in codes("4101", "QH001")  # grassroots variant
    assert codes("治疗") == ["4101010105", "4101010205"]
    [expense] = client.get("/ledger/accounts/search?institution=QH101&q=5001").json["items"]
    assert expense["required"] == ["department"] and expense["required_titles"] == ["科室"]
    assert codes("1001")[0] == "1001"


def test_dimension_codes_for_the_grid(books, web):
    data = web("finance").get("/ledger/vouchers/dimensions?institution=QH101").json
    assert {"code": "01", "name": "全科门诊"} in data["department"]
    assert {"code": "S001", "name": "国药控股清河医药有限公司"} in data["partner"]
    assert [f["code"] for f in data["funding_source"]] == ["F01", "F02", "F03", "N01"]
    assert [p["code"] for p in data["project"]] == ["P001", "P002"]


# ------------------------------------------------------------------------------------------- list, pdf


def test_voucher_list_links_entry_and_import(books, web):
    books.draft("QH101", [("1001", "10.00"), ("4101010105", "0", "10.00")], memo="挂号")
    db.session.commit()
    html = web("finance").get("/ledger/vouchers?state=draft").get_data(as_text=True)
    assert "挂号" in html and "/ledger/vouchers/new" in html and "/ledger/vouchers/import" in html
    assert "/ledger/vouchers/import" not in web("auditor").get("/ledger/vouchers").get_data(as_text=True)


def test_voucher_page_links_the_printable_pdf_when_the_reports_pages_have_it(app, books, web):
    voucher = books.enter("QH101", [("1001", "1000.00"), ("4101010105", "0", "1000.00")], memo="门诊收费")
    page = web("finance").get(f"/ledger/vouchers/{voucher.id}").get_data(as_text=True)
    if "ledger_reports.voucher_pdf" not in app.view_functions:
        assert "打印 PDF" not in page  # the page does not break without the reports module
        return
    with app.test_request_context():
        from flask import url_for

        link = url_for("ledger_reports.voucher_pdf", voucher_id=voucher.id)
    assert f'href="{link}"' in page and "打印 PDF" in page


# -------------------------------------------------------------------------------------------- periods


def _period_state(institution: str, month: int) -> Period:
    from erp.core.models import Institution

    db.session.expire_all()
    return db.session.scalar(select(Period).join(Institution, Institution.id == Period.institution_id)
                             .where(Institution.code == institution, Period.year == YEAR, Period.month == month))


def test_close_and_reopen_a_period(books, web):
    books.close_last_year("QH101")
    finance, chief = web("finance"), web("chief")
    page = finance.get(f"/ledger/periods?institution=QH101&year={YEAR}").get_data(as_text=True)
    chief_token = csrf_token(chief.get("/ledger/periods").get_data(as_text=True))
    assert page.count("<tr id=\"period-QH101-") == 12 and "QH102" not in page.split("<tbody>")[1]
    token = csrf_token(page)
    closed = finance.post("/ledger/periods/close", data={"csrf_token": token, "institution": "QH101",
                                                         "period": f"{YEAR}-01", "back_institution": "QH101",
                                                         "back_year": str(YEAR)}, follow_redirects=True)
    html = closed.get_data(as_text=True)
    assert f"城关镇卫生院 {YEAR}-01 已结账" in html
    assert _period_state("QH101", 1).state is PeriodState.CLOSED
    row = html.split(f'id="period-QH101-{YEAR}-01"')[1].split("</tr>")[0]
    assert "已结账" in row and "医共体财务 王会计" in row

    # the service's rules, shown as messages: months in order, and no drafts left
    out_of_order = finance.post("/ledger/periods/close", data={"csrf_token": token, "institution": "QH101",
                                                               "period": f"{YEAR}-03"}, follow_redirects=True)
    assert "之前还有 1 个期间未结账" in out_of_order.get_data(as_text=True)
    books.draft("QH101", [("1001", "10.00"), ("4101010105", "0", "10.00")], on=date(YEAR, 2, 3))
    db.session.commit()
    drafts = finance.post("/ledger/periods/close", data={"csrf_token": token, "institution": "QH101",
                                                         "period": f"{YEAR}-02"}, follow_redirects=True)
    assert "还有 1 张未记账凭证" in drafts.get_data(as_text=True)
    assert _period_state("QH101", 2).state is PeriodState.OPEN

    # reopening: the chief accountant only, with a reason
    assert "反结账</button>" not in html
    reopen = {"csrf_token": token, "institution": "QH101", "period": f"{YEAR}-01"}
    assert finance.post("/ledger/periods/reopen", data={**reopen, "reason": "补记"}).status_code == 403
    chief_page = chief.get(f"/ledger/periods?institution=QH101&year={YEAR}").get_data(as_text=True)
    assert "反结账</button>" in chief_page
    reopen["csrf_token"] = chief_token
    no_reason = chief.post("/ledger/periods/reopen", data={**reopen, "reason": "  "}, follow_redirects=True)
    assert "反结账必须说明原因" in no_reason.get_data(as_text=True)
    assert _period_state("QH101", 1).state is PeriodState.CLOSED
    done = chief.post("/ledger/periods/reopen", data={**reopen, "reason": "补记1月折旧"}, follow_redirects=True)
    assert f"{YEAR}-01 已反结账" in done.get_data(as_text=True) and "补记1月折旧" in done.get_data(as_text=True)
    period = _period_state("QH101", 1)
    assert period.state is PeriodState.OPEN and period.reopen_reason == "补记1月折旧"


def test_periods_are_filtered_by_institution_and_year_and_scoped(books, web):
    accountant = web("accountant")
    page = accountant.get(f"/ledger/periods?institution=&year={YEAR - 1}").get_data(as_text=True)
    shown = set(re.findall(r'id="period-([A-Z0-9-]+?)-\d{4}-\d{2}"', page))
    assert shown == {"QH101"}  # 全部单位: those keeping books, not the village clinics (报账 units of QH101)
    assert f"{YEAR - 1}-12" in page and f"{YEAR}-01" not in page.split("<tbody>")[1]
    offered = re.findall(r'<option value="([A-Z0-9-]+)"', page.split('name="institution"')[1].split("</select>")[0])
    assert offered == ["QH101"]
    # a village clinic asked for by code still shows its months, chosen in the filter; another's is not shown
    clinic = accountant.get(f"/ledger/periods?institution=QH101-01&year={YEAR - 1}").get_data(as_text=True)
    assert set(re.findall(r'id="period-([A-Z0-9-]+?)-\d{4}-\d{2}"', clinic)) == {"QH101-01"}
    assert 'value="QH101-01" selected' in clinic
    other = accountant.get(f"/ledger/periods?institution=QH102-01&year={YEAR - 1}").get_data(as_text=True)
    assert not re.findall(r'id="period-', other) and 'value="QH102-01"' not in other
    token = csrf_token(page)
    # the accountant may not close (no permission), nor touch another institution
    assert accountant.post("/ledger/periods/close", data={"csrf_token": token, "institution": "QH101",
                                                          "period": f"{YEAR}-01"}).status_code == 403
    finance = web("finance")
    assert db.session.scalar(select(func.count(Period.id)).where(Period.state == PeriodState.CLOSED)) == 0
    token = csrf_token(finance.get("/ledger/periods").get_data(as_text=True))
    assert finance.post("/ledger/periods/close", data={"csrf_token": token, "institution": "NOPE",
                                                       "period": f"{YEAR}-01"}).status_code == 404


# ---------------------------------------------------------------------------------- the grid's script


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_grid_script_sums_exact_fen():
    script = Path(__file__).resolve().parents[2] / "static" / "ledger" / "voucher.js"
    program = f"""
    const v = require({str(script)!r});
    const fen = s => {{ const r = v.parseFen(s); return r.ok ? v.formatFen(r.fen, true) : 'ERR ' + r.error; }};
    let sum = BigInt(0); for (let i = 0; i < 10; i++) sum += v.parseFen('0.1').fen;
    const b = v.balancingFen('credit', v.parseFen('1000').fen, v.parseFen('987.5').fen);
    console.log(JSON.stringify([fen('１，２３４.５'), fen('1.005'), fen('-1'), fen('999999999999.99'),
      v.formatFen(sum, false), b.side, v.formatFen(b.fen, false)]));
    """
    output = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True, timeout=30).stdout
    assert output.strip() == ('["1,234.50","ERR 金额最多两位小数","ERR 金额不能为负数（红字请用冲销）",'
                              '"999,999,999,999.99","1.00","credit","12.50"]')


def test_entry_defaults_to_the_switchers_institution(books, web):
    from erp.core.models import Institution

    client = web("finance")
    page = client.get("/ledger/vouchers/new").get_data(as_text=True)
    township = db.session.scalar(select(Institution).where(Institution.code == "QH102"))
    client.post("/switch-institution", data={"institution_id": township.id, "csrf_token": csrf_token(page)})
    narrowed = client.get("/ledger/vouchers/new").get_data(as_text=True)
    choices = narrowed.split('name="institution"')[1].split("</select>")[0]
    assert re.findall(r'value="([^"]+)"', choices) == ["QH102"] and "selected" in choices
    # and a voucher for another institution is refused while the switcher narrows the scope
    refused = client.post("/ledger/vouchers/new", data=voucher_form(csrf_token(narrowed), CASH_RECEIPT))
    assert refused.status_code == 403 and "单位切换" in refused.get_data(as_text=True)
    assert vouchers() == []
