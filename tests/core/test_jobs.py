"""Background jobs: every backend runs the job in a session scoped to its user, records progress, result and
failure; the API, the page and the CLI show it to that user only."""
from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import event, func, select, text

from erp.core import jobs
from erp.core.api_framework import FileResult
from erp.core.errors import Conflict
from erp.core.extensions import db
from erp.core.models import Institution, Job, User


def count_institutions(context, label: str, steps: int = 4):
    """A job: counts the institutions its user sees (scoped), reporting progress, and writes a CSV."""
    seen = context.session.scalar(select(func.count(Institution.id)))
    for _ in context.each(range(steps)):
        pass
    return FileResult(f"{label},{seen}\n".encode(), f"{label}.csv", "text/csv")


def report_items(context, total: int):
    """A job that reports every one of its items, with a message."""
    for done in range(total + 1):
        context.progress(done, total, f"已处理 {done} / {total} 项 (processed {done} of {total} items)")


def refuse_after_three_rows(context):
    for done in range(4):
        context.progress(done, 4, f"已检查 {done} 行 (checked {done} rows)")
    raise Conflict.for_field("file", "第 4 行编码无效 (row 4: invalid code)", "invalid_code")


def summarise(context, amount: str):
    return {"amount": amount, "user": context.user.username}


RUNS: list[int] = []


def record_run(context):
    """A job that notes each time it actually runs."""
    RUNS.append(context.job_id)


def refuse(context):
    raise Conflict.for_field("run", "工资已审核 (already approved)", "already_approved")


def refuse_with_report(context):
    context.attach(FileResult(b"row,error\n3,bad code\n", "errors.csv", "text/csv"))
    raise Conflict.for_field("file", "导入失败 (import failed)", "import_failed")


def summarise_with_report(context, amount: str):
    context.attach(FileResult(amount.encode(), "summary.csv", "text/csv"))
    return {"amount": amount}


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


@pytest.fixture
def passed_on(monkeypatch) -> list[tuple[int, int, str | None]]:
    """Every progress report passed on to the job's readers, in order: the tests' eager backend writes the
    job's row only at its end, so they are read where the running process keeps them (LIVE_PROGRESS)."""
    seen = []

    class Recording(dict):
        def __setitem__(self, job_id, report):
            seen.append(report)
            super().__setitem__(job_id, report)

    monkeypatch.setattr(jobs, "LIVE_PROGRESS", Recording())
    return seen


