"""A run's compute in the background (core job service); the batch PDF of its slips is the other job
(:func:`erp.payroll.reports.slips.submit_slips_pdf`).

A community run of thousands of slips must not hold a web request: the API answers 202 with the job and the
run's page shows the job's progress. What can be refused at once (another user's community-wide run, an approved
run, a compute already under way) is refused when submitting; the rest (an employee whose rules fail) is the
job's error.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core import jobs
from erp.core.errors import Conflict
from erp.core.models import Job, User
from erp.payroll.models import RUN_STATES, PayrollRun, RunState
from erp.payroll.services.runs import compute_run, require_whole_run, run_by_id

COMPUTE = "erp.payroll.services.run_jobs:compute_job"


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

    def progress(done: int, total: int) -> None:
        context.progress(done, total, f"已计算 {done} / {total} 名职工 ({done} of {total} employees computed)")

    compute_run(context.session, run, context.user, progress=progress)
    return {"run": run.id, "state": run.state.value, "slip_count": run.slip_count, "net_total": str(run.net_total)}
