"""The Chinese web UI: sign-in, menu from the manifests, switcher, list view, form view, English."""
from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest
from sqlalchemy import select

from erp.core.demo import USERS
from erp.core.extensions import db
from erp.core.models import Institution
from tests.conftest import csrf_token


@pytest.mark.parametrize("username, expected", [
    ("accountant", {"QH101", "QH101-01", "QH101-02", "QH101-03"}),
    ("clerk", {"QH102", "QH102-01", "QH102-02", "QH102-03"}),
    ("pharmacy", {"QH001"}),
    ("finance", None),
])
def test_every_demo_user_sees_only_their_institutions_on_the_home_page(demo, web, username, expected):
    page = web(username).get("/").get_data(as_text=True)
    all_codes = set(db.session.scalars(select(Institution.code)))
    shown = {code for code in all_codes if f"<td>{code}</td>" in page}
    assert shown == (expected or all_codes)


def test_menu_is_built_from_manifests_and_permissions(demo, web):
    auditor_page = web("auditor").get("/").get_data(as_text=True)
    clerk_page = web("clerk").get("/").get_data(as_text=True)
    assert "审计日志" in auditor_page and "审计日志" not in clerk_page
    assert "成员单位" in clerk_page
    assert web("clerk").get("/audit").status_code == 403


def test_signed_out_user_is_sent_to_login(app, demo):
    response = app.test_client().get("/institutions")
    assert response.status_code == 302 and "/login" in response.location


def test_switcher_narrows_every_list_to_the_chosen_institution(demo, web):
    client = web("accountant")
    page = client.get("/departments?per_page=100").get_data(as_text=True)
    assert "东庄村卫生室" in page and "城关镇卫生院" in page
    village = db.session.scalar(select(Institution).where(Institution.code == "QH101-01"))
    token = csrf_token(page)
    client.post("/switch-institution", data={"institution_id": village.id, "csrf_token": token})
    narrowed = client.get("/departments").get_data(as_text=True)
    assert "东庄村卫生室" in narrowed and "城关镇卫生院" not in narrowed.split("<tbody>")[1]
    lead = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    assert client.post("/switch-institution", data={"institution_id": lead.id, "csrf_token": token}).status_code == 403


def test_list_view_filters_sorts_paginates_and_exports_excel(demo, web):
    client = web("finance")
    page = client.get("/institutions?kind=township_centre&sort=-code").get_data(as_text=True)
    body = page.split("<tbody>")[1]
    assert body.index("QH108") < body.index("QH101") and "QH001" not in body
    assert "共 8 条" in page
    export = client.get("/institutions?kind=village_clinic&export=xlsx")
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(BytesIO(export.data)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "东庄村卫生室" in values and "城关镇卫生院" in values  # name, and parent column
    assert sum(1 for v in values if isinstance(v, str) and v.startswith("QH") and "-" in v) == 20


def test_list_total_counts_every_row_and_the_last_page_is_reachable(demo, web):
    client = web("finance")
    page = client.get("/institutions").get_data(as_text=True)
    assert page.split("<tbody>")[1].count("<tr") == 32 and "共 32 条" in page
    last = client.get("/institutions?per_page=10&page=4").get_data(as_text=True)
    assert "共 32 条" in last and "4 / 4" in last and "上一页" in last and "下一页" not in last
    assert last.split("<tbody>")[1].count("<tr") == 2 and "QH202" in last
    own = web("accountant").get("/institutions").get_data(as_text=True)  # the scope applies to the count too
    assert "共 4 条" in own


def test_form_view_creates_an_institution_and_shows_field_errors(demo, web):
    client = web("admin")
    form = client.get("/institutions/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token(form), "code": "QH301", "name": "清河县妇幼保健院", "kind": "public_health",
            "parent": "", "uscc": "12130522000000123X"}
    refused = client.post("/institutions/new", data=data).get_data(as_text=True)
    assert "统一社会信用代码无效" in refused
    assert db.session.scalar(select(Institution).where(Institution.code == "QH301")) is None
    created = client.post("/institutions/new", data={**data, "uscc": "12130522000000123J"})
    assert created.status_code == 302
    assert db.session.scalar(select(Institution.name).where(Institution.code == "QH301")) == "清河县妇幼保健院"
    assert web("finance").get("/institutions/new").status_code == 403


def test_english_can_be_chosen(demo, web):
    client = web("finance")
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(page)})
    english = client.get("/institutions").get_data(as_text=True)
    assert "Member institutions" in english and "Sign out" in english and "Township health centre" in english