def test_eager_job_runs_after_commit_scoped_to_its_user(demo, api, web):
    accountant = _user("accountant")  # scoped to 城关镇卫生院 QH101 and its villages
    job = jobs.submit(db.session, count_institutions, "scope", title="计数", user=accountant)
    assert job.state == "queued"
    db.session.commit()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state == "done", job.error
    assert (job.done, job.total) == (4, 4)
    assert job.result_content == b"scope,4\n"  # QH101 and its three village clinics
    assert job.started_at <= job.finished_at

    own = api("accountant").get(f"/api/v1/jobs/{job.id}")
    assert own.status_code == 200
    assert own.json["state"] == "done" and own.json["percent"] == 100 and own.json["state_title"] == "已完成"
    assert own.json["result_url"] == f"/api/v1/jobs/{job.id}/result"
    download = api("accountant").get(own.json["result_url"])
    assert download.status_code == 200 and download.data == b"scope,4\n"
    assert download.mimetype == "text/csv"
    assert api("finance").get(f"/api/v1/jobs/{job.id}").json["error"]["code"] == "not_found"
    assert api("finance").get(f"/api/v1/jobs/{job.id}/result").status_code == 404

    page = web("accountant").get(f"/jobs/{job.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "core/job.js" in html and "<script>" not in html
    assert web("accountant").get(f"/jobs/{job.id}/status").json["percent"] == 100
    assert web("accountant").get(f"/jobs/{job.id}/result").data == b"scope,4\n"
    assert web("finance").get(f"/jobs/{job.id}").status_code == 404


def test_a_failed_job_records_the_business_message_and_rolled_back_work(demo, api, web):
    finance = _user("finance")
    job = jobs.submit(db.session, refuse, title="审核", user=finance)
    db.session.commit()
    body = api("finance").get(f"/api/v1/jobs/{job.id}").json
    assert body["state"] == "failed" and body["error"] == "工资已审核 (already approved)"
    assert body["result_url"] is None
    assert api("finance").get(f"/api/v1/jobs/{job.id}/result").json["error"]["code"] == "no_result"
    # the job's page reads in the user's language from the start, before its script polls
    html = web("finance").get(f"/jobs/{job.id}").get_data(as_text=True)
    assert ">失败</strong>" in html and ">工资已审核</p>" in html and "already approved" not in html
    assert web("finance").get(f"/jobs/{job.id}/status").json["error"] == "工资已审核"


def test_an_attached_file_is_kept_with_a_dict_result_and_when_the_job_fails(demo, api):
    finance = _user("finance")
    failing = jobs.submit(db.session, refuse_with_report, title="导入", user=finance)
    done = jobs.submit(db.session, summarise_with_report, "7.50", title="汇总", user=finance)
    db.session.commit()
    body = api("finance").get(f"/api/v1/jobs/{failing.id}").json
    assert (body["state"], body["error"], body["result_filename"]) == ("failed", "导入失败 (import failed)", "errors.csv")
    assert api("finance").get(body["result_url"]).data == b"row,error\n3,bad code\n"
    body = api("finance").get(f"/api/v1/jobs/{done.id}").json
    assert (body["state"], body["result"], body["result_filename"]) == ("done", {"amount": "7.50"}, "summary.csv")
    assert api("finance").get(body["result_url"]).data == b"7.50"


@pytest.mark.parametrize("total, step", [(1000, 10), (150, 2), (25, 1)])
def test_progress_reaches_the_readers_every_percent_with_its_message(demo, api, passed_on, total, step):
    job = jobs.submit(db.session, report_items, total, title="逐项", user=_user("finance"))
    db.session.commit()
    assert passed_on[0] == (0, 0, None)  # the job starts
    expected = [*range(0, total, step), total]
    assert passed_on[1:] == [(done, total, f"已处理 {done} / {total} 项 (processed {done} of {total} items)")
                             for done in expected]
    body = api("finance").get(f"/api/v1/jobs/{job.id}").json
    assert (body["state"], body["done"], body["total"], body["percent"]) == ("done", total, total, 100)
    assert body["message"] is None  # a done job's state says it all


def test_a_running_job_shows_its_message_and_100_percent_only_once_done(demo, api, web):
    job = Job(title="工资条", function="tests.core.test_jobs:summarise", arguments={"args": [], "kwargs": {}},
              state="running", done=25, total=25, user_id=_user("finance").id,
              message="已生成 25 / 25 份工资条，正在写入 PDF 文件 (25 of 25 payslips rendered, writing the PDF file)")
    db.session.add(job)
    db.session.flush()
    body = api("finance").get(f"/api/v1/jobs/{job.id}").json
    assert body["percent"] == 99 and body["message"] == job.message
    status = web("finance").get(f"/jobs/{job.id}/status").json
    assert status["percent"] == 99 and status["message"] == "已生成 25 / 25 份工资条，正在写入 PDF 文件"
    html = web("finance").get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'data-job-field="message">已生成 25 / 25 份工资条，正在写入 PDF 文件</span>' in html
    job.done = 10
    db.session.flush()
    assert api("finance").get(f"/api/v1/jobs/{job.id}").json["percent"] == 40


def test_a_failed_job_keeps_how_far_it_got(demo, api, web):
    job = jobs.submit(db.session, refuse_after_three_rows, title="导入", user=_user("finance"))
    db.session.commit()
    body = api("finance").get(f"/api/v1/jobs/{job.id}").json
    assert (body["state"], body["done"], body["total"], body["percent"]) == ("failed", 3, 4, 75)
    assert body["message"] == "已检查 3 行 (checked 3 rows)"
    assert web("finance").get(f"/jobs/{job.id}/status").json["message"] == "已检查 3 行"


@pytest.mark.postgres
def test_a_job_of_a_thousand_items_writes_its_row_about_a_hundred_times(demo, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "thread")
    writes = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE job SET done="):
            writes.append(parameters)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        job = jobs.submit(db.session, report_items, 1000, title="逐项", user=_user("finance"))
        db.session.commit()
        finished = jobs.wait(db.session, job.id, timeout=60)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert finished.state == "done" and (finished.done, finished.total) == (1000, 1000)
    assert len(writes) == 101  # at 0, 10, 20 … 1000 of 1000


def test_a_rolled_back_submission_never_runs(demo):
    job = jobs.submit(db.session, summarise, "1.00", title="x", user=_user("finance"))
    job_id = job.id
    db.session.rollback()
    assert db.session.get(Job, job_id) is None
    assert jobs.PENDING_KEY not in db.session.info


def test_submit_refuses_what_a_worker_could_not_import(demo):
    with pytest.raises(ValueError):
        jobs.submit(db.session, lambda context: None, title="x")
    with pytest.raises(AttributeError):
        jobs.submit(db.session, "tests.core.test_jobs:no_such_function", title="x")


@pytest.mark.committed
def test_thread_backend_runs_the_job_in_the_background(demo, app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "thread")
    job = jobs.submit(db.session, summarise, "12.30", title="汇总", user=_user("finance"))
    db.session.commit()
    finished = jobs.wait(db.session, job.id, timeout=30)
    assert finished.state == "done", finished.error
    assert finished.result == {"amount": "12.30", "user": "finance"}


@pytest.mark.postgres
def test_two_workers_handed_one_job_run_it_once(demo, app):
    """Both workers read the job as queued, then race to mark it running: the conditional UPDATE lets one."""
    job = Job(title="一次", function="tests.core.test_jobs:record_run", arguments={"args": [], "kwargs": {}},
              state="queued", done=0, total=0, user_id=_user("finance").id)
    db.session.add(job)
    db.session.commit()  # not submitted: nothing hands it to a worker but the threads below
    RUNS.clear()
    states: list[str] = []
    with db.engine.connect() as holder:  # holds the row so that both workers have read it before either writes
        holder.execute(text("SELECT id FROM job WHERE id = :id FOR UPDATE"), {"id": job.id})

        def worker():
            with app.app_context():
                states.append(jobs.run_job(job.id))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        holder.commit()
    for thread in threads:
        thread.join(30)
    assert RUNS == [job.id]
    assert len(states) == 2 and "done" in states  # the loser reports the state it found
    db.session.expire_all()
    assert db.session.get(Job, job.id).state == "done"


def _redis_url() -> str:
    return os.environ.get("ERP_REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_queue(app, monkeypatch):
    redis = pytest.importorskip("redis")
    connection = redis.Redis.from_url(_redis_url())
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {_redis_url()}")
    name = f"erp-test-{os.getpid()}"
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "rq")
    monkeypatch.setitem(app.config, "REDIS_URL", _redis_url())
    monkeypatch.setitem(app.config, "JOBS_QUEUE", name)
    from rq import Queue

    queue = Queue(name, connection=connection)
    queue.empty()
    yield queue
    queue.empty()


@pytest.mark.committed
def test_rq_backend_on_redis(demo, app, redis_queue):
    from rq import SimpleWorker

    accountant = _user("accountant")
    job = jobs.submit(db.session, count_institutions, "rq", title="RQ 计数", user=accountant)
    failing = jobs.submit(db.session, refuse, title="RQ 失败", user=accountant)
    assert redis_queue.count == 0  # nothing handed over before the commit
    db.session.commit()
    assert redis_queue.count == 2
    assert db.session.get(Job, job.id).state == "queued"
    SimpleWorker([redis_queue], connection=redis_queue.connection).work(burst=True)
    db.session.expire_all()
    done = db.session.get(Job, job.id)
    assert done.state == "done", done.error
    assert done.result_content == b"rq,4\n" and done.result_filename == "rq.csv"
    assert db.session.get(Job, failing.id).state == "failed"


@pytest.mark.committed
def test_cli_waits_with_a_progress_bar(demo, app):
    job = jobs.submit(db.session, count_institutions, "cli", title="CLI", user=_user("finance"))
    failing = jobs.submit(db.session, refuse, title="CLI 失败", user=_user("finance"))
    db.session.commit()
    from erp.core.cli import main

    runner = app.test_cli_runner()
    result = runner.invoke(main, ["jobs", "wait", str(job.id)])
    assert result.exit_code == 0, result.output
    assert f"job {job.id} done: CLI, result file cli.csv" in result.output
    assert result.output.startswith(f"job {job.id}\n")  # the bar's label (the bar itself needs a terminal)
    result = runner.invoke(main, ["jobs", "wait", str(failing.id)])
    assert result.exit_code == 1 and "already approved" in result.output
    assert runner.invoke(main, ["jobs", "wait", "999999"]).exit_code == 1
