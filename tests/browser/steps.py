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
    """A memo no other test (the served database lives for the run) has typed."""
    return f"{text}{secrets.token_hex(2).upper()}"


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
