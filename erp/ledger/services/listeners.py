"""The ledger's receivers of core signals (connected through the manifest's ``hooks``)."""
from __future__ import annotations

from erp.ledger.services.institutions import set_up_institution


def on_institution_created(sender, *, session, institution, **_) -> None:
    """A new member books from its first day: its year is open and it is a 内部往来 partner."""
    set_up_institution(session, institution)
