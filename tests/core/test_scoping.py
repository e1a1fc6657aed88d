"""Every user sees and changes only the institutions in their scope — enforced centrally."""
from __future__ import annotations

import pytest
from sqlalchemy import event, exists, func, select, union_all
from sqlalchemy.orm import aliased, joinedload, selectinload

from erp.core.extensions import db
from erp.core.models import Community, Department, Institution, User
from erp.core.scoping import OutOfScope
from erp.core.session_context import activate_user
from tests.factories import USER_PASSWORD, DepartmentFactory, UserFactory


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def test_township_accountant_sees_own_centre_and_its_village_clinics(demo, api):
    response = api("accountant").get("/api/v1/institutions?per_page=100")
    assert response.status_code == 200
    codes = [item["code"] for item in response.json["items"]]
    assert codes == ["QH101", "QH101-01", "QH101-02", "QH101-03"]
    assert response.json["total"] == 4


def test_whole_community_user_sees_all_32_members(demo, api):
    body = api("finance").get("/api/v1/institutions?per_page=100").json
    assert body["total"] == 32
    kinds = [item["kind"] for item in body["items"]]
    assert kinds.count("township_centre") == 8 and kinds.count("village_clinic") == 20
    assert kinds.count("community_centre") == 2 and kinds.count("lead_hospital") == 1


def test_out_of_scope_record_is_not_found_not_leaked(demo, api):
    client = api("accountant")
    assert client.get("/api/v1/institutions/QH101").status_code == 200
    response = client.get("/api/v1/institutions/QH001")
    assert response.status_code == 404
    assert response.json["error"]["fields"] == {"institution": ["没有成员单位 QH001 (no institution with code 'QH001' in your scope)"]}


def test_department_list_filtered_by_scope_including_counts(demo, api):
    body = api("pharmacy").get("/api/v1/departments?per_page=5").json
    assert body["total"] == 12  # the lead hospital's departments only
    assert {item["institution"] for item in body["items"]} == {"QH001"}


def test_query_criteria_apply_to_joins_and_relationships(demo):
    activate_user(db.session, _user("clerk"))
    # a join from an unscoped angle still cannot reach other institutions' departments
    rows = db.session.scalars(select(Department).join(Department.institution).where(Institution.code == "QH001")).all()
    assert rows == []
    clerk_departments = db.session.scalars(select(Department)).all()
    assert {d.institution.code for d in clerk_departments} == {"QH102", "QH102-01", "QH102-02", "QH102-03"}
    assert len(clerk_departments) == 6 + 3  # the township centre (6) and its three village clinics (1 each)
    counted = db.session.scalar(select(func.count(Department.id)))
    assert counted == 9


def test_writing_to_an_institution_out_of_scope_is_refused(demo):
    lead = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    activate_user(db.session, _user("accountant"))
    with pytest.raises(OutOfScope):
        DepartmentFactory(institution=lead, code="X", name="越权科室")
    db.session.rollback()


def test_moving_a_record_out_of_scope_is_refused(demo):
    lead = db.session.scalar(select(Institution).where(Institution.code == "QH001"))
    activate_user(db.session, _user("accountant"))
    own = db.session.scalars(select(Department)).first()
    own.institution_id = lead.id
    with pytest.raises(OutOfScope):
        db.session.flush()
    db.session.rollback()


def test_auditor_is_read_only_everywhere(demo):
    activate_user(db.session, _user("auditor"))
    department = db.session.scalars(select(Department)).first()
    department.name = "改名"
    with pytest.raises(OutOfScope, match="read-only"):
        db.session.flush()
    db.session.rollback()


def test_api_write_out_of_scope_is_403(demo, api):
    # finance may write departments, but only where the scope allows: give it a narrow user
    UserFactory(username="finance_town", role="finance", institutions=["QH103"])
    db.session.commit()
    client = api("finance_town", USER_PASSWORD)
    ok = client.post("/api/v1/departments", json={"institution": "QH103", "code": "41", "name": "康复科",
                                                  "cost_class": "clinical"})
    assert ok.status_code == 201, ok.json
    refused = client.post("/api/v1/departments", json={"institution": "QH001", "code": "41", "name": "康复科",
                                                       "cost_class": "clinical"})
    assert refused.status_code == 403, refused.json  # a write into another institution
    assert "error" in refused.json
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Department).where(Department.code == "41")) == 1


# Criteria reach every way a statement can read a scoped table (each is added only where the statement needs it).
# The clerk sees 柳林镇卫生院 QH102 and its three village clinics: 4 of the 32 members, 9 departments.
CLERK_INSTITUTIONS = {"QH102", "QH102-01", "QH102-02", "QH102-03"}


def _as_clerk() -> None:
    activate_user(db.session, _user("clerk"))


def test_join_to_a_scoped_table_from_an_unscoped_one(demo):
    links_in_scope = select(func.count(User.id)).join(User.institutions).where(Institution.code.in_(CLERK_INSTITUTIONS))
    expected_links = db.session.scalar(links_in_scope)
    _as_clerk()
    # the statement names only community's table: the scoped one comes in through the join
    assert db.session.scalar(select(func.count(Community.id)).join(Community.institutions)) == 4
    assert db.session.scalar(select(func.count(Community.id)).join(Institution, Community.institutions)) == 4
    assert db.session.scalar(select(func.count(Community.id))
                             .join(Institution, Institution.community_id == Community.id)) == 4
    # a many-to-many through the user_institution link table
    assert db.session.scalar(select(func.count(User.id)).join(User.institutions)) == expected_links


