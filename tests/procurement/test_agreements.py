"""统一谈判: the agreement in force on a date, history kept (a new agreement supersedes, never rewrites)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from erp.core.errors import BusinessError, Conflict
from erp.core.extensions import db
from erp.procurement import services as procurement
from tests.factories import CatalogueItemFactory, SupplierFactory


def agree(item, supplier, price, start, end=None, **extra):
    return procurement.create_agreement(db.session, item, supplier, {
        "unit_price": price, "valid_from": start, "valid_to": end, "platform": "provincial", **extra})


def test_a_new_agreement_supersedes_from_its_start_and_the_old_price_answers_before(demo):
    item, supplier = CatalogueItemFactory(), SupplierFactory()
    first = agree(item, supplier, "18.6000", date(2026, 1, 1), date(2026, 12, 31), agreed_volume=1200)
    second = agree(item, supplier, "15.2350", date(2026, 7, 1), date(2027, 6, 30))
    assert first.superseded_by_id == second.id and second.superseded_by_id is None
    assert first.unit_price == Decimal("18.6000") and first.valid_to == date(2026, 12, 31)  # never rewritten
    assert procurement.agreement_in_force(db.session, item, supplier, date(2026, 6, 30)) is first
    assert procurement.agreement_in_force(db.session, item, supplier, date(2026, 7, 1)) is second
    assert procurement.agreement_in_force(db.session, item, supplier, date(2027, 6, 30)) is second
    assert procurement.agreement_in_force(db.session, item, supplier, date(2027, 7, 1)) is None
    assert procurement.agreement_in_force(db.session, item, supplier, date(2025, 12, 31)) is None
    assert procurement.agreement_history(db.session, item, supplier) == [first, second]


def test_without_a_supplier_the_vbp_then_cheapest_agreement_in_force_is_chosen(demo):
    item = CatalogueItemFactory()
    dear, cheap, vbp = SupplierFactory(), SupplierFactory(), SupplierFactory()
    agree(item, dear, "10.0000", date(2026, 1, 1))
    cheap_one = agree(item, cheap, "9.9999", date(2026, 1, 1))
    assert procurement.agreement_in_force(db.session, item, None, date(2026, 5, 1)) is cheap_one
    vbp_one = agree(item, vbp, "11.0000", date(2026, 6, 1), agreed_volume=500)
    assert procurement.agreement_in_force(db.session, item, None, date(2026, 5, 31)) is cheap_one
    assert procurement.agreement_in_force(db.session, item, None, date(2026, 6, 1)) is vbp_one
    assert len(procurement.agreements_in_force(db.session, item, date(2026, 6, 1))) == 3


def test_an_agreement_is_never_changed_or_deleted(demo):
    agreement = agree(CatalogueItemFactory(), SupplierFactory(), "3.1415", date(2026, 1, 1))
    agreement.unit_price = Decimal("3.0000")
    with pytest.raises(Conflict) as changed:
        db.session.flush()
    assert changed.value.code == "agreement_history"
    db.session.rollback()


@pytest.mark.parametrize("change, field, code", [
    ({"unit_price": "1.23456"}, "unit_price", "invalid_price"),   # 5 places: refused, never rounded
    ({"unit_price": "0"}, "unit_price", "invalid_price"),
    ({"unit_price": "-2.5"}, "unit_price", "invalid_price"),
    ({"valid_to": date(2025, 12, 31)}, "valid_to", "invalid_period"),
    ({"agreed_volume": 0}, "agreed_volume", "invalid"),
    ({"valid_from": date(2031, 1, 1), "valid_to": None}, "supplier", "licence_expired"),  # licence ends 2030-12-31
])
def test_bad_agreements_are_refused_naming_the_field(demo, change, field, code):
    data = {"unit_price": "12.5000", "valid_from": date(2026, 1, 1), "valid_to": date(2026, 12, 31),
            "platform": "shenzhen", **change}
    with pytest.raises(BusinessError) as refused:
        procurement.create_agreement(db.session, CatalogueItemFactory(), SupplierFactory(), data)
    assert (refused.value.code, list(refused.value.fields)) == (code, [field])


def test_a_price_has_exactly_four_places(demo):
    agreement = agree(CatalogueItemFactory(), SupplierFactory(), "0.0001", date(2026, 1, 1))
    db.session.expire(agreement)
    assert agreement.unit_price == Decimal("0.0001")
