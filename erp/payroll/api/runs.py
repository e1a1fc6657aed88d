"""工资发放 API: runs (create, compute, review, approve, post, pay), pay slips (JSON, PDF), the bank file, and
the month's variable inputs."""
from __future__ import annotations

from flask import Blueprint, g
from sqlalchemy import select

from erp.core.api_framework import API_PREFIX, JSON, FileResult, api_route, paged_query
from erp.core.errors import NotFound
from erp.core.extensions import db
from erp.core.models import Institution
from erp.core.rendering import PDF_MIMETYPE, XLSX_MIMETYPE
from erp.core.schemas import JobSchema
from erp.core.services import institution_by_code
from erp.payroll import services as payroll
from erp.payroll.models import PayrollRun, Payslip, RunState
from erp.payroll.reports.slips import bank_file, slip_dict, slips_pdf, submit_slips_pdf
from erp.payroll.schemas.runs import InputsIn, PayIn, RunIn, RunOut, RunQuery, SlipQuery

bp = Blueprint("payroll_runs_api", __name__, url_prefix=API_PREFIX)


def _run(run_id: int) -> PayrollRun:
    return payroll.run_by_id(db.session, run_id)


def _vouchers(vouchers) -> dict:
    return {"vouchers": [{"id": v.id, "number": v.number, "institution": v.institution.code} for v in vouchers]}


@api_route(bp, "/payroll-runs", "POST", permission="payroll.run.write", body=RunIn, response=RunOut, status=201,
           idempotent=True, summary="Create a monthly run (regular or adjustment) for an institution or the community")
def create_run(body):
    return payroll.create_run(db.session, g.user, **body)


@api_route(bp, "/payroll-runs", permission="payroll.run.read", query=RunQuery, response=RunOut, paged=True,
           summary="Payroll runs")
def list_runs(query):
    statement = select(PayrollRun).join(Institution, Institution.id == PayrollRun.institution_id).where(
        Institution.community_id == g.user.community_id)
    if query.get("institution"):
        statement = statement.where(PayrollRun.institution_id == institution_by_code(
            db.session, g.user.community_id, query["institution"]).id)
    for name in ("year", "month"):
        if query.get(name):
            statement = statement.where(getattr(PayrollRun, name) == query[name])
    if query.get("state"):
        statement = statement.where(PayrollRun.state == RunState(query["state"]))
    return paged_query(statement.order_by(PayrollRun.year.desc(), PayrollRun.month.desc(), PayrollRun.id.desc()),
                       query)


@api_route(bp, "/payroll-runs/<int:run_id>", permission="payroll.run.read", response=RunOut, summary="One run")
def show_run(run_id):
    return _run(run_id)


@api_route(bp, "/payroll-runs/<int:run_id>/compute", "POST", permission="payroll.run.write", response=JobSchema,
           status=202, summary="(Re)compute the run's slips with the rules and parameters in force (unapproved runs "
                               "only) as a background job: answers the job (GET /api/v1/jobs/{id} for its progress)")
def compute_run(run_id):
    return payroll.submit_compute(db.session, _run(run_id), g.user)


@api_route(bp, "/payroll-runs/<int:run_id>/review", permission="payroll.run.read",
           summary="Differences from last month, per employee and per line")
def review_run(run_id):
    reviews = payroll.review_run(db.session, _run(run_id))
    return {"employees": [{
        "employee": r.employee_id, "code": r.code, "name": r.name, "status": r.status,
        "previous_net": str(r.previous_net), "current_net": str(r.current_net), "difference": str(r.difference),
        "lines": [{"code": d.code, "name": d.name, "previous": str(d.previous), "current": str(d.current),
                   "difference": str(d.difference)} for d in r.lines]} for r in reviews]}


@api_route(bp, "/payroll-runs/<int:run_id>/approve", "POST", permission="payroll.run.approve", response=RunOut,
           summary="Approve a computed run (by someone other than who prepared it); it is then immutable")
def approve_run(run_id):
    return payroll.approve_run(db.session, _run(run_id), g.user)


@api_route(bp, "/payroll-runs/<int:run_id>/post", "POST", permission="payroll.run.post",
           summary="Post the approved run through the ledger's door (工资计提, one voucher per institution)")
def post_run(run_id):
    return _vouchers(payroll.post_run(db.session, _run(run_id), g.user))


@api_route(bp, "/payroll-runs/<int:run_id>/pay", "POST", permission="payroll.run.pay", body=PayIn,
           summary="Record the payment (工资发放 voucher per institution)")
def pay_run(run_id, body):
    return _vouchers(payroll.pay_run(db.session, _run(run_id), g.user, method=body["method"], on=body.get("date")))


@api_route(bp, "/payroll-runs/<int:run_id>/bank-file", permission="payroll.run.read",
           summary="The bank payment file (代发工资, Excel) of an approved run", produces=(JSON, XLSX_MIMETYPE))
def run_bank_file(run_id):
    run = _run(run_id)
    if run.state in (RunState.DRAFT, RunState.COMPUTED):
        raise NotFound.for_field("run", "审批后才能生成代发文件 (the bank file exists once the run is approved)")
    return FileResult(bank_file(db.session, run), f"代发工资-{run.number}.xlsx", XLSX_MIMETYPE)


@api_route(bp, "/payroll-runs/<int:run_id>/payslips", permission="payroll.run.read", query=SlipQuery,
           summary="The run's pay slips (paged JSON); the batch PDF is a background job (POST …/payslips/pdf)")
def run_slips(run_id, query):
    run = _run(run_id)
    page = paged_query(payroll.slips_of(db.session, run), query)
    return {"items": [slip_dict(s, run) for s in page.items], "total": page.total, "page": page.page,
            "per_page": page.per_page}


@api_route(bp, "/payroll-runs/<int:run_id>/payslips/pdf", "POST", permission="payroll.run.read", response=JobSchema,
           status=202, summary="Print the run's slips as one PDF (a page per slip) in the background: answers the job, "
                               "whose result file is the PDF")
def run_slips_pdf(run_id):
    return submit_slips_pdf(db.session, _run(run_id), g.user)


def _slip(slip_id: int) -> Payslip:
    slip = db.session.get(Payslip, slip_id)
    if slip is None:
        raise NotFound.for_field("payslip", f"没有工资条 {slip_id} (no pay slip {slip_id})")
    return slip


@api_route(bp, "/payslips/<int:slip_id>", permission="payroll.run.read", summary="One pay slip with its lines")
def show_slip(slip_id):
    slip = _slip(slip_id)
    return slip_dict(slip, institution=db.session.get(Institution, slip.institution_id))


@api_route(bp, "/payslips/<int:slip_id>/pdf", permission="payroll.run.read", summary="One pay slip as PDF",
           produces=(JSON, PDF_MIMETYPE))
def slip_pdf(slip_id):
    slip = _slip(slip_id)
    return FileResult(slips_pdf(db.session, [slip], "工资条"), f"工资条-{slip.employee.name}-{slip.year}-{slip.month:02d}.pdf",
                      PDF_MIMETYPE)


@api_route(bp, "/payroll-inputs", "PUT", permission="payroll.run.write", body=InputsIn,
           summary="Set a month's variable inputs (奖励性绩效, 夜班数, 全年一次性奖金, bonus_merged …)")
def put_inputs(body):
    count = payroll.set_inputs(db.session, g.user.community_id, body["year"], body["month"], body["values"])
    return {"changed": count}
