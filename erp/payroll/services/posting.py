"""Posting a run through the ledger's document door: 工资计提 (payroll.run) and 工资发放 (payroll.payment).

One voucher per institution of the run (each member keeps its own books), from the posting template:

- 工资计提: Dr 业务活动费用 (``expense``) / 单位管理费用 (``admin_expense``, 行政后勤 departments and staff without a
  department) by department, for gross pay plus employer contributions; Cr 应付职工薪酬 (``salaries_payable``) by
  item (岗位工资, 薪级工资, 基础性绩效, 奖励性绩效, 津贴补贴, each 单位缴费 item); then the withholdings:
  Dr 应付职工薪酬 / Cr 其他应交税费-个人所得税 (``income_tax_withheld``), 其他应付款 (``social_insurance_withheld``,
  ``housing_fund_withheld``).
- 工资发放: Dr 应付职工薪酬 / Cr 银行存款 (``bank``) or 零余额账户用款额度 (``authorised_quota``) for the net pay;
  the ledger adds the 平行记账 budget lines (支付职工薪酬) from its mapping.

A negative amount (an adjustment run paying back) goes to the other side.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError
from erp.core.models import CostClass, Department, Institution, Partner, User
from erp.core.timeutil import local_today, utcnow
from erp.ledger.services import DocumentSource, LineInput, VoucherInput, post_document, posting_template
from erp.payroll.services.parameters import parameters_in_force
from erp.payroll.services.runs import require_whole_run
from erp.payroll.models import RULE_CATEGORY_TITLES, RUN_STATES, Payslip, PayrollRun, RuleCategory, RunState

ZERO = Decimal(0)
EARNING_TITLES = {c.value: RULE_CATEGORY_TITLES[c] for c in (
    RuleCategory.POST_WAGE, RuleCategory.GRADE_WAGE, RuleCategory.BASIC_PERFORMANCE,
    RuleCategory.REWARD_PERFORMANCE, RuleCategory.ALLOWANCE)}
PAYMENT_ROLES = ("bank", "authorised_quota")


def _entry(account: str, amount: Decimal, side: str, **dimensions) -> LineInput | None:
    if not amount:
        return None
    if amount < 0:
        side, amount = ("credit" if side == "debit" else "debit"), -amount
    return LineInput(account=account, **{side: amount}, **dimensions)


def _last_day(year: int, month: int) -> date:
    return date.fromordinal(date(year + month // 12, month % 12 + 1, 1).toordinal() - 1)


def _source(run: PayrollRun, inst: Institution, kind: str) -> DocumentSource:
    return DocumentSource("payroll", kind, f"{run.id}-{inst.code}", f"{run.number} {inst.code}"[:64],
                          url=f"/payroll/runs/{run.id}")


def _by_institution(session: Session, run: PayrollRun) -> dict[int, list[Payslip]]:
    grouped: dict[int, list[Payslip]] = defaultdict(list)
    for slip in session.scalars(select(Payslip).where(Payslip.run_id == run.id).order_by(Payslip.id)):
        grouped[slip.institution_id].append(slip)
    return grouped


def accrual_lines(template, slips: list[Payslip], departments: dict[int, Department], partners: dict[str, str],
                  fallback: Department | None) -> list[LineInput]:
    """The 工资计提 lines of one institution's slips; staff without a department are charged to ``fallback``
    (the institution's first 行政后勤 department: 费用 is kept by department)."""
    expense: dict[tuple[str, str | None], Decimal] = defaultdict(lambda: ZERO)
    payable: dict[str, Decimal] = defaultdict(lambda: ZERO)
    withheld: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for slip in slips:
        department = departments.get(slip.department_id) or fallback
        admin = department is None or department.cost_class is CostClass.ADMIN
        role = "admin_expense" if admin else "expense"
        expense[(role, department.code if department else None)] += slip.gross + slip.employer_contributions
        withheld["income_tax_withheld"] += slip.income_tax
        for line in slip.lines:
            amount = Decimal(line["amount"])
            if line["category"] in EARNING_TITLES:
                payable[EARNING_TITLES[line["category"]]] += amount
            elif line["category"] == RuleCategory.EMPLOYER_CONTRIBUTION.value:
                payable[f"单位缴费-{line['name']}"] += amount
            elif line["category"] == RuleCategory.PERSONAL_DEDUCTION.value:
                housing = any(key.startswith("housing_fund.") for key in line["inputs"])
                withheld["housing_fund_withheld" if housing else "social_insurance_withheld"] += amount
    payable_account = template.account("salaries_payable")
    lines = [_entry(template.account(role), amount, "debit", department=code, memo="工资及单位缴费")
             for (role, code), amount in sorted(expense.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))]
    lines += [_entry(payable_account, amount, "credit", memo=item) for item, amount in payable.items()]
    titles = {"income_tax_withheld": "代扣个人所得税", "social_insurance_withheld": "代扣社会保险、职业年金及其他",
              "housing_fund_withheld": "代扣住房公积金"}
    for role, amount in withheld.items():
        lines.append(_entry(payable_account, amount, "debit", memo=titles[role]))
        lines.append(_entry(template.account(role), amount, "credit", memo=titles[role], partner=partners.get(role)))
    return [line for line in lines if line is not None]


