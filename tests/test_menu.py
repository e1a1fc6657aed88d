"""Every menu entry opens on something useful, for every demo role: a page with content, not an error."""
from __future__ import annotations

import re

import pytest

from erp.core.demo import USERS
from erp.core.timeutil import local_today

MENU_LINK = re.compile(r'<li><a href="([^"]+)">([^<]+)</a></li>')


def _menu(page: str) -> list[tuple[str, str]]:
    nav = page.split('<nav class="menu">')[1].split("</nav>")[0]
    return MENU_LINK.findall(nav)


@pytest.fixture
def booked(books):
    """This month's cash takings in each institution a scoped demo user keeps."""
    for code in ("QH001", "QH101", "QH102"):
        books.enter(code, [("1001", "500.00"), ("4101010101", "0", "500.00")], on=local_today(), memo="门诊收费")
    return books


@pytest.mark.parametrize("username", [user[0] for user in USERS])
def test_every_menu_entry_of_every_role_opens_with_content(booked, web, username):
    client = web(username)
    entries = _menu(client.get("/").get_data(as_text=True))
    assert entries, username
    for url, label in entries:
        response = client.get(url)
        assert response.status_code == 200, (username, label, url, response.status_code)
        main = response.get_data(as_text=True).split("<main>")[1].split("</main>")[0]
        where = (username, label, url)
        if "<tbody>" in main:  # a list or a report: it shows rows (the user's own institution's, by default)
            assert main.split("<tbody>")[1].split("</tbody>")[0].count("<tr") > 0, (*where, "an empty table")
        elif "<form" in main:  # an entry form, or a picker to choose what to show
            assert "<select" in main or "<input" in main, (*where, "a form with nothing to fill in")
        else:  # an index of pages
            assert main.count("<a href") >= 3, (*where, "no content")


def test_the_trial_balance_of_a_township_accountant_opens_on_their_own_centre(booked, web):
    page = web("accountant").get("/ledger/reports/trial-balance").get_data(as_text=True)
    body = page.split("<tbody>")[1]
    assert "1001" in body and "500.00" in body
    assert 'value="QH101" selected' in page


def test_the_detail_ledger_opens_on_an_account_picker_and_shows_the_chosen_account(booked, web):
    client = web("accountant")
    page = client.get("/ledger/reports/detail-ledger").get_data(as_text=True)
    assert '<select name="account">' in page and '<option value="1001"' in page and "请选择科目" in page
    chosen = client.get("/ledger/reports/detail-ledger?account=1001").get_data(as_text=True)
    assert "门诊收费" in chosen.split("<tbody>")[1]
