"""A run's compute and its batch PDF are background jobs: refused at once when they cannot start, run after the
submitting commit with progress per employee (per part of ten slips for the PDF), in-process (eager, thread) and
on RQ/Redis."""
from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from erp.core import jobs
from erp.core.errors import Conflict
from erp.core.extensions import db
from erp.core.models import Job
from erp.payroll import services as payroll
from erp.payroll.models import PayrollRun, RuleCategory, RunState, SalaryRule
from erp.payroll.reports.slips import submit_slips_pdf
from tests.core.test_jobs import passed_on, redis_queue  # noqa: F401 - fixtures of the core job tests
from tests.payroll.conftest import staff, user  # noqa: F401 - the payroll demo fixture


def _run(institution: str = "QH102", month: int = 1) -> PayrollRun:
    run = payroll.create_run(db.session, user("hr"), institution=institution, year=2026, month=month)
    db.session.commit()
    return run


def test_a_compute_already_under_way_is_refused_and_an_approved_run_at_once(staff):
    run = _run()
    job = payroll.submit_compute(db.session, run, user("hr"))  # queued, not yet committed
    with pytest.raises(Conflict) as refused:
        payroll.submit_compute(db.session, run, user("hr"))
    assert refused.value.code == "job_running" and str(job.id) in refused.value.message
    db.session.commit()  # the eager backend runs it now
    assert db.session.get(Job, job.id).state == "done"
    assert run.state is RunState.COMPUTED and run.slip_count == db.session.get(Job, job.id).total > 0
    payroll.approve_run(db.session, run, user("chief"))
    db.session.commit()
    with pytest.raises(Conflict) as approved:
        payroll.submit_compute(db.session, run, user("hr"))
    assert approved.value.code == "invalid_transition"


def test_a_rule_that_fails_in_the_month_fails_the_job_and_leaves_the_run_as_it_was(staff, api):
    community = user("hr").community_id
    # a rule saved before rules were test-evaluated on save (today's save refuses it: rule_invalid)
    db.session.add(SalaryRule(community_id=community, code="broken", version=1, name="坏规则",
                              category=RuleCategory.ALLOWANCE, sequence=900, condition="", amount="1 / 0",
                              references=[], effective_from=date(2026, 1, 1), active=True))
    run = _run()
    hr = api("hr")
    submitted = hr.post(f"/api/v1/payroll-runs/{run.id}/compute")
    assert submitted.status_code == 202
    job = hr.get(f"/api/v1/jobs/{submitted.json['id']}").json
    assert job["state"] == "failed" and "division by zero" in job["error"]
    assert hr.get(f"/api/v1/payroll-runs/{run.id}").json["state"] == "draft"  # the job's work rolled back


def test_the_batch_pdf_needs_computed_slips(staff, api):
    run = _run()
    refused = api("hr").post(f"/api/v1/payroll-runs/{run.id}/payslips/pdf")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_computed"
    assert api("hr").get(f"/api/v1/payroll-runs/{run.id}/payslips?format=pdf").status_code == 422


def test_the_batch_pdf_reports_the_slips_rendered_as_it_goes(staff, api, passed_on, tmp_path):  # noqa: F811
    hr = user("hr")
    run = payroll.create_run(db.session, hr, institution="QH001", year=2026, month=1, community_wide=True)
    payroll.compute_run(db.session, run, hr)
    db.session.commit()
    assert run.slip_count == 66  # the whole community's staff, deans aside
    passed_on.clear()
    submitted = api("hr").post(f"/api/v1/payroll-runs/{run.id}/payslips/pdf")
    assert submitted.status_code == 202
    # a report before each part of ten slips is laid out, and once all are, before the file is written
    assert passed_on[1:] == [
        *((done, 66, f"已生成 {done} / 66 份工资条 ({done} of 66 payslips rendered)") for done in range(0, 66, 10)),
        (66, 66, "已生成 66 / 66 份工资条，正在写入 PDF 文件 (66 of 66 payslips rendered, writing the PDF file)")]
    assert [int(done * 100 / total) for done, total, _ in passed_on[1:]] == [0, 15, 30, 45, 60, 75, 90, 100]
    job = api("hr").get(f"/api/v1/jobs/{submitted.json['id']}").json
    assert (job["state"], job["done"], job["total"], job["percent"]) == ("done", 66, 66, 100)
    pdf = api("hr").get(job["result_url"])
    assert pdf.mimetype == "application/pdf"
    (tmp_path / "slips.pdf").write_bytes(pdf.data)
    info = subprocess.run(["pdfinfo", str(tmp_path / "slips.pdf")], check=True, capture_output=True, text=True)
    assert re.search(r"^Pages:\s+66$", info.stdout, re.M)  # every part's pages, a slip a page


def test_the_compute_job_reports_the_employees_computed(staff, passed_on):  # noqa: F811
    run = _run()
    payroll.submit_compute(db.session, run, user("hr"))
    db.session.commit()
    total = run.slip_count
    assert passed_on[1:] == [(done, total, f"已计算 {done} / {total} 名职工 ({done} of {total} employees computed)")
                             for done in range(total + 1)]


@pytest.mark.committed
def test_the_thread_worker_computes_in_the_background(staff, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "thread")
    run = _run()
    job = payroll.submit_compute(db.session, run, user("hr"))
    db.session.commit()
    finished = jobs.wait(db.session, job.id, timeout=120)
    assert finished.state == "done", finished.error
    db.session.expire_all()
    computed = db.session.get(PayrollRun, run.id)
    assert computed.state is RunState.COMPUTED and (finished.done, finished.total) == (computed.slip_count,) * 2
    assert finished.result == {"run": run.id, "state": "computed", "slip_count": computed.slip_count,
                               "net_total": f"{computed.net_total:.2f}"}


@pytest.mark.committed
def test_rq_computes_and_prints_the_run(staff, app, redis_queue):  # noqa: F811 - the fixture imported above
    from rq import SimpleWorker

    run = _run("QH103")
    compute = payroll.submit_compute(db.session, run, user("hr"))
    db.session.commit()
    assert redis_queue.count == 1 and db.session.get(Job, compute.id).state == "queued"
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    db.session.expire_all()
    assert db.session.get(Job, compute.id).state == "done"
    run = db.session.get(PayrollRun, run.id)
    assert run.state is RunState.COMPUTED
    printing = submit_slips_pdf(db.session, run, user("hr"))
    db.session.commit()
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    db.session.expire_all()
    printed = db.session.get(Job, printing.id)
    assert printed.state == "done" and printed.result_content[:4] == b"%PDF"
    assert printed.result_filename == f"工资条-{run.number}.pdf" and printed.total == run.slip_count
    assert db.session.scalar(select(Job.id).where(Job.state.in_(("queued", "running")))) is None
