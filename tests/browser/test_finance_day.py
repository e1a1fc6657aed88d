"""A finance officer's day in the browser: a voucher entered by keyboard, posted by the chief accountant,
found again from the 科目余额表 through the 明细账, printed as PDF."""
from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from erp.core.timeutil import local_today
from tests.browser.steps import Line, enter_voucher, open_menu, post_voucher, unique_memo

TOWNSHIP = "QH101 城关镇卫生院"


def test_a_voucher_entered_by_keyboard_is_posted_and_found_from_the_trial_balance(signed_in):
    finance = signed_in("finance")
    memo = unique_memo("收门诊挂号费")
    draft = enter_voucher(finance, TOWNSHIP, memo, [Line("1001", debit="2,345.67"),
                                                    Line("4101010101", balance=True)])

    expect(finance.locator("main h1")).to_have_text(re.compile(r"记账凭证 草-\d{6} （未记账，临时编号"))  # provisional
    lines = finance.locator("table.grid").first.locator("tbody tr")
    expect(lines.nth(0)).to_contain_text("1001")
    expect(lines.nth(0)).to_contain_text("2,345.67")
    expect(lines.nth(1)).to_contain_text("4101010101")
    expect(lines.nth(2)).to_contain_text("2,345.67")  # 合计
    expect(finance.get_by_text("您是制单人").first).to_be_visible()  # the preparer may not review or post it

    number = post_voucher(signed_in("chief"), draft)

    open_menu(finance, "科目余额表")
    filters = finance.locator("form.filters")
    filters.get_by_label("单位").select_option(label=TOWNSHIP)
    filters.get_by_label("期间").fill(local_today().strftime("%Y-%m"))
    filters.get_by_role("button", name="查询").click()
    cash = finance.locator("table.trial-balance tbody tr", has=finance.get_by_role("link", name="1001", exact=True))
    expect(cash).to_contain_text("库存现金")
    period_debit = cash.locator("td").nth(4).inner_text()  # 本期发生额·借方: this voucher, and any other of the month
    assert Decimal(period_debit.replace(",", "")) >= Decimal("2345.67"), period_debit

    cash.get_by_role("link", name="1001", exact=True).click()  # drill down: the 明细账 of 1001
    expect(finance.locator("main h1")).to_have_text("明细账")
    entry = finance.locator("table.grid tbody tr", has_text=memo)
    expect(entry).to_contain_text(number)
    expect(entry).to_contain_text("2,345.67")

    entry.get_by_role("link", name=number).click()  # and on to the voucher
    expect(finance.locator("main h1")).to_have_text(f"记账凭证 {number}")
    expect(finance.locator(".voucher-meta")).to_contain_text("已记账")

    pdf_link = finance.get_by_role("link", name="打印 PDF")
    response = finance.request.get(pdf_link.get_attribute("href"))  # the link a click opens, with the session
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")


def test_the_department_cost_report_opens_for_a_month(signed_in):
    chief = signed_in("chief")
    open_menu(chief, "科室成本报表")
    expect(chief.locator("main h1")).to_have_text("科室成本报表")
    filters = chief.locator("form.filters")
    filters.get_by_label("成员单位").select_option(label="QH001 清河县人民医院")
    filters.get_by_label("期间").fill(local_today().strftime("%Y-%m"))
    filters.get_by_role("button", name="查询", exact=True).click()
    expect(chief.locator("main p").first).to_contain_text("清河县人民医院")
    departments = chief.locator("main table.grid").first.locator("tbody tr")
    expect(departments.filter(has_text="内科")).to_have_count(1)
    expect(chief.locator(".reconciliation h3")).to_have_text("与总账核对")
    expect(filters.get_by_role("button", name="打印 PDF")).to_be_visible()


def test_the_cash_flow_cell_names_its_item_and_the_memo_keeps_room(signed_in):
    # the 现金流量项目 column shows the item's Chinese name under its code, an unknown code is flagged, and at
    # 1366 px the grid leaves the 摘要 column room for a memo (it had shrunk to three characters)
    finance = signed_in("finance")
    finance.set_viewport_size({"width": 1366, "height": 900})
    open_menu(finance, "录入凭证")
    items = finance.locator("td.cell-cash_flow_item")
    items.nth(0).locator("input").fill("business")
    items.nth(1).locator("input").fill("nonsense")
    expect(items.nth(0).locator(".dim-name")).to_have_text("事业活动收到的除财政拨款以外的现金")
    expect(items.nth(1).locator(".dim-name")).to_have_text("编码不存在")
    memo = finance.locator("#voucher-lines thead th", has_text="摘要").bounding_box()
    assert memo["width"] >= 140, memo
