"""The budget holder's screen in the browser: the county hospital's budget holder opens 预算总览 and sees what is
left and what is committed (and by whom); the chief accountant's approval of a purchase order larger than what
is left on the Stop line is refused naming the line, the amount asked and the amount available, and the order
stays a draft; the holder opens 预算执行 for their institution and downloads the execution report as PDF."""
from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from erp import create_app
from erp.core.config import TestConfig
from tests.browser.conftest import serving
from tests.browser.steps import open_menu
from tests.conftest import IsolatedClient

HOLDER, HOLDER_PASSWORD = "holder001", "县医院-预算-1"
SNAPSHOT = "budget_holder"


@pytest.fixture(scope="module")
def server(chromium, snapshots):
    """A served copy of its own: the orders and commitments made here stay out of the other browser tests'
    pages (the Chinese-UI crawl lists every page with data)."""
    with serving(snapshots.served(SNAPSHOT)) as url:
        yield url


@pytest.fixture(scope="module")
def _signed_in_states():
    return {}  # the sign-ins of this module's server, not the shared one's


@pytest.fixture(scope="module")
def stop_line_order(snapshots, server):
    """On the served database: the county hospital's 7201 line of 300.00 on Stop with 100.00 committed by the
    procurement clerk, the holder (a finance user of QH001 only), and a draft order of 30 boxes of aspirin
    (370.37) for QH102, which the central pharmacy's line pays. Returns the order's id."""
    from erp.budget import services as budget
    from erp.core import services
    from erp.core.extensions import db
    from erp.core.models import Community, Institution, User
    from erp.core.session_context import system_actor
    from erp.core.timeutil import local_today
    from tests.budget.conftest import source
    from tests.factories import budget_line
    from tests.procurement.flow.conftest import ASPIRIN, Flow

    url = snapshots.served(SNAPSHOT).url.render_as_string(hide_password=False)
    app = create_app(type("SetUpConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    app.test_client_class = IsolatedClient
    with app.app_context():
        session = db.session
        system_actor(session, "test")
        community = session.scalar(select(Community).where(Community.code == "QH"))
        Flow(community)
        budget_line("QH001", "300.00", "stop")
        budget.reserve(session, session.scalar(select(Institution).where(Institution.code == "QH001")), "7201", None,
                       None, "100.00", source("PO-HOLDER"), on=local_today(),
                       user=session.scalar(select(User).where(User.username == "procurement")))
        services.create_user(session, community, username=HOLDER, password=HOLDER_PASSWORD, role="finance",
                             institution_codes=["QH001"], display_name="县医院预算员")
        session.commit()

        def client(username):
            made = app.test_client()
            token = made.post("/api/v1/auth/token", json={"username": username, "password": "yigong2026"}).json["token"]
            return lambda path, body=None: made.post(path, json=body, headers={"Authorization": f"Bearer {token}"})

        written = client("clerk")("/api/v1/requisitions", {"institution": "QH102", "lines": [
            {"item": ASPIRIN, "quantity": 30}]})
        assert written.status_code == 201, written.json
        assert client("clerk")(f"/api/v1/requisitions/{written.json['id']}/submit").status_code == 200
        assert client("finance")(f"/api/v1/requisitions/{written.json['id']}/approve").status_code == 200
        today = local_today()
        orders = client("procurement")("/api/v1/purchase-orders/consolidate", {"period": f"{today:%Y-%m}"})
        assert orders.status_code == 201 and len(orders.json) == 1, orders.json
        order_id = orders.json[0]["id"]
        db.session.remove()
        db.engine.dispose()
    return order_id


def test_the_budget_holder_sees_the_line_a_stop_refuses_the_order_and_the_report_downloads(
        stop_line_order, signed_in, tmp_path):
    holder = signed_in(HOLDER, HOLDER_PASSWORD)
    open_menu(holder, "预算总览")
    tile = holder.locator("#holder-tile")
    expect(tile).to_contain_text("预算数 300.00")
    expect(tile).to_contain_text("已预占 100.00")
    expect(holder.locator("#tile-available")).to_have_text("200.00")
    expect(tile).to_contain_text("采购员 孙 100.00")

    chief = signed_in("chief")
    chief.goto(f"/procurement/orders/{stop_line_order}")
    chief.get_by_role("button", name="审批订单").click()
    # Stop: refused naming the line, what was asked (30 × 12.3456 = 370.37) and what is left (300 − 100)
    expect(chief.locator("main")).to_contain_text("预算不足")
    expect(chief.locator("main")).to_contain_text("本次申请 370.37，可用 200.00")
    expect(chief.locator("main")).to_contain_text("7201")
    chief.goto(f"/procurement/orders/{stop_line_order}")
    expect(chief.get_by_role("button", name="审批订单")).to_be_visible()  # still a draft, nothing committed
    holder.reload()
    expect(holder.locator("#tile-available")).to_have_text("200.00")

    open_menu(holder, "预算执行")
    expect(holder.locator("select[name=budget] option:checked")).to_contain_text("QH001")
    expect(holder.locator("main")).to_contain_text("可用余额 200.00")
    with holder.expect_download() as download:
        holder.get_by_role("link", name="PDF").click()
    path = tmp_path / "execution.pdf"
    download.value.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "预算执行报表" in text and "300.00" in text and "200.00" in text
