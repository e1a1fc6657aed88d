"""A run's long work in the background (core job service): computing its slips and printing them as one PDF.

A community run of thousands of slips must not hold a web request: the API answers 202 with the job, the run's
page shows the job's progress, and the batch PDF is the job's downloadable result. What can be refused at once
(another user's community-wide run, an approved run, a compute already under way) is refused when submitting;
the rest (an employee whose rules fail) is the job's error.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core import jobs
from erp.core.api_framework import FileResult
from erp.core.errors import Conflict
from erp.core.models import Job, User
from erp.core.rendering import PDF_MIMETYPE
from erp.payroll.models import RUN_STATES, PayrollRun, RunState
from erp.payroll.reports.slips import slips_pdf
from erp.payroll.services.runs import compute_run, require_whole_run, run_by_id, slips_of

COMPUTE = "erp.payroll.services.run_jobs:compute_job"
SLIPS_PDF = "erp.payroll.services.run_jobs:slips_pdf_job"


def active_job(session: Session, run: PayrollRun, function: str = COMPUTE) -> Job | None:
    """The queued or running job of ``function`` for ``run`` (whoever submitted it)."""
    for job in session.scalars(select(Job).where(Job.function == function, Job.state.in_(("queued", "running")))
                               .order_by(Job.id.desc())):
        if (job.arguments or {}).get("args", [None])[:1] == [run.id]:
            return job
    return None


def submit_compute(session: Session, run: PayrollRun, user: User) -> Job:
    """Queue the run's (re)computation; refused at once if it could not start or is already under way."""
    require_whole_run(run, user)
    RUN_STATES.begin(session, run, RunState.COMPUTED)  # an approved run: 409 invalid_transition now, not later
    if (running := active_job(session, run)) is not None:
        raise Conflict.for_field("run", f"{run.number} 正在计算（后台任务 {running.id}）"
                                 f"(the run is being computed: job {running.id})", "job_running")
    return jobs.submit(session, COMPUTE, run.id, title=f"计算工资 {run.number}", user=user)


def compute_job(context: jobs.JobContext, run_id: int) -> dict:
    run = run_by_id(context.session, run_id)
    compute_run(context.session, run, context.user, progress=context.progress)
    return {"run": run.id, "state": run.state.value, "slip_count": run.slip_count, "net_total": str(run.net_total)}


def submit_slips_pdf(session: Session, run: PayrollRun, user: User) -> Job:
    if run.state is RunState.DRAFT:
        raise Conflict.for_field("run", f"{run.number} 尚未计算，没有工资条 (not computed: no slips yet)",
                                 "not_computed")
    return jobs.submit(session, SLIPS_PDF, run.id, title=f"工资条 PDF {run.number}", user=user)


def slips_pdf_job(context: jobs.JobContext, run_id: int) -> FileResult:
    """One PDF of the run's slips (a page per slip, with the 大写 totals): the job's downloadable result."""
    session = context.session
    run = run_by_id(session, run_id)
    slips = list(session.scalars(slips_of(session, run)).unique())
    context.progress(0, len(slips))
    content = slips_pdf(session, slips, f"工资条 {run.number}")
    context.progress(len(slips), len(slips))
    return FileResult(content, f"工资条-{run.number}.pdf", PDF_MIMETYPE)
