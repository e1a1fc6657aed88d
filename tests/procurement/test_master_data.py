"""Catalogue, formularies and suppliers: creation rules, the ordering check and the licence check."""
from __future__ import annotations

from datetime import date

import pytest

from erp.core.errors import BusinessError, NotFound
from erp.core.extensions import db
from erp.procurement import services as procurement
from erp.procurement.models import ItemCategory, ItemKind, SupplierRole
from tests.factories import CatalogueItemFactory, SupplierFactory, supplier_uscc
from tests.procurement.conftest import institution

AMOXICILLIN = {"code": "XJ01CAA040E001010101605", "category": "drug", "generic_name": "阿莫西林胶囊",
               "dosage_form": "胶囊剂", "specification": "0.25g", "package_unit": "盒", "min_unit": "粒",
               "units_per_package": 24, "manufacturer": "华北制药股份有限公司", "flags": ["vbp", "essential", "insurance_a"]}


def test_an_item_is_created_by_code_with_its_kind_flags_and_warning(demo):
    item = procurement.create_item(db.session, demo.id, {**AMOXICILLIN, "code": "xj01caa040e001010101605"})
    assert (item.code, item.category, item.kind, item.posting_qualifier) == (
        "XJ01CAA040E001010101605", ItemCategory.DRUG, ItemKind.WESTERN_DRUG, "western_drug")
    assert item.flags == ["vbp", "essential", "insurance_a"] and item.units_per_package == 24
    assert item.code_warning == "" and not item.may_mark_up
    assert procurement.item_by_code(db.session, demo.id, "XJ01CAA040E001010101605") is item
    with pytest.raises(BusinessError) as duplicate:
        procurement.create_item(db.session, demo.id, AMOXICILLIN)
    assert duplicate.value.code == "duplicate"
    herbal = procurement.create_item(db.session, demo.id, {"code": "T001700001", "category": "herbal",
                                                           "generic_name": "黄芪", "package_unit": "kg",
                                                           "min_unit": "g", "units_per_package": 1000})
    assert herbal.may_mark_up and herbal.posting_qualifier == "herbal"


@pytest.mark.parametrize("change, field, code", [
    ({"flags": ["insurance_a", "insurance_b"]}, "flags", "insurance_class"),
    ({"flags": ["cheap"]}, "flags", "unknown_flag"),
    ({"units_per_package": 0}, "units_per_package", "invalid"),
    ({"generic_name": " "}, "generic_name", "required"),
    ({"category": "herbal"}, "category", "category_mismatch"),
    ({"code": "XJ01CAA040E00101010160"}, "code", "invalid_code"),
])
def test_bad_items_are_refused_naming_the_field(demo, change, field, code):
    with pytest.raises(BusinessError) as refused:
        procurement.create_item(db.session, demo.id, {**AMOXICILLIN, **change})
    assert (refused.value.code, list(refused.value.fields)) == (code, [field])


def test_an_update_keeps_the_code_and_category(demo):
    item = procurement.create_item(db.session, demo.id, AMOXICILLIN)
    procurement.update_item(db.session, item, {"specification": "0.5g", "flags": ["vbp"], "active": False})
    assert (item.specification, item.flags, item.active) == ("0.5g", ["vbp"], False)
    with pytest.raises(BusinessError) as refused:
        procurement.update_item(db.session, item, {"code": "XJ01CAA040E001010101606"})
    assert refused.value.code == "immutable"


def test_a_member_orders_only_active_items_of_its_formulary(demo):
    township = institution("QH101")
    item = CatalogueItemFactory()
    with pytest.raises(procurement.NotOrderable) as refused:
        procurement.check_orderable(db.session, township, item)
    assert refused.value.code == "not_in_formulary" and refused.value.status == 422
    procurement.set_formulary(db.session, township, item, min_stock=5)
    assert procurement.check_orderable(db.session, township, item.code) is item
    # another member's formulary does not count
    with pytest.raises(procurement.NotOrderable):
        procurement.check_orderable(db.session, institution("QH102"), item)
    item.active = False
    with pytest.raises(procurement.NotOrderable) as inactive:
        procurement.check_orderable(db.session, township, item)
    assert inactive.value.code == "item_inactive"
    item.active = True
    procurement.set_formulary(db.session, township, item, active=False)
    with pytest.raises(procurement.NotOrderable):
        procurement.check_orderable(db.session, township, item)
    with pytest.raises(NotFound) as unknown:
        procurement.check_orderable(db.session, township, "XA01ABD075A002010100483")
    assert unknown.value.code == "unknown_item" and unknown.value.status == 404


def test_a_supplier_is_a_core_partner_with_a_valid_uscc(demo):
    data = {"code": "GYSZ01", "name": "国药控股清河有限公司", "uscc": supplier_uscc(1), "role": "distributor",
            "licence_number": "冀AA3110001", "licence_expires": date(2028, 6, 30),
            "bank_name": "中国银行清河支行", "bank_account": "1002 0030 0000 1234"}
    supplier = procurement.create_supplier(db.session, demo.id, data)
    assert (supplier.code, supplier.name, supplier.uscc, supplier.partner.kind, supplier.role) == (
        "GYSZ01", "国药控股清河有限公司", supplier_uscc(1), "supplier", SupplierRole.DISTRIBUTOR)
    assert procurement.supplier_by_code(db.session, demo.id, "GYSZ01") is supplier
    with pytest.raises(BusinessError) as bad:
        procurement.create_supplier(db.session, demo.id, {**data, "code": "GYSZ02", "uscc": supplier_uscc(2)[:-1] + "0"})
    assert list(bad.value.fields) == ["uscc"]
    with pytest.raises(BusinessError) as twice:
        procurement.create_supplier(db.session, demo.id, data)
    assert twice.value.code == "duplicate"


def test_an_expired_licence_is_refused_from_the_day_after_expiry(demo):
    supplier = SupplierFactory(licence_expires=date(2026, 3, 31))
    assert procurement.check_supplier_licence(supplier, date(2026, 3, 31)) is supplier
    with pytest.raises(procurement.LicenceExpired) as refused:
        procurement.check_supplier_licence(supplier, date(2026, 4, 1))
    assert (refused.value.code, refused.value.status, list(refused.value.fields)) == (
        "licence_expired", 422, ["supplier"])
    assert "2026-03-31" in refused.value.message
    supplier.active = False
    with pytest.raises(procurement.LicenceExpired) as inactive:
        procurement.check_supplier_licence(supplier, date(2026, 1, 1))
    assert inactive.value.code == "supplier_inactive"
