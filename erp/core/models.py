"""Core models: the organisation (医共体 → 成员单位 → 科室), users, tokens, audit log, sequences."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (JSON, Boolean, Column, ForeignKey, Integer, LargeBinary, String, Table, Text, UniqueConstraint,
                        select)
from sqlalchemy.orm import Mapped, deferred, mapped_column, object_session, relationship

from erp.core.extensions import db
from erp.core.registry import N_
from erp.core.mixins import Audited, InstitutionOwned, Scoped
from erp.core.timeutil import UTCDateTime, utcnow


class InstitutionKind(str, enum.Enum):
    """成员单位类型."""

    LEAD_HOSPITAL = "lead_hospital"  # 牵头医院
    COUNTY_HOSPITAL = "county_hospital"  # 县级医院
    TOWNSHIP_CENTRE = "township_centre"  # 乡镇卫生院
    COMMUNITY_CENTRE = "community_centre"  # 社区卫生服务中心
    VILLAGE_CLINIC = "village_clinic"  # 村卫生室
    PUBLIC_HEALTH = "public_health"  # 专业公共卫生机构


INSTITUTION_KIND_TITLES = {
    InstitutionKind.LEAD_HOSPITAL: N_("牵头医院"),
    InstitutionKind.COUNTY_HOSPITAL: N_("县级医院"),
    InstitutionKind.TOWNSHIP_CENTRE: N_("乡镇卫生院"),
    InstitutionKind.COMMUNITY_CENTRE: N_("社区卫生服务中心"),
    InstitutionKind.VILLAGE_CLINIC: N_("村卫生室"),
    InstitutionKind.PUBLIC_HEALTH: N_("专业公共卫生机构"),
}


class InstitutionLevel(str, enum.Enum):
    COUNTY = "county"  # 县
    TOWNSHIP = "township"  # 乡
    VILLAGE = "village"  # 村


LEVEL_TITLES = {InstitutionLevel.COUNTY: N_("县"), InstitutionLevel.TOWNSHIP: N_("乡"),
                InstitutionLevel.VILLAGE: N_("村")}


class CostClass(str, enum.Enum):
    """科室成本类别 (公立医院成本核算规范)."""

    CLINICAL = "clinical"  # 临床服务类
    MEDICAL_TECH = "medical_tech"  # 医疗技术类
    MEDICAL_SUPPORT = "medical_support"  # 医疗辅助类
    ADMIN = "admin"  # 行政后勤类


COST_CLASS_TITLES = {
    CostClass.CLINICAL: N_("临床服务类"),
    CostClass.MEDICAL_TECH: N_("医疗技术类"),
    CostClass.MEDICAL_SUPPORT: N_("医疗辅助类"),
    CostClass.ADMIN: N_("行政后勤类"),
}


def enum_column(enum_cls: type[enum.Enum], length: int = 32) -> Mapped:
    # Stored as plain strings (no native enums) so that adding a value needs no type migration.
    return mapped_column(db.Enum(enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]))


class Community(Audited, db.Model):
    """医共体: one set of books, one catalogue, one procurement account, one pay system."""

    __tablename__ = "community"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    # 不相容岗位分离: the poster of a voucher must not be its preparer.
    separation_of_duties: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    institutions: Mapped[list["Institution"]] = relationship(back_populates="community")


class Institution(Audited, Scoped, db.Model):
    """成员单位: an accounting entity of the community."""

    __tablename__ = "institution"
    __table_args__ = (UniqueConstraint("community_id", "code"),)
    __scope_attr__ = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[InstitutionKind] = enum_column(InstitutionKind)
    level: Mapped[InstitutionLevel] = enum_column(InstitutionLevel)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18))  # 统一社会信用代码
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    community: Mapped[Community] = relationship(back_populates="institutions")
    parent: Mapped["Institution | None"] = relationship(remote_side=[id])

    @property
    def kind_title(self) -> str:
        return INSTITUTION_KIND_TITLES[self.kind]


class Department(Audited, InstitutionOwned, db.Model):
    """科室, classified for cost accounting."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("institution_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    cost_class: Mapped[CostClass] = enum_column(CostClass)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    institution: Mapped[Institution] = relationship()


# ---- master data shared by every module (Odoo keeps res.partner in base) ------------------------------


