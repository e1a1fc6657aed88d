"""factory-boy factories for test data, one clearly separated section per module (to ease merging).

Every factory writes through ``db.session`` (flushed, never committed: the test's transaction rolls back)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from erp.core.extensions import db
from erp.core.models import Community, Partner


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


def demo_community() -> Community:
    from erp.core.demo import DEMO_COMMUNITY
    return db.session.scalar(select(Community).where(Community.code == DEMO_COMMUNITY[0]))


# ============================================================================================ procurement
# (helper "procurement": catalogue, suppliers, agreements, prices)

from erp.procurement.models import (CatalogueItem, ItemCategory, ItemKind, Platform,  # noqa: E402
                                    PriceAgreement, Supplier, SupplierRole)
from stdnum.cn import uscc as uscc_number  # noqa: E402


def supplier_uscc(serial: int) -> str:
    """A valid 统一社会信用代码 of a company (登记管理部门 9, 企业 1)."""
    body = f"91440101{serial:09d}"
    return body + uscc_number.calc_check_digit(body)


class CatalogueItemFactory(BaseFactory):
    """A 西药 by default: ``XA01ABD075A002010100483``-shaped codes, one serial per item."""

    class Meta:
        model = CatalogueItem

    community_id = factory.LazyFunction(lambda: demo_community().id)
    code = factory.Sequence(lambda n: f"XA01ABD{n % 1000:03d}A002010{n:06d}")
    category = ItemCategory.DRUG
    kind = ItemKind.WESTERN_DRUG
    generic_name = factory.Sequence(lambda n: f"测试药品{n}")
    trade_name = ""
    dosage_form = "片剂"
    specification = "0.25g"
    package_unit = "盒"
    min_unit = "片"
    units_per_package = 24
    manufacturer = "测试药业有限公司"
    approval_number = "国药准字H00000000"
    code_warning = ""
    active = True

    class Params:
        herbal = factory.Trait(category=ItemCategory.HERBAL, kind=ItemKind.HERBAL, package_unit="kg",
                               min_unit="g", units_per_package=1000, dosage_form="饮片",
                               code=factory.Sequence(lambda n: f"T{n:09d}"))
        consumable = factory.Trait(category=ItemCategory.CONSUMABLE, kind=ItemKind.CONSUMABLE, package_unit="盒",
                                   min_unit="支", units_per_package=10, dosage_form="",
                                   code=factory.Sequence(lambda n: f"C150111212000001076{n:08d}"))


class PartnerFactory(BaseFactory):
    class Meta:
        model = Partner

    community_id = factory.LazyFunction(lambda: demo_community().id)
    code = factory.Sequence(lambda n: f"TS{n:04d}")
    name = factory.Sequence(lambda n: f"测试医药有限公司{n}")
    kind = "supplier"
    uscc = factory.Sequence(lambda n: supplier_uscc(n + 900))


class SupplierFactory(BaseFactory):
    class Meta:
        model = Supplier

    partner = factory.SubFactory(PartnerFactory)
    community_id = factory.SelfAttribute("partner.community_id")
    role = SupplierRole.DISTRIBUTOR
    licence_number = factory.Sequence(lambda n: f"粤AA{n:07d}")
    licence_expires = date(2030, 12, 31)
    bank_name = "中国工商银行清河支行"
    bank_account = factory.Sequence(lambda n: f"6222{n:015d}")
    active = True


class PriceAgreementFactory(BaseFactory):
    class Meta:
        model = PriceAgreement

    item = factory.SubFactory(CatalogueItemFactory)
    supplier = factory.SubFactory(SupplierFactory)
    community_id = factory.SelfAttribute("item.community_id")
    unit_price = Decimal("12.3400")
    valid_from = date(2026, 1, 1)
    valid_to = date(2026, 12, 31)
    platform = Platform.PROVINCIAL
    platform_code = factory.Sequence(lambda n: f"GD{n:08d}")
    agreed_volume = None

# ======================================================================================== end procurement
