"""No English in the Chinese UI: every page the menus lead to (and the pages they link to), as each demo role
sees them, shows Chinese text only, but for the few words Chinese users read as they are."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page

from erp.core.demo import USERS
from tests.browser.steps import Line, enter_voucher, unique_memo

# a document number's letters (QL-2026-00001, PO-2026-00003) are part of a code, not a word: "-" then a digit
ENGLISH_WORD = re.compile(r"(?<![A-Za-z0-9_.@])[A-Za-z][A-Za-z'-]*[A-Za-z](?![A-Za-z0-9_.@]|-\d)")
# identifiers shown as codes, like account codes: posting template kinds and versions (payroll.run@1)
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*(?:@\d+)?\b")
ALLOWED = {
    "PDF", "Excel", "API",
    "English",  # the language switch
    "Ctrl", "Shift", "Enter", "Delete", "Tab",  # keys, as printed on the keyboard (the voucher grid's help)
    "xlsx",  # the file type of the import template
    "JSON",  # a parameter table's value is typed as JSON (a format's name, like PDF)
}
SKIP_LINK = re.compile(r"format=|\.xlsx|/pdf|/export|/logout")
MAX_PAGES = 150


def english_words(page: Page) -> set[str]:
    # code shown as code (a salary rule's expression, its functions) is not language: <code> is left out
    text = page.evaluate("() => { const body = document.body.cloneNode(true);"
                         " body.querySelectorAll('code').forEach(e => e.remove()); return body.innerText; }")
    text += " ".join(page.locator("input[placeholder]").evaluate_all("els => els.map(e => e.placeholder)"))
    return set(ENGLISH_WORD.findall(CODE.sub(" ", text))) - ALLOWED


def same_site_links(page: Page, selector: str) -> list[str]:
    hrefs = page.locator(selector).evaluate_all("els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h and h.startswith("/") and not SKIP_LINK.search(h)]


def test_every_page_of_the_chinese_ui_is_in_chinese(signed_in, new_page):
    voucher = enter_voucher(signed_in("finance"), "QH001 清河县人民医院", unique_memo("收体检费"),
                            [Line("1001", debit="120.00"), Line("4101010101", balance=True)])
    seen, leaks = set(), {}
    for username in ("admin", *(user[0] for user in USERS if user[0] != "admin")):  # each role's own menu
        page = signed_in(username)
        queue = ["/", *same_site_links(page, "nav.menu a"), urlsplit(voucher).path, "/no-such-page"]
        while queue and len(seen) < MAX_PAGES:
            url = queue.pop(0)
            path = urlsplit(url).path
            if path in seen:
                continue
            seen.add(path)
            page.goto(url, wait_until="domcontentloaded")
            if words := english_words(page):
                leaks[f"{url} ({username})"] = sorted(words)
            queue += same_site_links(page, "main a")
        page.context.close()
    stranger = new_page()
    stranger.goto("/login")
    if words := english_words(stranger):
        leaks["/login"] = sorted(words)
    assert 30 < len(seen) < MAX_PAGES, sorted(seen)
    assert not leaks, "\n".join(f"{page}: {words}" for page, words in leaks.items())
