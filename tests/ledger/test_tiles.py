"""The ledger's home-page tiles: vouchers to review and to post, months to close — counted within the user's
institutions, linking to the lists they count."""
from __future__ import annotations

from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Institution, User
from erp.core.security import scope_for
from erp.core.timeutil import local_today
from erp.ledger.services.review import review
from tests.factories import USER_PASSWORD, UserFactory, VoucherFactory
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

    # every month before this one is still open in the demo: the township officer has those of QH101 and its
    # village clinics, the community officer every member's
    months_over = local_today().month - 1
    members = len(db.session.scalars(select(Institution.id)).all())
    assert len(scope_for(db.session, _user("town_finance")).institution_ids) == 4
    assert town["months_to_close"]["value"] == months_over * 4
    assert community["months_to_close"]["value"] == months_over * members


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
