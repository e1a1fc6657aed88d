"""The ledger's home-page tiles: vouchers to review and to post, months to close — counted within the user's
institutions, linking to the lists they count."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import InstitutionKind, User
from erp.core.security import scope_for
from erp.core.timeutil import local_today
from erp.ledger.services import tiles as tile_providers
from erp.ledger.services.periods import close_period
from erp.ledger.services.review import review
from tests.factories import USER_PASSWORD, CommunityFactory, InstitutionFactory, UserFactory, VoucherFactory
from tests.home import tiles


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def test_a_township_finance_officer_counts_only_their_centre_the_community_officer_counts_all(demo, web):
    # QH101: three drafts (one of them reviewed); QH102: two drafts; all prepared by the accountant
    drafts = {code: [VoucherFactory(institution=code, preparer="accountant", lines=(
        ("1001", amount), ("4101010101", "0", amount))) for amount in ("1234.56", "88.00", "20.10")[:count]]
        for code, count in (("QH101", 3), ("QH102", 2))}
    review(db.session, _user("chief"), drafts["QH101"][0])
    UserFactory(username="town_finance", role="finance", institutions=["QH101"])
    db.session.commit()

    town = tiles(web("town_finance", USER_PASSWORD).get("/").get_data(as_text=True))
    assert town["drafts_to_review"]["value"] == 2 and town["reviewed_to_post"]["value"] == 1
    assert town["drafts_to_review"]["href"] == "/ledger/vouchers?state=draft"
    assert town["reviewed_to_post"]["href"] == "/ledger/vouchers?state=reviewed"
    community = tiles(web("finance").get("/").get_data(as_text=True))
    assert community["drafts_to_review"]["value"] == 4 and community["reviewed_to_post"]["value"] == 1

    # every month before this one is still open in the demo: the township officer has those of QH101 (not of
    # its three village clinics, which keep no books), the community officer those of the 12 members keeping
    # books (lead and county hospital, 8 township and 2 community centres; not the 20 village clinics)
    months_over = local_today().month - 1
    assert len(scope_for(db.session, _user("town_finance")).institution_ids) == 4
    assert town["months_to_close"]["value"] == months_over
    assert community["months_to_close"]["value"] == months_over * 12


def test_the_preparer_is_not_asked_to_review_their_own_drafts(demo, web):
    VoucherFactory(institution="QH101", preparer="chief")
    VoucherFactory(institution="QH101", preparer="finance")
    db.session.commit()
    assert tiles(web("chief").get("/").get_data(as_text=True))["drafts_to_review"]["value"] == 1
    assert tiles(web("finance").get("/").get_data(as_text=True))["drafts_to_review"]["value"] == 1


def test_the_tiles_follow_the_permissions(demo, web):
    # the township accountant enters vouchers but neither reviews nor posts nor closes months
    shown = tiles(web("accountant").get("/").get_data(as_text=True))
    assert not {"drafts_to_review", "reviewed_to_post", "months_to_close"} & set(shown)
    assert {"drafts_to_review", "reviewed_to_post", "months_to_close"} <= set(
        tiles(web("chief").get("/").get_data(as_text=True)))


def test_months_to_close_are_those_of_the_centre_keeping_books_not_of_its_village_clinic(demo, web, monkeypatch):
    """A new community: the 河口 township centre keeps books, its village clinic (a 报账 unit) keeps none."""
    year = local_today().year  # the members' years are opened for this year; the tile is read on 10 July
    monkeypatch.setattr(tile_providers, "local_today", lambda: date(year, 7, 10))
    community = CommunityFactory(code="HK", name="河口县紧密型县域医疗卫生共同体")
    centre = InstitutionFactory(community=community, code="HK101", name="河口镇卫生院")
    clinic = InstitutionFactory(community=community, code="HK101-01", name="东庄村卫生室",
                                kind=InstitutionKind.VILLAGE_CLINIC, parent=centre)
    InstitutionFactory(community=community, code="HK102", name="沙河镇卫生院")
    officer = UserFactory(community=community, username="hk_finance", role="finance")
    chief = UserFactory(community=community, username="hk_chief", role="chief_accountant")
    UserFactory(community=community, username="hk_town", role="finance", institutions=[centre])
    close_period(db.session, centre, year, 1, chief)  # January of the centre is closed
    db.session.commit()

    def months(username: str) -> dict:
        return tiles(web(username, USER_PASSWORD).get("/").get_data(as_text=True))["months_to_close"]

    # January to June are over: HK101 has five of them open, HK102 six, the clinic's twelve open months count
    # for nothing; the township officer (HK101 and its clinic in scope) sees only HK101's five
    assert months("hk_finance") == {"value": 11, "href": f"/ledger/periods?year={year}&institution=",
                                    "details": []}
    assert months("hk_town")["value"] == 5

    # a clinic with a voucher of its own (here a draft) keeps books after all: its six months are waiting too
    VoucherFactory(institution="HK101-01", preparer=officer, date=date(year, 3, 15),
                   lines=(("1002", "1000.00"), ("4001", "0", "1000.00")))
    db.session.commit()
    assert months("hk_finance")["value"] == 17 and months("hk_town")["value"] == 11
    assert clinic.id in scope_for(db.session, _user("hk_town")).institution_ids
