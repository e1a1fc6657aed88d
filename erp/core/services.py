"""Organisation rules: communities, institutions, departments and users."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc as uscc_number
from stdnum.exceptions import ValidationError as StdnumError

from erp.core import signals
from erp.core.errors import BusinessError, NotFound
from erp.core.models import (Community, CostClass, Department, Institution, InstitutionKind,
                             InstitutionLevel, User)
from erp.core.registry import import_object
from erp.core.scoping import admit_new_institution, current_scope
from erp.core.security import ROLES, hash_password

# The level each kind of institution sits at (县/乡/村).
KIND_LEVEL = {
    InstitutionKind.LEAD_HOSPITAL: InstitutionLevel.COUNTY,
    InstitutionKind.COUNTY_HOSPITAL: InstitutionLevel.COUNTY,
    InstitutionKind.PUBLIC_HEALTH: InstitutionLevel.COUNTY,
    InstitutionKind.TOWNSHIP_CENTRE: InstitutionLevel.TOWNSHIP,
    InstitutionKind.COMMUNITY_CENTRE: InstitutionLevel.TOWNSHIP,
    InstitutionKind.VILLAGE_CLINIC: InstitutionLevel.VILLAGE,
}
# 乡村一体化: a village clinic is managed through its township (or community) centre.
VILLAGE_PARENT_KINDS = {InstitutionKind.TOWNSHIP_CENTRE, InstitutionKind.COMMUNITY_CENTRE}


def validate_uscc(value: str | None) -> str | None:
    """统一社会信用代码: 18 characters with a check character (GB 32100-2015)."""
    if not value:
        return None
    try:
        return uscc_number.validate(value)
    except StdnumError as exc:
        raise BusinessError.for_field("uscc", f"统一社会信用代码无效 (invalid USCC): {exc}") from exc


def create_community(session: Session, *, code: str, name: str) -> Community:
    """A new, empty 医共体 with every enabled module's install data (chart, 平行记账 mapping …)."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise BusinessError.for_field("code" if not code else "name", "医共体编码和名称不能为空 (required)")
    if session.scalar(select(Community.id).where(Community.code == code)):
        raise BusinessError.for_field("code", f"医共体 {code} 已存在 (community code {code!r} already exists)",
                                      "duplicate")
    community = Community(code=code, name=name)
    session.add(community)
    session.flush()
    install_data(session, community)
    return community


def install_data(session: Session, community: Community) -> None:
    """Run each enabled module's install data (manifest ``data_loader``) in dependency order; idempotent."""
    for manifest in current_app.extensions["erp"].registry:
        if manifest.data_loader:
            import_object(manifest.data_loader)(session, community)
    session.flush()


def institution_by_code(session: Session, community_id: int, code: str, *, write: bool = False) -> Institution:
    """The institution named in a request. Reading another institution's records answers 404 (as if it did
    not exist); writing into one that exists outside the user's scope answers 403."""
    statement = select(Institution).where(Institution.community_id == community_id, Institution.code == code)
    found = session.scalar(statement.execution_options(skip_scope=write))
    if found is None:
        raise NotFound.for_field("institution", f"没有成员单位 {code} (no institution with code {code!r} in your scope)")
    if write and (scope := current_scope(session)) is not None:
        scope.require(found.id)
    return found


def create_institution(session: Session, community: Community, *, code: str, name: str,
                       kind: InstitutionKind, parent_code: str | None = None, uscc: str | None = None,
                       active: bool = True) -> Institution:
    if session.scalar(select(Institution.id).where(Institution.community_id == community.id,
                                                   Institution.code == code)):
        raise BusinessError.for_field("code", f"institution code {code!r} already exists", "duplicate")
    parent = institution_by_code(session, community.id, parent_code) if parent_code else None
    if kind is InstitutionKind.VILLAGE_CLINIC:
        if parent is None or parent.kind not in VILLAGE_PARENT_KINDS:
            raise BusinessError.for_field("parent", "村卫生室必须隶属于乡镇卫生院或社区卫生服务中心 "
                                                    "(a village clinic needs a township or community centre parent)")
    elif parent is not None:
        raise BusinessError.for_field("parent", "only village clinics have a parent institution")
    if kind is InstitutionKind.LEAD_HOSPITAL and session.scalar(
            select(Institution.id).where(Institution.community_id == community.id,
                                         Institution.kind == InstitutionKind.LEAD_HOSPITAL)):
        raise BusinessError.for_field("kind", "the community already has a lead hospital (牵头医院)")
    institution = Institution(community_id=community.id, code=code, name=name, kind=kind,
                              level=KIND_LEVEL[kind], parent=parent, uscc=validate_uscc(uscc), active=active)
    session.add(institution)
    session.flush()
    admit_new_institution(session, institution)
    # Modules set the new member up in this same transaction (the ledger opens its year).
    signals.send(signals.institution_created, session=session, institution=institution)
    return institution


def create_department(session: Session, institution: Institution, *, code: str, name: str,
                      cost_class: CostClass) -> Department:
    if session.scalar(select(Department.id).where(Department.institution_id == institution.id,
                                                  Department.code == code)):
        raise BusinessError.for_field("code", f"department code {code!r} already exists in {institution.name}",
                                      "duplicate")
    department = Department(institution_id=institution.id, code=code, name=name, cost_class=cost_class)
    session.add(department)
    session.flush()
    return department


def create_user(session: Session, community: Community, *, username: str, password: str, role: str,
                institution_codes: list[str] = (), display_name: str = "") -> User:
    if role not in ROLES:
        raise BusinessError.for_field("role", f"unknown role {role!r}; one of: {', '.join(ROLES)}")
    if len(password) < 8:
        raise BusinessError.for_field("password", "password must have at least 8 characters")
    if session.scalar(select(User.id).where(User.username == username)):
        raise BusinessError.for_field("username", f"user {username!r} already exists", "duplicate")
    institutions = [institution_by_code(session, community.id, code) for code in institution_codes]
    user = User(community_id=community.id, username=username, display_name=display_name or username,
                password_hash=hash_password(password), role=role, institutions=institutions)
    session.add(user)
    session.flush()
    return user
