"""Posting templates (记账模板): which account each role of a source document posts to.

Every module that posts through the ledger's document door, and the ledger's own year-end close and
consolidation, ask ``posting_template(session, community_id, kind)`` for their accounts instead of
naming codes in Python. The defaults come from ``data/posting_templates.csv``; the finance officer edits
them (API and UI), each edit a new version, and the version used (``Template.ref``, e.g.
``procurement.receipt@3``) is what the document door records on the voucher.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from erp.core.errors import BusinessError, NotFound
from erp.core.models import Community, User
from erp.core.security import require_whole_community
from erp.ledger.models import Account
from erp.ledger.models.templates import PostingTemplate, PostingTemplateLine, PostingTemplateVersion

DATA_FILE = Path(__file__).parents[1] / "data" / "posting_templates.csv"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class PostingTemplateMissing(BusinessError):
    """A kind, or a role of a kind, has no account in the community's templates."""

    code = "posting_template_missing"


@dataclass(frozen=True)
class TemplateLine:
    role: str
    qualifier: str  # "" when the role is not split
    account: str
    description: str = ""


@dataclass(frozen=True)
class Template:
    """One version of a kind's template, as the posting code reads it."""

    kind: str
    version: int
    title: str
    lines: tuple[TemplateLine, ...]
    current: bool = True  # the version in force (False for a past version read from the history)

    @property
    def ref(self) -> str:
        """What a voucher records: ``kind@version``."""
        return f"{self.kind}@{self.version}"

    def account(self, role: str, qualifier: str | None = None) -> str:
        """The account code of a role; with a qualifier (item class …) its own line, else the role's
        unqualified line. Missing: :class:`PostingTemplateMissing` naming kind, role and qualifier."""
        by_key = {(line.role, line.qualifier): line.account for line in self.lines}
        for key in ((role, qualifier or ""), (role, "")):
            if key in by_key:
                return by_key[key]
        label = f"{role}[{qualifier}]" if qualifier else role
        message = f"记账模板 {self.ref} 没有角色 {label} 的科目 (posting template {self.kind} has no account for {label})"
        raise PostingTemplateMissing(message, {"posting_template": [message]})

    def accounts(self, role: str) -> tuple[str, ...]:
        """Every account of a role (all qualifiers), e.g. the 内部往来 accounts eliminated on consolidation."""
        found = tuple(line.account for line in self.lines if line.role == role)
        if not found:
            self.account(role)  # raises, naming the role
        return found


@cache
def default_templates() -> dict[str, tuple[str, tuple[TemplateLine, ...]]]:
    """kind -> (title, lines) as shipped in the data file."""
    kinds: dict[str, tuple[str, list[TemplateLine]]] = {}
    with open(DATA_FILE, encoding="utf-8") as source:
        for row in csv.DictReader(source):
            title, lines = kinds.setdefault(row["kind"], (row["kind_title"], []))
            lines.append(TemplateLine(row["role"], row["qualifier"], row["account"], row["description"]))
    return {kind: (title, tuple(lines)) for kind, (title, lines) in kinds.items()}


def load_default_templates(session: Session, community: Community) -> int:
    """Create version 1 of every shipped kind the community does not have yet (idempotent; an edited
    template is left as it is). Returns the number of kinds added."""
    have = set(session.scalars(select(PostingTemplate.kind).where(PostingTemplate.community_id == community.id)))
    added = 0
    for kind, (title, lines) in default_templates().items():
        if kind in have:
            continue
        template = PostingTemplate(community_id=community.id, kind=kind, title=title, current_version=1)
        session.add(template)
        _add_version(template, 1, lines, None, "默认模板（系统预置）")
        added += 1
    session.flush()
    return added


def _add_version(template: PostingTemplate, number: int, lines, user: User | None, note: str) -> None:
    template.versions.append(PostingTemplateVersion(
        version=number, note=note, created_by_id=user.id if user else None,
        lines=[PostingTemplateLine(line_no=i, role=line.role, qualifier=line.qualifier, account_code=line.account,
                                   description=line.description) for i, line in enumerate(lines, start=1)]))


def _template_row(session: Session, community_id: int, kind: str, *, lock: bool = False) -> PostingTemplate:
    statement = select(PostingTemplate).where(PostingTemplate.community_id == community_id,
                                              PostingTemplate.kind == kind)
    template = session.scalar(statement.with_for_update() if lock else statement)
    if template is None:
        message = f"没有记账模板 {kind} (no posting template for kind {kind!r})"
        raise PostingTemplateMissing(message, {"kind": [message]})
    return template


