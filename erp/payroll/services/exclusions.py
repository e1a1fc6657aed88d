"""The two hooks of the monthly run that other work plugs into.

- :func:`rule_pay_excluded` — THE place where the 院长 (主要负责人, ``is_head``) is kept out of rule-based pay: a
  run computes no slip for them and no monthly input may be set for them (``dean_excluded``). The dean's annual
  salary (PAYROLL.md §8) is paid by its own path, outside the rules, the pool and 统筹.
- :func:`check_budget` — called by :func:`.runs.approve_run` in the approving transaction: every receiver of
  :data:`run_approving` (budget control) may refuse by raising a ``BusinessError``.
"""
from __future__ import annotations

from blinker import Namespace
from sqlalchemy.orm import Session

payroll_signals = Namespace()
# run_approving(sender, session=…, run=…): the run's totals are final; a receiver refuses by raising
run_approving = payroll_signals.signal("payroll.run_approving")


def rule_pay_excluded(profile) -> bool:
    return bool(profile.is_head)


def check_budget(session: Session, run) -> None:
    if run_approving.receivers:
        run_approving.send(None, session=session, run=run)
