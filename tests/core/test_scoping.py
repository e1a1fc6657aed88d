"""Every user sees and changes only the institutions in their scope — enforced centrally."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from erp.core.extensions import db
from erp.core.models import Department, Institution, User
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