def _version_row(session: Session, template: PostingTemplate, number: int) -> PostingTemplateVersion:
    row = session.scalar(select(PostingTemplateVersion).where(PostingTemplateVersion.template_id == template.id,
                                                              PostingTemplateVersion.version == number))
    if row is None:
        raise NotFound.for_field("version", f"记账模板 {template.kind} 没有第 {number} 版 (no version {number})")
    return row


def posting_template(session: Session, community_id: int, kind: str, version: int | None = None) -> Template:
    """The community's template of a kind: the current version, or the one asked for (history)."""
    template = _template_row(session, community_id, kind)
    row = _version_row(session, template, template.current_version if version is None else version)
    return Template(kind, row.version, template.title,
                    tuple(TemplateLine(l.role, l.qualifier, l.account_code, l.description) for l in row.lines),
                    row.version == template.current_version)


def template_kinds(session: Session, community_id: int) -> list[PostingTemplate]:
    """The community's templates (kind, title, current version), by kind."""
    return list(session.scalars(select(PostingTemplate).where(PostingTemplate.community_id == community_id)
                                .order_by(PostingTemplate.kind)))


def template_versions(session: Session, community_id: int, kind: str) -> list[PostingTemplateVersion]:
    """Every version of a kind, oldest first (who saved it, when, why)."""
    template = _template_row(session, community_id, kind)
    return list(session.scalars(select(PostingTemplateVersion).where(PostingTemplateVersion.template_id == template.id)
                                .order_by(PostingTemplateVersion.version)))


def save_template(session: Session, community_id: int, kind: str, lines: list[dict], *, user: User | None,
                  note: str = "") -> Template:
    """Save a kind's lines as its new current version. Each line is ``{"role", "qualifier", "account",
    "description"}``; every account must be in the community's chart and every shipped role keep a line.
    Lines equal to the current version's save nothing and return the current version."""
    require_whole_community(user, "记账模板")
    if kind not in default_templates():
        raise NotFound.for_field("kind", f"没有记账模板 {kind} (unknown posting template kind {kind!r})")
    template = _template_row(session, community_id, kind, lock=True)
    wanted = _validated(session, community_id, kind, lines)
    current = posting_template(session, community_id, kind)
    if wanted == current.lines:
        return current
    number = max(v.version for v in template.versions) + 1
    _add_version(template, number, wanted, user, note)
    template.current_version = number
    session.flush()
    return posting_template(session, community_id, kind)


def _validated(session: Session, community_id: int, kind: str, lines: list[dict]) -> tuple[TemplateLine, ...]:
    errors: dict[str, list[str]] = {}
    codes = {line.get("account", "") for line in lines}
    chart = set(session.scalars(select(Account.code).where(
        Account.community_id == community_id, Account.institution_id.is_(None), Account.active.is_(True),
        Account.code.in_(codes))))
    seen: set[tuple[str, str]] = set()
    result = []
    for i, line in enumerate(lines):
        role, qualifier, code = line["role"].strip(), (line.get("qualifier") or "").strip(), line["account"].strip()
        if not NAME.match(role):
            errors[f"lines[{i}].role"] = ["角色名应为小写英文、数字和下划线 (lower-case letters, digits, _)"]
        if qualifier and not NAME.match(qualifier):
            errors[f"lines[{i}].qualifier"] = ["限定词应为小写英文、数字和下划线 (lower-case letters, digits, _)"]
        if (role, qualifier) in seen:
            errors[f"lines[{i}].role"] = [f"角色 {role} {qualifier} 重复 (duplicate role)"]
        seen.add((role, qualifier))
        if code not in chart:
            errors[f"lines[{i}].account"] = [f"科目 {code} 不在科目表中 (account {code!r} is not in the chart)"]
        result.append(TemplateLine(role, qualifier, code, (line.get("description") or "").strip()))
    # the posting code asks for every shipped role; a role's qualified lines (item classes …) may change
    if missing := sorted({l.role for l in default_templates()[kind][1]} - {role for role, _ in seen}):
        errors["lines"] = ["缺少角色 (missing roles): " + ", ".join(missing)]
    if errors:
        first = next(iter(errors.values()))[0]
        code = "unknown_account" if all(k.endswith(".account") for k in errors) else "invalid"
        raise BusinessError(f"记账模板 {kind} 有误：{first}", errors, code)
    return tuple(result)
