"""Targets (institution, group or community) and period ranges of the reports, shared constants and
the small helpers for amounts, report headers and file names."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.chain import period_anchor
from erp.core.errors import BusinessError, Forbidden, NotFound
from erp.core.models import Community, Institution, User
from erp.core.money import decimal_str
from erp.core.rendering import PDF_MIMETYPE, XLSX_MIMETYPE, StatementHeader  # noqa: F401  (the reports' formats)
from erp.core.scoping import current_scope
from erp.core.services import institution_by_code
from erp.ledger.services.periods import PeriodRange, period_range  # noqa: F401 - reports.period_range


ZERO = Decimal("0.00")
BASES = ("financial", "budget", "all")
FORMATS = ("json", "pdf", "xlsx")


def money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_str(value)


def split_net(net: Decimal) -> tuple[Decimal, Decimal]:
    """A debit-positive net as (debit, credit) columns: a net debit shows on the debit side."""
    return (net, ZERO) if net > 0 else (ZERO, -net)


def direction(net: Decimal) -> str:
    return "借" if net > 0 else "贷" if net < 0 else "平"


# =========================================================================================== target, period


@dataclass(frozen=True)
class Target:
    """What a report covers: one institution, a group, or the whole community."""

    institutions: tuple[Institution, ...]
    community: Community | None = None  # set for the whole community
    consolidated: bool = False

    @property
    def ids(self) -> list[int]:
        return sorted(i.id for i in self.institutions)

    @property
    def community_id(self) -> int:
        return self.institutions[0].community_id

    @property
    def codes(self) -> dict[int, str]:
        return {i.id: i.code for i in self.institutions}

    @property
    def label(self) -> str:
        """编制单位 as printed on the statement."""
        kind = "（合并）" if self.consolidated else "（汇总）"
        if self.community is not None:
            return self.community.name + kind
        if len(self.institutions) == 1:
            return self.institutions[0].name
        return "、".join(i.name for i in self.institutions) + kind

    @property
    def file_label(self) -> str:
        if self.community is not None:
            return self.community.code + ("合并" if self.consolidated else "汇总")
        if len(self.institutions) == 1:
            return self.institutions[0].name
        return "+".join(i.code for i in self.institutions) + ("合并" if self.consolidated else "汇总")

    def query_args(self) -> dict[str, str]:
        """The request parameters that select this target again (for links)."""
        if self.community is not None:
            return {"community": self.community.code, **({} if self.consolidated else {"consolidated": "false"})}
        if len(self.institutions) == 1:
            return {"institution": self.institutions[0].code}
        return {"institutions": ",".join(i.code for i in self.institutions),
                **({"consolidated": "true"} if self.consolidated else {})}


def resolve_target(session: Session, user: User, *, institution: str | None = None,
                   institutions: str | None = None, community: str | None = None,
                   consolidated: bool | None = None) -> Target:
    """The institutions a report covers, checked against the user's scope.

    An institution outside the scope is 404 (as everywhere: the session does not see it). The whole
    community (consolidated or not) needs a whole-community scope: anything else is 403, because a
    scoped user's "community" would silently be only their own institutions.
    """
    given = [name for name, value in (("institution", institution), ("institutions", institutions),
                                      ("community", community)) if value]
    if len(given) != 1:
        raise BusinessError.for_field("institution", "请指定 institution、institutions 或 community 之一 "
                                                     "(give exactly one of institution, institutions, community)")
    if institution:
        return Target((institution_by_code(session, user.community_id, institution.strip()),))
    if institutions:
        codes = list(dict.fromkeys(c.strip() for c in institutions.split(",") if c.strip()))
        if not codes:
            raise BusinessError.for_field("institutions", "请列出成员单位编码 (comma-separated codes)")
        members = tuple(institution_by_code(session, user.community_id, code) for code in codes)
        if len(members) == 1:
            return Target(members)
        return Target(members, consolidated=bool(consolidated))
    scope = current_scope(session)
    owner = session.get(Community, user.community_id)
    if owner is None or owner.code != community.strip():
        raise NotFound.for_field("community", f"医共体 {community!r} 不存在 (unknown community)")
    if scope is not None and not scope.whole_community:
        raise Forbidden("医共体汇总/合并报表需要全医共体权限，或请在顶部切换到“全部单位” "
                        "(community reports need a whole-community scope)")
    members = tuple(session.scalars(select(Institution).where(Institution.community_id == owner.id)
                                    .order_by(Institution.code)))
    return Target(members, community=owner, consolidated=consolidated is not False)


def period_anchor_of(target: Target, rng: PeriodRange) -> str | None:
    """One institution's report of a closed month carries the digest of the anchor its close wrote."""
    if target.community is not None or len(target.institutions) != 1:
        return None
    return period_anchor(target.institutions[0].id, f"{rng.year}-{rng.end:02d}")


def report_header(title: str, target: Target, rng: PeriodRange, user: User | None, code: str | None = None,
                   subtitle: str | None = None) -> StatementHeader:
    return StatementHeader(institution=target.label, title=title, period=rng.label, code=code, subtitle=subtitle,
                           prepared_by=(user.display_name or user.username) if user else None,
                           anchor=period_anchor_of(target, rng))


def files_name(title: str, target: Target, rng: PeriodRange, ext: str) -> str:
    return f"{title}-{target.file_label}-{rng.key}.{ext}"
