"""Browser tests: Playwright for Python driving Debian's Chromium (``apt-get install chromium``; launched by
``executable_path``, never a browser download), against the app served on a free port in a thread.

The server works on a database of its own, a copy of the demo community with the ledger's demo
(``snapshots.served()``: built once per run, committed, so the server's threads see it). What the tests do
there stays for the run: each test makes its own data (its own voucher, its own memo) and never counts on
another test's. One Chromium per run, a fresh context (cookies, storage) per signed-in user.

Skipped with a reason only when Chromium (``ERP_CHROMIUM`` or /usr/bin/chromium) or playwright is missing;
CI (``.ci/run``) installs Chromium and fails when these tests are skipped.
"""
from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from erp import create_app
from erp.core.config import TestConfig
from erp.core.demo import DEMO_PASSWORD

SKIP_REASON = "browser tests need"  # .ci/run fails when it sees this in a skip reason
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    configured = os.environ.get("ERP_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else shutil.which(configured)
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"{SKIP_REASON} playwright: pip install -e '.[test]'")
    path = chromium_path()
    if path is None:
        pytest.skip(f"{SKIP_REASON} Chromium: apt-get install chromium (or set ERP_CHROMIUM to its path)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def server(chromium, snapshots):
    """The app on 127.0.0.1:<free port>, served by werkzeug in a thread, on the run's served copy of the
    demo. Yields its base URL."""
    with serving(snapshots.served()) as url:
        yield url


@contextmanager
def serving(engine):
    """Serve the app on ``engine``'s database (a snapshot copy) on a free port in a thread; the base URL."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # no line per request in the test output
            pass

    url = engine.url.render_as_string(hide_password=False)
    app = create_app(type("BrowserConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=httpd.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)
    with app.app_context():
        from erp.core.extensions import db

        db.engine.dispose()


def _new_context(chromium, server, storage_state=None):
    context = chromium.new_context(base_url=server, locale="zh-CN", accept_downloads=True, storage_state=storage_state,
                                   viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def new_page(chromium, server):
    """``new_page()`` → a page in a fresh browser context (nobody signed in) on the served app."""
    contexts = []

    def open_page(storage_state=None):
        contexts.append(_new_context(chromium, server, storage_state))
        return contexts[-1].new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def _signed_in_states():
    return {}  # username → the browser's cookies right after signing in through the form


@pytest.fixture
def signed_in(new_page, _signed_in_states):
    """``signed_in("finance")`` → a page signed in as that demo user, on the home page; call it again for
    another user (a context of their own). The first time in a run a user signs in through the login form;
    later contexts start from the cookies that sign-in left (nobody signs out in these tests)."""

    def sign_in(username: str, password: str = DEMO_PASSWORD):
        if username in _signed_in_states:
            page = new_page(_signed_in_states[username])
            page.goto("/")
            return page
        page = new_page()
        page.goto("/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        assert not page.url.endswith("/login"), f"{username} could not sign in"
        _signed_in_states[username] = page.context.storage_state()
        return page

    return sign_in
