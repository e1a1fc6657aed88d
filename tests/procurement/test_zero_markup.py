"""零差率: drugs and consumables sell at cost, 中药饮片 up to the cap (25%, inclusive); the price follows the
cost; per minimum unit exactly proportional; on PostgreSQL raw SQL cannot break it either."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from erp.core.extensions import db
from erp.core.models import AuditEntry
from erp.procurement import services as procurement
from erp.procurement.models import SellingPrice
from tests.factories import CatalogueItemFactory, PriceAgreementFactory
from tests.procurement.conftest import institution


def test_a_herbal_price_may_carry_up_to_25_percent_inclusive(demo):
    herbal = CatalogueItemFactory(herbal=True, generic_name="黄芪")
    centre = institution("QH002")
    procurement.record_cost(db.session, centre, herbal, Decimal("80.0000"))
    row = procurement.set_selling_price(db.session, centre, herbal, "100.0000")  # exactly 25%
    assert (row.cost_price, row.price) == (Decimal("80.0000"), Decimal("100.0000"))
    with pytest.raises(procurement.ZeroMarkup) as refused:
        procurement.set_selling_price(db.session, centre, herbal, "100.0001")
    error = refused.value
    assert (error.code, error.status, list(error.fields)) == ("zero_markup", 422, ["selling_price"])
    for named in (herbal.code, "80.0000", "100.0001", "0.25", "25.00%"):
        assert named in error.message
    assert procurement.selling_price_row(db.session, centre, herbal).price == Decimal("100.0000")
    db.session.commit()  # the audit entries are chained at commit
    logged = db.session.scalars(select(AuditEntry).where(AuditEntry.model == "SellingPrice",
                                                         AuditEntry.record_id == str(row.id)).order_by(AuditEntry.seq))
    assert [(e.action, (e.after or {}).get("price")) for e in logged] == [("create", "80.0000"),
                                                                          ("update", "100.0000")]


def test_a_drug_or_consumable_price_cannot_be_set_it_follows_cost(demo):
    centre = institution("QH001")
    for item in (CatalogueItemFactory(), CatalogueItemFactory(consumable=True)):
        procurement.record_cost(db.session, centre, item, Decimal("12.3456"))
        for price in ("12.3456", "12.3457", "12.0000"):
            with pytest.raises(procurement.ZeroMarkup) as refused:
                procurement.set_selling_price(db.session, centre, item, price)
            assert refused.value.code == "zero_markup" and "12.3456" in refused.value.message
        row = procurement.record_cost(db.session, centre, item, Decimal("11.9800"))
        assert (row.cost_price, row.price) == (Decimal("11.9800"), Decimal("11.9800"))


def test_a_herbal_price_follows_its_cost_at_the_same_ratio_never_above_the_cap(demo):
    herbal = CatalogueItemFactory(herbal=True)
    member = institution("QH101")
    procurement.record_cost(db.session, member, herbal, Decimal("30.0000"))
    procurement.set_selling_price(db.session, member, herbal, "36.0000")  # 20%
    row = procurement.record_cost(db.session, member, herbal, Decimal("33.3333"))
    assert (row.cost_price, row.price) == (Decimal("33.3333"), Decimal("39.9999"))  # 39.99996 rounded down
    # a batch at another cost sells at that ratio too; at the full cap the rounding goes down, not over
    assert procurement.dispensing_price(db.session, herbal, Decimal("10.0000"), row) == Decimal("11.9999")
    drug = CatalogueItemFactory()
    assert procurement.dispensing_price(db.session, drug, Decimal("7.7777"), row) == Decimal("7.7777")


def test_the_herbal_price_needs_a_cost_the_agreement_in_force_serves_before_any_receipt(demo):
    agreement = PriceAgreementFactory(item=CatalogueItemFactory(herbal=True), unit_price=Decimal("40.0000"),
                                      valid_from=date(2026, 1, 1), valid_to=None)
    member = institution("QH102")
    row = procurement.set_selling_price(db.session, member, agreement.item, "50.0000", on_date=date(2026, 5, 1))
    assert (row.cost_price, row.price) == (Decimal("40.0000"), Decimal("50.0000"))
    with pytest.raises(procurement.NoCost):
        procurement.set_selling_price(db.session, member, CatalogueItemFactory(herbal=True), "1.0000")


def test_the_cap_is_the_communitys_parameter(demo):
    settings = procurement.settings_for(db.session, demo.id)
    assert settings.herbal_markup_cap == Decimal("0.2500") and settings.id is not None  # install data
    settings.herbal_markup_cap = Decimal("0.1500")
    herbal, member = CatalogueItemFactory(herbal=True), institution("QH103")
    procurement.record_cost(db.session, member, herbal, Decimal("20.0000"))
    procurement.set_selling_price(db.session, member, herbal, "23.0000")
    with pytest.raises(procurement.ZeroMarkup):
        procurement.set_selling_price(db.session, member, herbal, "23.0001")


@pytest.mark.parametrize("package_price, units, quantity, amount", [
    ("10.0000", 3, 1, "3.33"), ("10.0000", 3, 2, "6.67"), ("10.0000", 3, 3, "10.00"),
    ("12.3456", 24, 7, "3.60"), ("0.0500", 100, 1, "0.00"), ("0.0500", 100, 10, "0.01"),
    ("1288.0000", 1, 2, "2576.00"), ("36.0000", 1000, 15, "0.54"),
])
def test_the_minimum_unit_amount_is_exactly_proportional_rounded_once(package_price, units, quantity, amount):
    assert procurement.line_amount(Decimal(package_price), quantity, units) == Decimal(amount)


@pytest.mark.postgres
def test_raw_sql_cannot_write_a_marked_up_price(demo):
    drug, herbal = CatalogueItemFactory(), CatalogueItemFactory(herbal=True)
    member = institution("QH104")
    procurement.record_cost(db.session, member, drug, Decimal("5.0000"))
    procurement.record_cost(db.session, member, herbal, Decimal("8.0000"))
    db.session.flush()
    update = text("UPDATE selling_price SET price = :units WHERE institution_id = :member AND item_id = :item")
    for item, units in ((drug, 5_000_100), (drug, 4_999_900), (herbal, 10_000_100)):  # UnitPrice stores 6 places
        with pytest.raises(DBAPIError, match="zero_markup"):
            with db.session.begin_nested():
                db.session.execute(update, {"units": units, "member": member.id, "item": item.id})
    insert = text("INSERT INTO selling_price (institution_id, item_id, cost_price, price, updated_at) "
                  "VALUES (:member, :item, 1000000, 1000100, now())")
    with pytest.raises(DBAPIError, match="zero_markup"):
        with db.session.begin_nested():
            db.session.execute(insert, {"member": institution("QH105").id, "item": drug.id})
    # at the cap exactly (8 × 1.25 = 10) the herbal row is accepted
    with db.session.begin_nested():
        db.session.execute(update, {"units": 10_000_000, "member": member.id, "item": herbal.id})
    db.session.expire_all()
    assert db.session.get(SellingPrice, procurement.selling_price_row(db.session, member, herbal).id).price \
        == Decimal("10.0000")
