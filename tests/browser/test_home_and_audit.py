"""The home page's tiles and the auditors' log in the browser: the finance officer sees what waits for them and
opens the list from a tile; the auditor filters the log and reads it in Beijing time and in Chinese."""
from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import expect

from erp.core.timeutil import LOCAL_TZ, local_today
from tests.browser.steps import Line, enter_voucher, open_menu, unique_memo
from tests.browser.test_chinese_ui import english_words

TOWNSHIP = "QH101 城关镇卫生院"


def _tile_value(page, name: str) -> int:
    return int(page.locator(f'a[data-tile="{name}"] .tile-value').inner_text().replace(",", ""))


def test_the_finance_officers_tiles_count_and_open_the_lists(signed_in):
    finance = signed_in("finance")
    expect(finance.locator(".tiles")).to_be_visible()
    before = _tile_value(finance, "drafts_to_review")
    memo = unique_memo("收门诊诊察费")
    enter_voucher(signed_in("accountant"), TOWNSHIP, memo, [Line("1001", debit="456.78"),
                                                          Line("4101010101", balance=True)])

    finance.goto("/")
    assert _tile_value(finance, "drafts_to_review") == before + 1
    for name in ("reviewed_to_post", "months_to_close", "budget_left", "orders_to_approve", "runs_to_post"):
        expect(finance.locator(f'a[data-tile="{name}"]')).to_be_visible()
    finance.locator('a[data-tile="drafts_to_review"]').click()
    expect(finance.locator("main h1")).to_have_text("凭证")
    assert finance.url.endswith("/ledger/vouchers?state=draft")
    expect(finance.locator("table.grid tbody tr", has_text=memo)).to_contain_text("456.78")

    finance.goto("/procurement/")  # the module's index page: its tiles and its screens
    expect(finance.locator('a[data-tile="orders_to_approve"]')).to_be_visible()
    expect(finance.locator("main").get_by_role("link", name="采购订单", exact=True)).to_be_visible()


def test_the_auditor_filters_the_log_and_reads_it_in_beijing_time(signed_in):
    memo = unique_memo("收住院预交金")
    enter_voucher(signed_in("accountant"), TOWNSHIP, memo, [Line("1001", debit="789.01"),
                                                          Line("4101010101", balance=True)])
    auditor = signed_in("auditor")
    open_menu(auditor, "审计日志")
    expect(auditor.locator("main h1")).to_have_text("审计日志")
    filters = auditor.locator("main form.filters")
    filters.get_by_label("操作人").select_option(label="城关镇卫生院会计 赵")
    filters.get_by_label("对象类型").select_option(label="记账凭证")
    filters.locator("select[name=institution]").select_option(value="QH101")
    filters.get_by_label("起始日期").fill(local_today().isoformat())
    filters.get_by_label("截止日期").fill(local_today().isoformat())
    filters.get_by_role("button", name="筛选").click()

    row = auditor.locator("table.audit-log > tbody > tr", has_text=memo)
    expect(row).to_have_count(1)
    expect(row.locator(".audit-action")).to_have_text("新增")
    expect(row.locator(".audit-username")).to_have_text("城关镇卫生院会计 赵")
    expect(row.locator(".audit-changes")).to_contain_text("制单人")
    shown = datetime.strptime(row.locator(".audit-at").inner_text(), "%Y-%m-%d %H:%M:%S")
    now = datetime.now(LOCAL_TZ).replace(tzinfo=None)  # Beijing's wall clock, not the server's UTC
    assert now - timedelta(minutes=5) < shown <= now + timedelta(seconds=5), (shown, now)
    assert not english_words(auditor), english_words(auditor)

