"""Background jobs: long work (a community payroll run, a batch PDF, a catalogue import) never holds a request.

A module submits a job with a module-level function and JSON-serialisable arguments::

    from erp.core import jobs

    job = jobs.submit(session, "erp.<module>.services.<file>:<function>", record.id,
                      title="计算薪酬 2026-03", user=user)   # (no module submits one yet: payroll is next)

and the function runs later, in a session of its own scoped to the submitting user, as
``function(context, *args, **kwargs)``; it reports progress with ``context.progress(done, total, message)`` (as
often as it likes: the context passes on every 1 % only) and returns ``None``, a JSON-able dict (the job's
``result``) or a :class:`erp.core.api_framework.FileResult` (the job's downloadable result file). A job may also
``context.attach(file)`` a result file, kept with a dict result and also when the job then fails (an import's
row-by-row error report). The job row records state (queued → running → done | failed), progress and its
message, result, error and timestamps; ``GET /api/v1/jobs/{id}`` and the page ``/jobs/{id}`` show it to the user
who asked.

Backends (config ``JOBS_BACKEND``): ``rq`` — RQ on Redis (``ERP_REDIS_URL``; a worker runs ``erp jobs worker``);
``thread`` — an in-process worker thread (the default without Redis); ``eager`` — run right after the
submitting transaction commits, in the same thread (tests, scripts). In every backend the job is handed to
the worker only once the submitting transaction has committed, so the worker always finds its row.
"""
from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from flask import current_app, has_app_context
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from erp.core.api_framework import FileResult
from erp.core.errors import BusinessError, NotFound
from erp.core.extensions import db
from erp.core.models import Job, User
from erp.core.registry import import_object
from erp.core.session_context import activate_user, system_actor
from erp.core.timeutil import utcnow

STATES = ("queued", "running", "done", "failed")
PENDING_KEY = "erp_jobs_pending"
# a job's progress reaches its readers at most this many times, whatever its size (every 1 %): a job of 5,000
# items reports each one and its row is written about 100 times
PROGRESS_STEPS = 100

# progress of the jobs running in this process: {job_id: (done, total, message)} (SQLite cannot take the writes
# while the job's own transaction holds the database; readers in this process see it here)
LIVE_PROGRESS: dict[int, tuple[int, int, str | None]] = {}


def function_path(function: Callable | str) -> str:
    if isinstance(function, str):
        return function
    if "<" in function.__qualname__ or "." in function.__qualname__:
        raise ValueError(f"{function!r}: a job runs a module-level function")
    return f"{function.__module__}:{function.__qualname__}"


def submit(session: Session, function: Callable | str, *args, title: str, user: User | None = None,
           **kwargs) -> Job:
    """Record a job for ``function(context, *args, **kwargs)`` (arguments JSON-serialisable) and hand it to
    the backend once ``session`` commits. Returns the queued job (its id is known at once)."""
    path = function_path(function)
    import_object(path)  # refuse a function that does not exist now, not in the worker
    job = Job(title=title[:128], function=path, arguments={"args": list(args), "kwargs": kwargs},
              state="queued", done=0, total=0, user_id=user.id if user else None,
              community_id=user.community_id if user else None)
    session.add(job)
    session.flush()
    session.info.setdefault(PENDING_KEY, []).append(job.id)
    return job


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        backend = current_backend()
        for job_id in pending:
            backend.enqueue(job_id)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


# ------------------------------------------------------------------------------------------- running


