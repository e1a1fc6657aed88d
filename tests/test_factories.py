"""The test data factories make what the application would: through its services, in the test's session."""
from __future__ import annotations

from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Employee, InstitutionKind, Partner
from erp.ledger.models import FiscalYear, VoucherState
from tests.factories import (USER_PASSWORD, CommunityFactory, DepartmentFactory, EmployeeFactory,
                             FundingSourceFactory, InstitutionFactory, PartnerFactory, ProjectFactory, UserFactory,
                             VoucherFactory)


def test_core_factories_make_members_with_their_books_and_users_who_sign_in(demo, api):
    township = InstitutionFactory(code="QH120", name="新建镇卫生院")
    clinic = InstitutionFactory(kind=InstitutionKind.VILLAGE_CLINIC, parent=township)
    assert clinic.parent_id == township.id and clinic.community_id == demo.id
    assert db.session.scalar(select(FiscalYear).where(FiscalYear.institution_id == township.id)) is not None
    assert db.session.scalar(select(Partner).where(Partner.member_institution_id == township.id)) is not None
    department, employee = DepartmentFactory(institution=township), EmployeeFactory(institution=township)
    assert department.institution_id == employee.institution_id == township.id
    assert db.session.get(Employee, employee.id).name.startswith("职工")
    for record in (PartnerFactory(), FundingSourceFactory(fiscal=True), ProjectFactory()):
        assert record.id and record.community_id == demo.id

    UserFactory(username="town_clerk", role="clerk", institutions=[township])
    db.session.commit()
    seen = api("town_clerk", USER_PASSWORD).get("/api/v1/institutions?per_page=100").json
    assert [item["code"] for item in seen["items"]] == ["QH120", clinic.code]


def test_a_community_comes_with_its_install_data(demo):
    other = CommunityFactory()
    assert other.id != demo.id and other.code.startswith("T")
    assert InstitutionFactory(community=other).community_id == other.id


def test_vouchers_are_entered_and_posted_through_the_ledger(books):
    draft = VoucherFactory()
    assert draft.state is VoucherState.DRAFT and draft.number is None and draft.preparer.username == "finance"
    posted = VoucherFactory(institution="QH001", lines=[("1001", "12.34"), ("4101010101", "0", "12.34")],
                            posted=True)
    assert posted.state is VoucherState.POSTED and posted.number.startswith("记-")
    assert posted.poster.username == "chief"
    assert sum(line.debit for line in posted.lines if not line.generated) == posted.lines[0].debit