# one main page per module, with a heading or label of the page itself and a menu entry of the module
ENGLISH_PAGES = [
    ("/", ("My tasks", "Budget overview", "Pay runs", "Community drug catalogue", "Institutions you can see: ")),
    ("/budget/", ("Budget overview", "Budget year", "My budgets", "No approved budget for this year yet")),
    ("/procurement/catalogue", ("Community drug catalogue", "Generic name", "Dosage form",
                                "National essential medicine")),
    ("/payroll/runs", ("Pay runs", "Run no.", "Paying institution", "Net pay total")),
    ("/ledger/vouchers", ("Vouchers", "Reviewed by", "Review selected", "Post selected")),
]


@pytest.mark.parametrize("path, expected", ENGLISH_PAGES)
def test_the_main_page_of_each_module_shows_in_english(demo, web, path, expected):
    client = web("finance")
    chinese = client.get(path).get_data(as_text=True)
    assert not [text for text in expected if text in chinese]
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(chinese)})
    english = client.get(path)
    page = english.get_data(as_text=True)
    assert english.status_code == 200 and [text for text in expected if text not in page] == []


def test_demo_has_one_user_per_role(demo):
    from erp.core.security import ROLES

    assert {role for _, role, _, _ in USERS} == set(ROLES)


def test_error_pages_show_in_the_layout_in_the_users_language(demo, web):
    client = web("clerk")
    missing = client.get("/no-such-page")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "<h1>页面不存在</h1>" in page and '<nav class="menu">' in page
    assert "Not Found" not in page and "（成员单位经办）" in page
    refused = client.get("/ledger/vouchers/new")
    assert refused.status_code == 403 and "<h1>无权访问</h1>" in refused.get_data(as_text=True)
    client.post("/language", data={"locale": "en", "csrf_token": csrf_token(page)})
    english = client.get("/no-such-page").get_data(as_text=True)
    assert "<h1>Page not found</h1>" in english and "(Member clerk)" not in english and "（Member clerk）" in english


def test_a_message_shows_its_chinese_part_in_chinese_and_its_detail_in_english(app):
    from erp.core.web import in_locale

    message = "用户名或密码错误，或账户已被暂时锁定 (invalid credentials or account locked)"
    with app.test_request_context():
        assert in_locale(message) == "用户名或密码错误，或账户已被暂时锁定"
        assert in_locale("金额单位 (元)") == "金额单位 (元)"  # Chinese inside the brackets: not a detail
        assert in_locale("plain text (detail)") == "plain text (detail)"  # no Chinese part: as it is
    with app.test_request_context():
        from flask import session

        session["locale"] = "en"
        assert in_locale(message) == "invalid credentials or account locked"


@pytest.mark.parametrize("username, ledger, payroll", [("hr", False, True), ("finance", True, True),
                                                      ("pharmacy", False, False)])
def test_may_open_follows_the_pages_own_permission(app, demo, username, ledger, payroll):
    """A page links a document of another module only where its user may go: the target's @requires decides."""
    from flask_login import login_user

    from erp.core.models import User
    from erp.core.web import may_open

    from tests.factories import VoucherFactory

    voucher = VoucherFactory(institution="QH101")
    user = db.session.scalar(select(User).where(User.username == username))
    with app.test_request_context("/"):
        login_user(user)
        assert may_open(f"/ledger/vouchers/{voucher.id}?from=budget") is ledger
        assert may_open("/payroll/runs") is payroll
        # no such page, a page only posted to, an id beyond INTEGER, nothing: no link
        assert not any(may_open(url) for url in ("/nope", f"/ledger/vouchers/{voucher.id}/post",
                                                 "/ledger/vouchers/2147483648", "", None))


def test_may_open_links_a_record_only_within_the_users_institutions(app, demo):
    """A page showing one record (@shows) is linked only when the record is in the user's scope: the township
    accountant's own voucher, not the lead hospital's (nor one that does not exist)."""
    from flask_login import login_user

    from erp.core.models import User
    from erp.core.session_context import activate_user
    from erp.core.web import may_open
    from tests.factories import VoucherFactory

    own, lead = VoucherFactory(institution="QH101"), VoucherFactory(institution="QH001")
    accountant = db.session.scalar(select(User).where(User.username == "accountant"))
    with app.test_request_context("/"):
        login_user(accountant)
        activate_user(db.session, accountant)  # as every request does for its signed-in user
        assert may_open(f"/ledger/vouchers/{own.id}")
        assert not may_open(f"/ledger/vouchers/{lead.id}") and not may_open(f"/ledger/vouchers/{lead.id + 1000}")
        assert may_open("/ledger/vouchers")  # a list: the permission decides