@dataclass
class JobContext:
    """What a job function gets: its session (scoped to the submitting user), the user, progress reports."""

    job_id: int
    session: Session
    user: User | None
    write_progress: bool = True  # to the job's row, in transactions of its own (not on SQLite, not eager)
    attachment: FileResult | None = None
    _reported: tuple[int, int] = (-1, 0)  # (done, total) last passed on

    def attach(self, file: FileResult) -> None:
        """The job's result file, kept whether the job then returns or fails."""
        self.attachment = file

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """``done`` of ``total`` items, with a message for the user (``"已生成 1200 / 5000 份工资条 (1200 of 5000
        payslips rendered)"``). Passed on to the readers (the job's row, this process's :data:`LIVE_PROGRESS`)
        only when :meth:`due`: a job may call this for every item."""
        total = self._reported[1] if total is None else total
        if not self.due(done, total):
            return
        self._reported, message = (done, total), message and message[:200]  # the column's length
        LIVE_PROGRESS[self.job_id] = (done, total, message)
        if self.write_progress:
            with db.engine.begin() as connection:  # its own short transaction: readers see it at once
                connection.execute(update(Job).where(Job.id == self.job_id)
                                   .values(done=done, total=total, message=message))

    def due(self, done: int, total: int) -> bool:
        """Whether a report is worth passing on: the first, a new total, a step back, the end (once), or at least
        one :data:`PROGRESS_STEPS`-th of the total since the last one passed on."""
        last_done, last_total = self._reported
        return (total != last_total or done < last_done or (done >= total and done != last_done)
                or done - last_done >= max(1, math.ceil(total / PROGRESS_STEPS)))

    def each(self, items):
        """Iterate ``items``, reporting progress after each one (an iterator is read into a list first)."""
        items = items if hasattr(items, "__len__") else list(items)
        total = len(items)
        self.progress(0, total)
        for index, item in enumerate(items, start=1):
            yield item
            self.progress(index, total)


def run_job(job_id: int, eager: bool = False) -> str:
    """Run one job (called by every backend; RQ calls it in the worker). Returns the final state."""
    if has_app_context():
        return _run(job_id, eager)
    from erp.core.app import create_app

    with create_app().app_context():
        return _run(job_id, eager)


def _run(job_id: int, eager: bool) -> str:
    app = current_app._get_current_object()
    with app.app_context():  # a session of its own, whatever the caller holds
        try:
            return _work(db.session, job_id, eager, app)
        finally:
            LIVE_PROGRESS.pop(job_id, None)
            db.session.remove()


def _claim(session: Session, job_id: int) -> bool:
    """Mark the job running if it is still queued, in one conditional UPDATE: of two workers handed one id
    (an RQ retry, a job enqueued twice) the second waits for the first's row lock, then matches nothing."""
    claimed = session.execute(update(Job).where(Job.id == job_id, Job.state == "queued")
                              .values(state="running", started_at=utcnow())).rowcount == 1
    session.commit()
    return claimed


def _work(session: Session, job_id: int, eager: bool, app) -> str:
    if not _claim(session, job_id):
        job = session.get(Job, job_id)
        return job.state if job else "missing"
    job = session.get(Job, job_id)
    LIVE_PROGRESS[job_id] = (0, 0, None)
    context = None
    try:
        user = session.get(User, job.user_id) if job.user_id else None
        if user is not None:
            activate_user(session, user)
        else:
            system_actor(session, "job")
        context = JobContext(job_id, session, user, write_progress=not eager and db.engine.dialect.name != "sqlite")
        arguments = job.arguments
        result = import_object(job.function)(context, *arguments.get("args", ()), **arguments.get("kwargs", {}))
        job = session.get(Job, job_id)
        session.refresh(job)
        _record_progress(job)
        # a done job's state says it all: its last message (正在写入 PDF 文件) would be stale
        job.state, job.finished_at, job.done, job.message = "done", utcnow(), max(job.done, job.total), None
        _keep_file(job, result if isinstance(result, FileResult) else context.attachment)
        if isinstance(result, dict):
            job.result = result
        session.commit()  # the work and its result together
        return "done"
    except Exception as exc:  # the job failed: record why, keep the worker alive
        session.rollback()
        message = exc.message if isinstance(exc, BusinessError) else f"内部错误 (internal error: {type(exc).__name__})"
        if not isinstance(exc, BusinessError):
            app.logger.exception("job %s failed", job_id)
        session.info["scope"] = None
        job = session.get(Job, job_id)
        _record_progress(job)  # how far it got
        job.state, job.error, job.finished_at = "failed", message, utcnow()
        _keep_file(job, context.attachment if context is not None else None)
        session.commit()
        return "failed"


def _record_progress(job: Job) -> None:
    """The last progress passed on, onto the row (on SQLite and eager, its only write)."""
    job.done, job.total, job.message = LIVE_PROGRESS.get(job.id, (job.done, job.total, job.message))