class Partner(Audited, db.Model):
    """往来单位: suppliers, insurers, member institutions (for 内部往来) and others."""

    __tablename__ = "partner"
    __table_args__ = (UniqueConstraint("community_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16), default="supplier")  # supplier, insurer, member, other
    uscc: Mapped[str | None] = mapped_column(String(18))
    member_institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))


class FundingSource(Audited, db.Model):
    """资金来源 (财政拨款 / 非财政拨款 / 专项 …), tagging money to its purpose."""

    __tablename__ = "funding_source"
    __table_args__ = (UniqueConstraint("community_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    fiscal: Mapped[bool] = mapped_column(Boolean, default=False)  # 财政拨款 funds close to 8101, others 8201


class Project(Audited, db.Model):
    """项目 (a capital or special-purpose project)."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("community_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))


class Employee(Audited, InstitutionOwned, db.Model):
    """职工: a ledger dimension; payroll extends the record (post, grade, pay)."""

    __tablename__ = "employee"
    __table_args__ = (UniqueConstraint("institution_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))


user_institution = Table(
    "user_institution",
    db.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("institution_id", ForeignKey("institution.id"), primary_key=True),
)


class User(Audited, db.Model):
    """A person who signs in. Scope: the listed institutions, or the whole community when none."""

    __tablename__ = "app_user"
    __audit_exclude__ = frozenset({"password_hash", "failed_logins", "last_login_at", "session_generation"})
    __audit_collections__ = ("institutions",)  # user_institution: the user's scope

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # part of the session cookie's user id: signing out bumps it, so a cookie captured before is dead
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    community: Mapped[Community] = relationship()
    institutions: Mapped[list[Institution]] = relationship(secondary=user_institution, order_by=Institution.code)

    def listed_institution_ids(self) -> set[int]:
        """The institutions listed for this user, read from ``user_institution`` itself (after autoflush) — never
        through ``institutions``, which a query under another user's scope may have loaded filtered: an empty
        list would read as the whole community."""
        session = object_session(self)
        if session is None or self.id is None:  # not saved yet: nothing was loaded through a scope
            return {inst.id for inst in self.institutions}
        return set(session.scalars(select(user_institution.c.institution_id)
                                   .where(user_institution.c.user_id == self.id)))

    @property
    def whole_community(self) -> bool:
        return not self.listed_institution_ids()

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_generation}"


class LoginThrottle(db.Model):
    """Failed sign-ins per source address in the current window (lock-out per address, beside the
    per-account one in ``app_user``); counted atomically by an upsert."""

    __tablename__ = "login_throttle"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class AuditEntry(db.Model):
    """One append-only, hash-chained audit record (审计日志), at position ``seq`` of its chain: its
    institution's, ``community`` for records of no one institution, ``all`` for the single chain of entries
    written before the chains were split (see :mod:`erp.core.audit`)."""

    __tablename__ = "audit_entry"
    __table_args__ = (UniqueConstraint("chain", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(64))
    institution_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    chain: Mapped[str] = mapped_column(String(16))  # last: the column was added by a later migration


class AuditHead(db.Model):
    """One audit chain's head (one row per chain): it serialises that chain's appends, and shows a deleted
    last entry."""

    __tablename__ = "audit_head"
    chain: Mapped[str] = mapped_column(String(16), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class SequenceCounter(db.Model):
    """Last number issued per (institution, document type, fiscal year, period); 0 = yearly series."""

    __tablename__ = "sequence_counter"
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True, default=0)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyRecord(db.Model):
    """The first response to a POST with an Idempotency-Key, returned again on a retry."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(128))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(256))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


JOB_STATE_TITLES = {"queued": "排队中", "running": "运行中", "done": "已完成", "failed": "失败"}


class Job(db.Model):
    """A background job (erp.core.jobs): who asked for it, its state and progress, its result file."""

    __tablename__ = "job"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    function: Mapped[str] = mapped_column(String(160))  # "package.module:function"
    arguments: Mapped[dict] = mapped_column(JSON)  # {"args": [...], "kwargs": {...}}
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    result_filename: Mapped[str | None] = mapped_column(String(255))
    result_mimetype: Mapped[str | None] = mapped_column(String(128))
    result_content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message: Mapped[str | None] = mapped_column(String(200))  # the last progress report: 已生成 1200 / 5000 份工资条

    @property
    def state_title(self) -> str:
        """The state as its user reads it (排队中, 运行中, 已完成, 失败)."""
        return JOB_STATE_TITLES[self.state]
