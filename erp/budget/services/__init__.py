"""The budget module's public services face: what other modules (procurement, payroll) and the module's own
rooms use. Nothing else of the budget module may be imported by another module (import-linter: setup.cfg).

Budget control, in the caller's transaction (the line's row locked: race-free)::

    from erp.budget import services as budget

    budget.reserve(session, institution, "7201", "01", "F01", Decimal("1200.00"), source)   # 预占 (order approved)
    budget.release(session, source)                                                        # 释放 (order cancelled)
    budget.consume(session, source, by=payment_source)   # hand over to the document whose voucher is posted next
    budget.check(session, institution, "7201", "01", "F01", Decimal("1200.00"))             # what reserve would meet
    budget.committed(session, source)                                                      # what it holds open

``institution`` is an :class:`~erp.core.models.Institution` or its code; ``account`` a budget expenditure
account code (7xxx or a detail); ``department`` / ``funding_source`` codes (or None); ``source`` the ledger's
``DocumentSource`` (or any object with module, kind, key, label, url). ``reserve`` returns the open commitment
(or None when no budget in force controls that spending) and refuses a Stop line's excess with 409
``budget_exceeded``. Posting a voucher turns the commitment of the voucher's own document into actual spending
(the ledger's ``before_post`` hook, :mod:`.listeners`).
"""
from erp.budget.services.budgets import (LineSpec, approve, approve_version, budget_by_id, close, create_adjustment,
                                         create_budget, execute, phasing, reject_version, return_to_draft, set_lines,
                                         specs_in_force, submit, submit_version, version_of)
from erp.budget.services.common import (expenditure_account, funding_source_id, institution_of,
                                        positive_amount)
from erp.budget.services.control import CheckResult, check, committed, consume, find_line, release, reserve, target

__all__ = [
    # control: the face other modules call
    "CheckResult", "check", "committed", "consume", "release", "reserve",
    # budgets
    "LineSpec", "approve", "approve_version", "budget_by_id", "close", "create_adjustment", "create_budget",
    "execute", "phasing", "reject_version", "return_to_draft", "set_lines", "specs_in_force", "submit",
    "submit_version", "version_of",
    # helpers
    "expenditure_account", "find_line", "funding_source_id", "institution_of",
    "positive_amount", "target",
]

from erp.budget.services import (execution as execution, funds as funds, parameters as parameters,  # noqa: E402
                                 programmes as programmes, workbook as workbook)
from erp.budget.services.execution import (Execution, RollupRow, Tile, community_rollup, holder_tile,  # noqa: E402
                                           line_entries)

from erp.budget.services.tiles import budget_left  # noqa: E402

__all__ += ["budget_left"]
__all__ += ["Execution", "RollupRow", "Tile", "community_rollup", "execution", "funds", "holder_tile", "line_entries",
            "parameters", "programmes", "workbook"]