def test_aliased_scoped_entity(demo):
    _as_clerk()
    department = aliased(Department)
    assert db.session.scalar(select(func.count(department.id))) == 9
    member = aliased(Institution, name="member")
    codes = db.session.scalars(select(Community.code).join(Community.institutions.of_type(member))).all()
    assert len(codes) == 4
    parent = aliased(Institution)
    pairs = db.session.execute(select(Institution.code, parent.code).join(parent, Institution.parent)).all()
    assert {child for child, _ in pairs} == CLERK_INSTITUTIONS - {"QH102"}  # QH102's parent is out of scope
    assert {up for _, up in pairs} == {"QH102"}
    in_subquery = select(department.institution_id).where(department.code != "").scalar_subquery()
    assert db.session.scalar(select(func.count(Community.id)).where(Community.id.in_(
        select(Institution.community_id).where(Institution.id.in_(in_subquery))))) == 1


def test_subqueries_exists_and_ctes_over_a_scoped_table(demo):
    _as_clerk()
    departments = select(func.count(Department.id)).scalar_subquery()
    assert db.session.execute(select(Community.code, departments)).one()[1] == 9
    lead_exists = exists().where(Institution.code == "QH001")
    assert db.session.scalars(select(Community.code).where(lead_exists)).all() == []
    assert len(db.session.scalars(select(Community.code).where(exists().where(Institution.code == "QH102"))).all()) == 1
    through_relationship = select(Community.code).where(Community.institutions.any(Institution.code == "QH001"))
    assert db.session.scalars(through_relationship).all() == []
    lead_community = select(Institution.community_id).where(Institution.code == "QH001")
    assert db.session.scalar(select(func.count(Community.id)).where(Community.id.in_(lead_community))) == 0
    ids = select(Department.id).cte()
    assert db.session.scalar(select(func.count()).select_from(ids)) == 9


def test_columns_only_selects(demo):
    expected_sum = db.session.scalar(select(func.sum(Department.id)).join(Department.institution)
                                     .where(Institution.code.in_(CLERK_INSTITUTIONS)))
    _as_clerk()
    assert set(db.session.scalars(select(Institution.code)).all()) == CLERK_INSTITUTIONS
    assert db.session.scalar(select(func.sum(Department.id))) == expected_sum
    assert db.session.scalar(select(func.count()).select_from(Department)) == 9


def test_joinedload_of_a_scoped_relationship(demo):
    _as_clerk()
    # Community is not scoped: Institution enters the statement only through the option
    community = db.session.scalars(select(Community).options(joinedload(Community.institutions))
                                   .execution_options(populate_existing=True)).unique().one()
    assert {i.code for i in community.institutions} == CLERK_INSTITUTIONS
    departments = db.session.scalars(select(Department).options(joinedload(Department.institution)
                                                                .joinedload(Institution.community))).all()
    assert len(departments) == 9


def test_lazy_load_of_a_scoped_relationship(demo):
    _as_clerk()
    community = db.session.scalar(select(Community))
    db.session.expire(community, ["institutions"])
    assert {i.code for i in community.institutions} == CLERK_INSTITUTIONS


def test_selectinload_of_a_scoped_relationship(demo):
    _as_clerk()
    community = db.session.scalars(select(Community).options(selectinload(Community.institutions))
                                   .execution_options(populate_existing=True)).one()
    assert {i.code for i in community.institutions} == CLERK_INSTITUTIONS


def test_union_of_scoped_selects(demo):
    _as_clerk()
    codes = union_all(select(Institution.code), select(Department.code))
    assert len(db.session.execute(codes).all()) == 4 + 9
    assert db.session.scalar(select(func.count()).select_from(codes.subquery())) == 4 + 9


def test_one_compiled_statement_serves_every_scope(demo):
    """The allowed ids are a bound parameter: SQLAlchemy's compiled cache is not split by user."""
    accountant, clerk = _user("accountant"), _user("clerk")
    compiled = []

    def note(conn, cursor, statement, parameters, context, executemany):
        compiled.append(context.compiled)

    query = select(Department).join(Department.institution).where(Institution.active.is_(True))
    seen = {}
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        for user in (accountant, clerk):
            activate_user(db.session, user)
            compiled.clear()
            seen[user.username] = ({d.institution_id for d in db.session.scalars(query)}, compiled[-1])
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    (accountant_rows, first), (clerk_rows, second) = seen["accountant"], seen["clerk"]
    assert accountant_rows and clerk_rows and not accountant_rows & clerk_rows
    assert first is second


def test_a_users_scope_comes_from_their_listing_not_from_a_load_filtered_by_another_scope(demo):
    """The clerk's row loaded under the accountant's scope carries its criteria: the clerk's ``institutions``
    would load filtered (QH102 is outside QH101's scope) and come back empty — which must not read as the whole
    community."""
    activate_user(db.session, _user("accountant"))
    clerk = db.session.scalars(select(User).where(User.username == "clerk",
                                                  exists().where(Institution.code == "QH101"))).one()
    activate_user(db.session, clerk)
    scope = db.session.info["scope"]
    assert not scope.whole_community and not clerk.whole_community
    assert {db.session.get(Institution, i).code for i in scope.institution_ids} == {
        "QH102", "QH102-01", "QH102-02", "QH102-03"}
