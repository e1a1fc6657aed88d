"""What people do in the browser, as steps the browser tests share (each works on a signed-in page).

A step goes through the screens as a person would (menus, links, the keyboard in the voucher grid) and
returns what the next step needs (a voucher's address, a number). When the ledger's workflow grows a step
(审核 before 记账), ``post_voucher`` is the one place to teach it.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from playwright.sync_api import Page, expect


def unique_memo(text: str) -> str:
    """A memo no other test (the served database lives for the run) has typed. Digits: hex letters ("AEBD") would
    read as an English word to the Chinese-UI checks."""
    return f"{text}{secrets.randbelow(10 ** 8):08d}"


def open_menu(page: Page, label: str) -> None:
    page.locator("nav.menu").get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state()


@dataclass(frozen=True)
class Line:
    account: str
    debit: str = ""
    credit: str = ""
    balance: bool = False  # press "=" in the amount cell: the grid fills what balances the voucher


def enter_voucher(page: Page, institution: str, memo: str, lines: list[Line]) -> str:
    """Open 录入凭证, pick the institution and enter the voucher by keyboard only (Enter moves on, the
    account is chosen from the suggestions, "=" balances), then Ctrl+S. Returns the draft's address."""
    open_menu(page, "录入凭证")
    page.get_by_label("成员单位").select_option(label=institution)
    memo_box = page.get_by_label("摘要", exact=True).first
    memo_box.click()
    page.keyboard.type(memo)
    page.keyboard.press("Enter")  # 附件张数
    page.keyboard.press("Enter")  # the first line's 科目
    for line in lines:
        page.keyboard.type(line.account)
        expect(page.locator("#account-suggestions li.active")).to_contain_text(line.account)
        page.keyboard.press("Enter")  # chosen: on to 借方
        if line.debit:
            page.keyboard.type(line.debit)
        elif line.balance:
            page.keyboard.press("=")  # the balancing amount lands on its side, focused there
        else:
            page.keyboard.press("Enter")  # 贷方
            page.keyboard.type(line.credit)
        page.keyboard.press("Enter")  # 摘要 (carried over from the voucher's)
        page.keyboard.press("Enter")  # the next line's 科目
    expect(page.locator("#total-diff")).to_have_text("0.00")
    expect(page.locator("#total-note")).to_have_text("借贷平衡")
    page.keyboard.press("Control+s")
    expect(page.locator(".flash.success")).to_contain_text("凭证已保存（未记账")
    return page.url


def post_voucher(page: Page, voucher_url: str) -> str:
    """审核 then 记账 of a saved draft from its page (as someone other than its preparer). Returns its number."""
    page.goto(voucher_url)
    page.get_by_role("button", name="审核", exact=True).click()
    expect(page.locator(".flash.success")).to_contain_text("已审核")
    page.get_by_role("button", name="记账", exact=True).click()
    flash = page.locator(".flash.success")
    expect(flash).to_contain_text("已记账，凭证号")
    return re.search(r"记-\d{4}-\d{2}-\d{4}", flash.inner_text()).group(0)


# ---- procurement: the requisition → order → receipt screens ------------------------------------------


def requisition(page: Page, institution: str, lines: list[tuple[str, int]]) -> str:
    """A member's clerk fills the 请领单 grid (code, packages) and saves it for approval. Returns its address."""
    open_menu(page, "请领单")
    page.get_by_role("link", name="新建请领单").click()
    page.locator("select[name=institution]").select_option(value=institution)
    for row, (code, quantity) in enumerate(lines, start=1):
        page.get_by_label(f"医保编码 {row}", exact=True).fill(code)
        page.get_by_label(f"数量 {row}", exact=True).fill(str(quantity))
    page.get_by_role("button", name="保存并提交审批").click()
    expect(page.locator(".flash.success")).to_contain_text("已保存")
    return page.url


def approve_requisition(page: Page, requisition_url: str) -> None:
    page.goto(requisition_url)
    page.get_by_role("button", name="审批通过").click()
    expect(page.locator(".flash.success")).to_contain_text("已处理")


def consolidate(page: Page) -> list[tuple[str, str]]:
    """The procurement clerk previews this month's consolidation and makes the orders (confirming the
    dialog). Returns (number, supplier name) of the orders made, from the order list it lands on."""
    open_menu(page, "汇总采购")
    expect(page.locator("main h1")).to_have_text("汇总请领单（统一采购）")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="生成采购订单").click()
    flash = page.locator(".flash.success")
    expect(flash).to_contain_text("张采购订单")
    made = int(re.search(r"已生成 (\d+) 张", flash.inner_text()).group(1))
    rows = page.locator("main table.grid tbody tr")  # newest first
    return [(rows.nth(i).locator("td").nth(0).inner_text().strip(), rows.nth(i).locator("td").nth(1).inner_text().strip())
            for i in range(made)]


def approve_order(page: Page, number: str) -> None:
    """The chief accountant approves the order from its page."""
    open_menu(page, "采购订单")
    page.get_by_role("link", name=number, exact=True).click()
    page.get_by_role("button", name="审批订单").click()
    expect(page.locator(".flash.success")).to_contain_text("已处理")
    expect(page.locator("dl.facts")).to_contain_text("已审批")
