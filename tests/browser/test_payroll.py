"""The HR officer's monthly pay cycle in the browser: a run of this month for 城关镇卫生院, computed in the
background (the page follows the job), the differences from last month reviewed, approved by the chief
accountant (never by HR, who prepared it), posted by finance, a slip's PDF and the run's batch PDF."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from erp import create_app
from erp.core.config import TestConfig
from erp.core.timeutil import local_today
from tests.browser.steps import open_menu

TOWNSHIP = "QH101 城关镇卫生院"


@pytest.fixture(scope="module")
def payroll_staff(server, snapshots):
    """The payroll demo's staff, rules and this month's inputs in the served database (as ``erp load-demo``
    has them), loaded once; the server sees them at once."""
    from erp.core.extensions import db
    from erp.core.session_context import system_actor
    from erp.payroll.demo import load_demo

    url = snapshots.served().url.render_as_string(hide_password=False)
    app = create_app(type("StaffConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        system_actor(db.session, "test")
        load_demo(db.session, history=False)
        db.session.commit()
        db.engine.dispose()


def test_the_hr_officers_monthly_cycle(payroll_staff, signed_in):
    hr = signed_in("hr")
    today = local_today()
    open_menu(hr, "工资发放")
    hr.get_by_role("link", name="新建发放批次").click()
    form = hr.locator("main form.card")
    form.get_by_label("发放单位").select_option(label=TOWNSHIP)
    form.get_by_label("年度").fill(str(today.year))
    form.get_by_label("月份").fill(str(today.month))
    form.get_by_role("button", name="创建").click()
    expect(hr.locator(".flash.success")).to_contain_text("已创建发放批次")
    expect(hr.locator("main h1")).to_have_text(re.compile(rf"工资发放批次 工资-{today.year}-{today.month:02d}-\d{{4}}"))
    run_url = hr.url
    expect(hr.locator("main")).to_contain_text("草稿")

    # 计算: a background job; the page follows it and comes back to the run once it is done
    with hr.expect_response(re.compile(r"/jobs/\d+/status$")) as polled:  # the page asks the job's progress
        hr.get_by_role("button", name="计算", exact=True).click()
    assert polled.value.ok
    hr.wait_for_url(run_url)  # the script returns to the run once the job has finished
    expect(hr.locator("main")).to_contain_text("已计算")
    slips = hr.locator("main table.grid").last.locator("tbody tr")
    expect(slips.first).to_contain_text("PDF")
    assert slips.count() >= 3

    # 审核: the differences from last month, per employee and per line
    expect(hr.get_by_role("heading", name="审核：与上月比较")).to_be_visible()
    review = hr.locator("main table.grid").nth(1).locator("tbody tr")
    assert review.count() >= 1
    expect(hr.get_by_role("button", name="审批", exact=True)).to_have_count(0)  # HR prepared it: no approval

    # the chief accountant approves, finance posts (工资计提 through the ledger's door)
    chief = signed_in("chief")
    chief.goto(run_url)
    chief.get_by_role("button", name="审批", exact=True).click()
    expect(chief.locator(".flash.success")).to_contain_text("已审批")
    expect(chief.locator("main p").first).to_contain_text("审批")
    finance = signed_in("finance")
    finance.goto(run_url)
    finance.get_by_role("button", name="记账（工资计提）").click()
    expect(finance.locator(".flash.success")).to_contain_text("已记账")
    expect(finance.locator("main p").first).to_contain_text("已记账")
    expect(finance.get_by_role("button", name="计算", exact=True)).to_have_count(0)  # frozen

    # one slip: its page, then its PDF
    hr.goto(run_url)
    first = hr.locator("main table.grid").last.locator("tbody tr").first
    pdf_href = first.get_by_role("link", name="PDF").get_attribute("href")
    first.locator("a").first.click()
    expect(hr.locator("main")).to_contain_text("实发")
    response = hr.request.get(pdf_href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")

    # the whole run's slips as one PDF: a background job whose result the page offers for download
    hr.goto(run_url)
    hr.get_by_role("button", name="工资条 PDF（全部）").click()
    job = hr.locator("#job")
    expect(job.locator("[data-job-field=state_title]")).to_have_text("已完成")
    expect(job.locator("[data-job-field=percent]")).to_have_text("100")
    download = job.get_by_role("link", name=re.compile("下载结果"))
    expect(download).to_be_visible()
    expect(download).to_contain_text(".pdf")
    batch = hr.request.get(download.get_attribute("href"))
    assert batch.ok and batch.headers["content-type"] == "application/pdf" and batch.body().startswith(b"%PDF-")
