"""预算控制 of the payroll runs (issue #11): the budget module's commitments, in the run's own transaction.

Which budget line a run hits: per institution of the run (each member keeps its own books and budget), the
personnel expenditure account from the posting template ``payroll.payment`` role ``budget_expenditure`` (data:
the ledger's posting_templates.csv; the same 7xxx account the ledger's 平行记账 gives the 工资发放 voucher's
Dr 应付职工薪酬 line), no department and no funding source (the payment's lines carry neither).

- :func:`reserve_run` — approving commits each institution's cost, gross pay plus the employer's
  contributions (Stop: 409 ``budget_exceeded``, the run stays computed; Warn: recorded). A recomputation of
  an unapproved run commits nothing, so it needs nothing.
- :func:`settle_payment` — paying an institution's net pay hands that much of its commitment over to the
  工资发放 voucher, whose 平行记账 line turns it into actual spending once (budget's ``before_post``); the rest
  (the withholdings and the employer's contributions, remitted later by their own vouchers, which record
  their own actual spending) is released, so nothing stays committed twice; :func:`release_unspent` frees
  what the posting did not turn into actual spending (a 平行记账 line landing on another budget line).
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.budget import services as budget
from erp.core.models import Institution, User
from erp.ledger.services import DocumentSource, posting_template
from erp.payroll.models import PayrollRun, Payslip

ZERO = Decimal(0)
TEMPLATE, ROLE = "payroll.payment", "budget_expenditure"


def commitment_source(run: PayrollRun, inst: Institution) -> DocumentSource:
    return DocumentSource("payroll", "run", f"{run.id}-{inst.code}", f"{run.number} {inst.code}"[:64],
                          url=f"/payroll/runs/{run.id}")


def run_costs(session: Session, run: PayrollRun) -> dict[int, Decimal]:
    """Institution id → gross pay + employer contributions of the run's slips there."""
    costs: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for inst_id, gross, employer in session.execute(select(
            Payslip.institution_id, Payslip.gross, Payslip.employer_contributions).where(Payslip.run_id == run.id)):
        costs[inst_id] += gross + employer
    return dict(sorted(costs.items()))


def reserve_run(session: Session, run: PayrollRun, user: User) -> list:
    """预占 each institution's cost of the run on its personnel expenditure line (None where no budget)."""
    made = []
    for inst_id, cost in run_costs(session, run).items():
        if cost <= 0:  # an adjustment paying back commits nothing
            continue
        inst = session.get(Institution, inst_id)
        account = posting_template(session, inst.community_id, TEMPLATE).account(ROLE)
        made.append(budget.reserve(session, inst, account, None, None, cost, commitment_source(run, inst),
                                   user=user, reason=f"工资表审批 {run.number}"))
    return made


def settle_payment(session: Session, run: PayrollRun, inst: Institution, net: Decimal, payment_source) -> None:
    """Before an institution's 工资发放 voucher is posted: the net pay's part of the commitment moves to it,
    the rest is released."""
    source = commitment_source(run, inst)
    open_amount = budget.committed(session, source)
    part = min(max(net, ZERO), open_amount)
    if part > 0:
        budget.consume(session, source, by=payment_source, amount=part)
    if open_amount - part > 0:
        budget.release(session, source)


def release_unspent(session: Session, payment_source) -> None:
    """After the 工资发放 voucher is posted: what was handed over and not spent on the same line is freed."""
    budget.release(session, payment_source)