def _keep_file(job: Job, file: FileResult | None) -> None:
    if file is not None:
        job.result_filename, job.result_mimetype, job.result_content = file.filename, file.mimetype, file.content


# ------------------------------------------------------------------------------------------- backends


class EagerBackend:
    """Runs the job at once in the calling thread (after the submitting commit)."""

    name = "eager"

    def enqueue(self, job_id: int) -> None:
        run_job(job_id, eager=True)


class ThreadBackend:
    """An in-process worker: one thread runs the jobs one after the other."""

    name = "thread"
    _executors: dict[int, ThreadPoolExecutor] = {}
    _lock = threading.Lock()

    def __init__(self, app):
        self.app = app

    def enqueue(self, job_id: int):
        with self._lock:
            executor = self._executors.setdefault(id(self.app), ThreadPoolExecutor(1, thread_name_prefix="erp-job"))
        return executor.submit(self._run_in_app, job_id)

    def _run_in_app(self, job_id: int) -> str:
        with self.app.app_context():
            return run_job(job_id)


class RQBackend:
    """RQ on Redis: ``erp jobs worker`` (or any rq worker importing erp) runs :func:`run_job`."""

    name = "rq"

    def __init__(self, url: str, queue_name: str):
        self.url, self.queue_name = url, queue_name

    def queue(self):
        from redis import Redis
        from rq import Queue

        return Queue(self.queue_name, connection=Redis.from_url(self.url))

    def enqueue(self, job_id: int):
        return self.queue().enqueue(run_job, job_id, job_id=f"erp-job-{job_id}", job_timeout=6 * 3600,
                                    result_ttl=3600, failure_ttl=7 * 24 * 3600)


def current_backend():
    config = current_app.config
    name = config.get("JOBS_BACKEND") or ("rq" if config.get("REDIS_URL") else "thread")
    if name == "rq":
        return RQBackend(config["REDIS_URL"], config.get("JOBS_QUEUE", "erp"))
    if name == "eager":
        return EagerBackend()
    return ThreadBackend(current_app._get_current_object())


# ------------------------------------------------------------------------------------------- reading


def job_for(session: Session, user: User, job_id: int) -> Job:
    """The user's own job (another user's is not found: job ids are not secrets worth a 403)."""
    job = session.get(Job, job_id)
    if job is None or job.user_id != user.id:
        raise NotFound.for_field("id", f"没有这个后台任务 (no job {job_id} of yours)")
    return job


RESULT_TYPES = ("application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "text/csv", "application/zip", "application/octet-stream")


def result_file(session: Session, job: Job) -> tuple[bytes, str, str]:
    """(content, filename, mimetype) of a finished job's result file (a failed job's too, when it attached one)."""
    if job.state not in ("done", "failed") or not job.result_filename:
        raise NotFound.for_field("id", f"任务 {job.id} 没有结果文件 (no result file: {job.state})", "no_result")
    mimetype = job.result_mimetype if job.result_mimetype in RESULT_TYPES else "application/octet-stream"
    return job.result_content, job.result_filename, mimetype


def progress_of(job: Job) -> tuple[int, int, str | None]:
    """(done, total, message), the running process's figures when fresher than the row's."""
    live = LIVE_PROGRESS.get(job.id)
    return live if live and job.state == "running" else (job.done, job.total, job.message)


def percent(job: Job) -> int:
    """0–100; 100 only once the job is done (its last step after its last report, writing a PDF, may be long)."""
    done, total, _ = progress_of(job)
    if job.state == "done":
        return 100
    return min(int(done * 100 / total), 99) if total else 0


def wait(session: Session, job_id: int, timeout: float = 3600, poll: float = 0.2,
         on_progress: Callable[[Job], None] | None = None) -> Job:
    """Poll until the job has finished (done or failed); ``on_progress`` sees each read."""
    deadline = time.monotonic() + timeout
    while True:
        session.expire_all()
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound.for_field("id", f"没有这个后台任务 (no job {job_id})")
        if on_progress:
            on_progress(job)
        if job.state in ("done", "failed") or time.monotonic() > deadline:
            return job
        session.rollback()  # end the read transaction: see the worker's commits
        time.sleep(poll)
