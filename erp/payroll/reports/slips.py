"""Pay slips (工资条) as data, as PDF (one employee or the whole run, Chinese, with the 大写 total) and the bank
payment file (代发工资文件)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core import jobs
from erp.core.api_framework import FileResult
from erp.core.errors import Conflict
from erp.core.models import Department, Institution, Job, User
from erp.core.money import amount_in_words, decimal_str
from erp.core.rendering import PDF_MIMETYPE, render_pdf, render_pdf_parts
from erp.core.xlsx import build_xlsx
from erp.payroll.models import (EARNING_CATEGORIES, RULE_CATEGORY_TITLES, PayrollProfile, PayrollRun, Payslip,
                                RuleCategory, RunState)
from erp.payroll.services import run_by_id, slips_of

ZERO = Decimal(0)
SECTIONS = [("应发项目", [c.value for c in RuleCategory if c in EARNING_CATEGORIES]),
            ("个人扣款", [RuleCategory.PERSONAL_DEDUCTION.value, RuleCategory.INCOME_TAX.value]),
            ("单位缴费（不计入实发）", [RuleCategory.EMPLOYER_CONTRIBUTION.value])]


def slip_dict(slip: Payslip, run: PayrollRun | None = None, institution: Institution | None = None,
              department: Department | None = None) -> dict:
    run = run or slip.run
    return {
        "id": slip.id, "run": run.id, "run_number": run.number, "period": f"{slip.year}-{slip.month:02d}",
        "regular": slip.regular, "state": run.state.value,
        "employee": slip.employee_id, "employee_code": slip.employee.code, "employee_name": slip.employee.name,
        "institution": institution.code if institution else None,
        "institution_name": institution.name if institution else None,
        "department": department.name if department else None,
        "gross": decimal_str(slip.gross), "personal_deductions": decimal_str(slip.personal_deductions),
        "income_tax": decimal_str(slip.income_tax), "net": decimal_str(slip.net),
        "net_in_words": amount_in_words(slip.net) if slip.net >= 0 else "负" + amount_in_words(-slip.net),
        "employer_contributions": decimal_str(slip.employer_contributions),
        "tax": {"taxable_wages": decimal_str(slip.taxable_wages), "special_deduction": decimal_str(slip.special_deduction),
                "additional_deduction": decimal_str(slip.additional_deduction),
                "other_deduction": decimal_str(slip.other_deduction), "tax_months": slip.tax_months,
                "wage_tax": decimal_str(slip.wage_tax), "annual_bonus": decimal_str(slip.annual_bonus),
                "bonus_separate": slip.bonus_separate, "bonus_tax_separate": decimal_str(slip.bonus_tax_separate),
                "bonus_tax_merged": decimal_str(slip.bonus_tax_merged)},
        "lines": [dict(line, category_title=RULE_CATEGORY_TITLES[RuleCategory(line["category"])])
                  for line in slip.lines],
    }


def _context(session: Session, slips: list[Payslip]) -> list[dict]:
    institutions = {i.id: i for i in session.scalars(select(Institution).where(
        Institution.id.in_({s.institution_id for s in slips} or {0})))}
    departments = {d.id: d for d in session.scalars(select(Department).where(
        Department.id.in_({s.department_id for s in slips if s.department_id} or {0})))}
    result = []
    for slip in slips:
        data = slip_dict(slip, institution=institutions[slip.institution_id],
                         department=departments.get(slip.department_id))
        by_category = defaultdict(list)
        for line in data["lines"]:
            by_category[line["category"]].append(line)
        data["sections"] = [(title, [line for c in categories for line in by_category[c]])
                            for title, categories in SECTIONS]
        result.append(data)
    return result


SLIPS_TEMPLATE = "payroll/payslips_pdf.html"  # a page per slip: one employee's, a run's batch


def slips_pdf(session: Session, slips: list[Payslip], title: str) -> bytes:
    """One page per slip (the batch of a run, or one employee's)."""
    return render_pdf(SLIPS_TEMPLATE, slips=_context(session, slips), title=title)


def bank_file(session: Session, run: PayrollRun) -> bytes:
    """代发工资文件: one row per employee with the net pay to their bank account (the bank's import sheet)."""
    rows = session.execute(select(Payslip, PayrollProfile).join(
        PayrollProfile, PayrollProfile.employee_id == Payslip.employee_id).where(Payslip.run_id == run.id)
        .order_by(Payslip.institution_id, Payslip.id)).all()
    columns = [{"key": "seq", "label": "序号", "kind": "int"}, {"key": "name", "label": "户名", "kind": "text"},
               {"key": "account", "label": "账号", "kind": "text"}, {"key": "bank", "label": "开户行", "kind": "text"},
               {"key": "amount", "label": "金额", "kind": "amount"}, {"key": "memo", "label": "用途", "kind": "text"}]
    data = [{"seq": n, "name": slip.employee.name, "account": profile.bank_account, "bank": profile.bank_name,
             "amount": slip.net, "memo": f"{run.period} 工资"} for n, (slip, profile) in enumerate(rows, start=1)]
    total = sum((slip.net for slip, _ in rows), start=ZERO)
    return build_xlsx(f"代发工资 {run.number}", columns, data, totals={"amount": total},
                      header_lines=[f"笔数 {len(data)}，合计 {decimal_str(total)} 元（{amount_in_words(total)}）"])


SLIPS_PDF = "erp.payroll.reports.slips:slips_pdf_job"
SLIPS_PER_PART = 10  # the batch PDF is laid out this many slips at a time, a progress report after each


def submit_slips_pdf(session: Session, run: PayrollRun, user: User) -> Job:
    """Queue the run's batch PDF (a community run prints thousands of pages: never inside a request)."""
    if run.state is RunState.DRAFT:
        raise Conflict.for_field("run", f"{run.number} 尚未计算，没有工资条 (not computed: no slips yet)",
                                 "not_computed")
    return jobs.submit(session, SLIPS_PDF, run.id, title=f"工资条 PDF {run.number}", user=user)


def slips_pdf_job(context: jobs.JobContext, run_id: int) -> FileResult:
    """One PDF of the run's slips (a page per slip, with the 大写 totals): the job's downloadable result. Laid
    out a part at a time, reporting after each how many slips are done (5,000 slips take minutes)."""
    session = context.session
    run = run_by_id(session, run_id)
    slips = _context(session, list(session.scalars(slips_of(session, run)).unique()))
    total = len(slips)

    def parts():
        for start in range(0, max(total, 1), SLIPS_PER_PART):  # a run without slips still prints its (empty) PDF
            context.progress(start, total, f"已生成 {start} / {total} 份工资条 ({start} of {total} payslips rendered)")
            yield {"slips": slips[start:start + SLIPS_PER_PART]}
        # writing the file takes about a quarter of the time: the job shows 99 % until it is done
        context.progress(total, total, f"已生成 {total} / {total} 份工资条，正在写入 PDF 文件 "
                                       f"({total} of {total} payslips rendered, writing the PDF file)")

    content = render_pdf_parts(SLIPS_TEMPLATE, parts(), title=f"工资条 {run.number}")
    return FileResult(content, f"工资条-{run.number}.pdf", PDF_MIMETYPE)