def _withholding_partners(session: Session, community_id: int, on: date) -> dict[str, str]:
    """The partners (其他应付款 is kept by partner) withheld contributions are owed to, by role; created on the
    first posting when the community does not have them yet (社会保险经办机构, 住房公积金管理中心)."""
    spec = parameters_in_force(session, community_id, on).value("payroll.withholding_partners")
    have = set(session.scalars(select(Partner.code).where(Partner.community_id == community_id)))
    for code, name in spec.get("partners", {}).items():
        if code not in have:
            session.add(Partner(community_id=community_id, code=code, name=name, kind="other"))
    session.flush()
    return {role: code for role, code in spec.items() if role != "partners"}


def post_run(session: Session, run: PayrollRun, user: User) -> list:
    """工资计提 for every institution of an approved run, through the document door (exactly once)."""
    require_whole_run(run, user)
    RUN_STATES.begin(session, run, RunState.POSTED)
    template = posting_template(session, user.community_id, "payroll.run")
    preparer = run.computed_by
    grouped = _by_institution(session, run)
    departments = {d.id: d for d in session.scalars(select(Department).where(
        Department.institution_id.in_(list(grouped) or [0])).order_by(Department.code))}
    partners = _withholding_partners(session, user.community_id, date(run.year, run.month, 1))
    vouchers = []
    for inst_id, slips in grouped.items():
        inst = session.get(Institution, inst_id)
        own = [d for d in departments.values() if d.institution_id == inst_id]
        fallback = next((d for d in own if d.cost_class is CostClass.ADMIN), own[0] if own else None)
        lines = accrual_lines(template, slips, departments, partners, fallback)
        if not lines:
            continue
        data = VoucherInput(institution=inst.code, date=_last_day(run.year, run.month), lines=lines,
                            memo=f"{run.period} 工资计提 {run.number}")
        vouchers.append(post_document(session, _source(run, inst, "run"), data, preparer=preparer, poster=user,
                                      template_version=template.ref))
    run.state, run.posted_at = RunState.POSTED, utcnow()
    session.flush()
    return vouchers


def pay_run(session: Session, run: PayrollRun, user: User, *, method: str = "bank", on: date | None = None) -> list:
    """工资发放: the net pay leaves the bank (or the 零余额 quota), per institution."""
    if method not in PAYMENT_ROLES:
        raise BusinessError.for_field("method", f"付款方式应为 {' / '.join(PAYMENT_ROLES)} (payment method)")
    require_whole_run(run, user)
    RUN_STATES.begin(session, run, RunState.PAID)
    template = posting_template(session, user.community_id, "payroll.payment")
    vouchers = []
    for inst_id, slips in _by_institution(session, run).items():
        inst = session.get(Institution, inst_id)
        net = sum((slip.net for slip in slips), start=ZERO)
        lines = [_entry(template.account("salaries_payable"), net, "debit", memo="发放工资"),
                 _entry(template.account(method), net, "credit", memo="发放工资")]
        if not net:
            continue
        data = VoucherInput(institution=inst.code, date=on or local_today(), lines=lines,
                            memo=f"{run.period} 工资发放 {run.number}")
        vouchers.append(post_document(session, _source(run, inst, "payment"), data, preparer=run.computed_by,
                                      poster=user, template_version=template.ref))
    run.state, run.paid_at = RunState.PAID, utcnow()
    session.flush()
    return vouchers
