"""The ledger's document door (业务单据记账): a module's document is posted exactly once.

One :class:`DocumentSource` is one voucher. :func:`post_document` creates and posts it in the caller's
transaction; calling it again with the same source and the same content returns that voucher (a retry
writes nothing), with other content it is refused (409 ``document_posted``) until :func:`reverse_document`
has reversed the voucher (红字冲销); the document may then be posted again, giving a new voucher.

Exactly once, even concurrently: one ``ledger_document`` row per (community, module, kind, key), inserted
if missing (``ON CONFLICT DO NOTHING``) and then locked (``SELECT … FOR UPDATE``) before anything else, holds
the voucher now standing for the document and the hash of the content it was posted with. A second caller
waits on that row, then finds the voucher.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.dbutil import dialect_insert
from erp.core.errors import Conflict
from erp.core.models import User
from erp.ledger.models import DIMENSIONS, LedgerDocument, Voucher
from erp.ledger.services.posting import Ledger, VoucherInput

LIMITS = {"module": 32, "kind": 32, "key": 64, "label": 64, "url": 256}  # the voucher's source columns


@dataclass(frozen=True)
class DocumentSource:
    """The document a voucher is posted from.

    ``module`` and ``kind`` name the document type (``"procurement"``, ``"receipt"``), ``key`` is its stable
    key within the community (e.g. the document id), ``label`` what people read and print (``入库-2026-00017``)
    and ``url`` the path of the document's page (the voucher links back to it).

    One source is one voucher, in one institution's books. A document that books in two institutions
    (e.g. a transfer between members: the issuer's and the receiver's voucher) uses two sources, e.g. kinds
    ``transfer_out`` and ``transfer_in`` with the same key.
    """

    module: str
    kind: str
    key: str
    label: str
    url: str | None = None

    def __post_init__(self):
        for name, limit in LIMITS.items():
            value = getattr(self, name)
            if (value is None and name == "url") or (isinstance(value, str) and 0 < len(value) <= limit):
                continue
            raise ValueError(f"DocumentSource.{name} must be a non-empty string of at most {limit} characters")


def post_document(session: Session, source: DocumentSource, voucher: VoucherInput, *, preparer: User, poster: User,
                  template_version: str | None = None, reviewer: User | None = None) -> Voucher:
    """Create and post the document's voucher in the caller's transaction (the caller commits), once.

    ``preparer`` is the document's preparer (制单), ``poster`` its approver, recorded as 记账 and — unless
    ``reviewer`` names someone else — as 审核 (approving the document is reviewing its voucher); the
    community's separation of duties applies as for a voucher entered by hand, and every posting rule of
    the ledger. ``template_version``
    names the posting template used (e.g. ``procurement.receipt@3``); it is stored on the voucher with the
    source. Returns the posted voucher — the one already posted when this is a replay of the same content."""
    digest = content_hash(source, voucher, template_version)
    row = _lock(session, preparer.community_id, source, create=True)
    if row.voucher_id is not None:
        posted = session.get(Voucher, row.voucher_id)
        if row.content_hash == digest:
            return posted
        message = (f"单据 {source.label} 已生成凭证 {posted.number}，内容不同，请先冲销 "
                   f"(document already posted as voucher {posted.number} with other content: reverse it first)")
        raise Conflict(message, {"source": [message]}, code="document_posted")
    [voucher_id] = Ledger(session, preparer).post_many([voucher], poster=poster, source=source,
                                                       template_version=template_version, reviewer=reviewer)
    row.voucher_id, row.content_hash = voucher_id, digest
    session.flush()
    return session.get(Voucher, voucher_id)


def reverse_document(session: Session, source: DocumentSource, *, user: User, on: date | None = None,
                     memo: str | None = None) -> Voucher:
    """红字冲销 of the document's voucher, by ``user``, dated ``on`` (default today) in an open period; the
    reversal carries the source too. Afterwards the document may be posted again. Returns the reversal."""
    row = _lock(session, user.community_id, source, create=False)
    if row is None or row.voucher_id is None:
        message = f"单据 {source.label} 没有已记账的凭证可冲销 (the document has no posted voucher to reverse)"
        raise Conflict(message, {"source": [message]}, code="document_not_posted")
    reversal = Ledger(session, user).reverse(session.get(Voucher, row.voucher_id), on, memo, source=source)
    row.voucher_id = row.content_hash = None
    session.flush()
    return reversal


def _lock(session: Session, community_id: int, source: DocumentSource, *, create: bool) -> LedgerDocument | None:
    """The document's row, locked until commit (created first when missing and ``create``)."""
    key = {"community_id": community_id, "module": source.module, "kind": source.kind, "key": source.key}
    query = (select(LedgerDocument).filter_by(**key).with_for_update()
             .execution_options(populate_existing=True))
    row = session.scalars(query).one_or_none()
    if row is None and create:
        session.execute(dialect_insert(session)(LedgerDocument.__table__).values(**key).on_conflict_do_nothing())
        row = session.scalars(query).one()
    return row


def content_hash(source: DocumentSource, voucher: VoucherInput, template_version: str | None) -> str:
    """What the voucher would hold: the lines (amounts compared as numbers, ``"10"`` = ``"10.00"``), the
    header, the source's label and url, and the template version."""
    content = {
        "source": [source.label, source.url], "template": template_version,
        "voucher": [voucher.institution, voucher.date.isoformat(), voucher.memo or "", voucher.attachment_count,
                    voucher.internal_ref],
        "lines": [[line.account, _amount(line.debit), _amount(line.credit),
                   *(getattr(line, dimension) or None for dimension in DIMENSIONS), line.memo or ""]
                  for line in voucher.lines],
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _amount(value) -> str:
    try:
        return format(Decimal(str(value if value not in (None, "") else "0")).normalize(), "f")
    except InvalidOperation:
        return str(value)  # refused by the posting rules anyway
