"""A township's accountant sees only their own centre and its village clinics; sign-in refusals and error
pages speak Chinese, in the app's layout."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.steps import Line, enter_voucher, open_menu, unique_memo

OWN = ["QH101 城关镇卫生院", "QH101-01 东庄村卫生室", "QH101-02 陈湾村卫生室", "QH101-03 朱岗村卫生室"]


def test_a_township_accountant_sees_only_their_institutions(signed_in):
    memo = unique_memo("柳林镇收门诊费")
    elsewhere = enter_voucher(signed_in("finance"), "QH102 柳林镇卫生院", memo,
                              [Line("1001", debit="88.00"), Line("4101010101", balance=True)])

    page = signed_in("accountant")
    switcher = page.get_by_label("当前单位")
    expect(switcher.locator("option")).to_have_text(["全部单位", *OWN])
    expect(page.locator("main table tbody tr")).to_have_count(len(OWN))

    open_menu(page, "成员单位")
    expect(page.locator("main table tbody tr td:first-child")).to_have_text([code.split()[0] for code in OWN])

    open_menu(page, "凭证")
    expect(page.locator("main")).not_to_contain_text(memo)
    expect(page.locator("main")).not_to_contain_text("柳林镇卫生院")
    page.goto(elsewhere)  # another township's voucher, by its address: not there for them
    expect(page.locator("main h1")).to_have_text("页面不存在")

    open_menu(page, "科目余额表")
    choices = page.locator("form.filters").get_by_label("单位").locator("option")
    expect(choices).to_have_text(["—", *OWN])

    switcher.select_option(label=OWN[1])  # work on one village clinic: the lists narrow to it
    expect(page.get_by_label("当前单位")).to_have_value(re.compile(r"\d+"))
    open_menu(page, "成员单位")
    expect(page.locator("main table tbody tr td:first-child")).to_have_text(["QH101-01"])


def test_a_wrong_password_is_refused_in_chinese(new_page):
    page = new_page()
    page.goto("/login")
    page.get_by_label("用户名").fill("auditor")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".flash.error")).to_have_text("用户名或密码错误，或账户已被暂时锁定")
    expect(page.get_by_label("用户名")).to_be_visible()


def test_error_pages_are_chinese_in_the_apps_layout(signed_in, new_page):
    page = signed_in("clerk")
    response = page.goto("/no-such-page")
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("页面不存在")
    expect(page.locator("main")).to_contain_text("您要找的页面或记录不存在")
    expect(page.locator("nav.menu")).to_contain_text("成员单位")  # the menu stays

    response = page.goto("/ledger/vouchers/new")  # a clerk does not keep the books
    assert response.status == 403
    expect(page.locator("main h1")).to_have_text("无权访问")
    expect(page.locator("header .who")).to_have_text("柳林镇卫生院经办 钱（成员单位经办）")

    stranger = new_page()
    response = stranger.goto("/ledger/no-such-page")
    assert response.status == 404
    expect(stranger.locator("main h1")).to_have_text("页面不存在")
    expect(stranger.get_by_role("link", name="登录")).to_be_visible()
