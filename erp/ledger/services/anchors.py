"""The voucher chains' part in the anchors outside the database (``erp.core.chain``): each institution's
chain head, and the hash of the voucher at a recorded position. Hooked to the ``chain_heads`` and
``chain_links`` signals in the manifest."""
from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from erp.ledger.models import LedgerChainHead, Voucher, VoucherState

LEDGER_CHAIN = "ledger"


def chain_heads(sender, session: Session) -> dict:
    heads = session.execute(select(LedgerChainHead.institution_id, LedgerChainHead.seq, LedgerChainHead.hash)).all()
    return {LEDGER_CHAIN: {str(institution): [seq, digest] for institution, seq, digest in heads}}


def chain_links(sender, session: Session, chain: str, wanted: dict[str, int]) -> dict:
    if chain != LEDGER_CHAIN or not wanted:
        return {}
    positions = [(int(institution), seq) for institution, seq in wanted.items()]
    rows = session.execute(select(Voucher.institution_id, Voucher.hash).where(
        Voucher.state == VoucherState.POSTED, tuple_(Voucher.institution_id, Voucher.chain_seq).in_(positions)))
    return {str(institution): digest for institution, digest in rows}
