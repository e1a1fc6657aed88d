"""Test data factories (factory_boy) on the tests' SQLAlchemy session (``db.session``, whichever the running
test uses: the demo's snapshot connection or the run's database), flushed, never committed.

Records that a service creates (a community with its install data, an institution with its books and member
partner, a user with a password hash and scope) go through that service, so that a factory makes what the
application would. Without a ``community`` the factories use the demo community when the test loaded it,
else the only community, else a new one.

One section per module, each under its own header (``# ==== <module> ====``); a module's factories live in
its section only (append a new section at the end of the file).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import select

from erp.core import services
from erp.core.demo import DEMO_COMMUNITY
from erp.core.extensions import db
from erp.core.models import (Community, CostClass, Department, Employee, FundingSource, Institution,
                             InstitutionKind, Partner, Project, User)
from erp.core.timeutil import local_today
from erp.ledger.models import Voucher
from erp.ledger.services import LineInput, VoucherInput
from erp.ledger.services.posting import Ledger
from erp.ledger.services.review import review


class Factory(SQLAlchemyModelFactory):
    """Every factory's base: the test's session, flushed on create (ids are there, nothing committed)."""

    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731  (the session of the running test)
        sqlalchemy_session_persistence = "flush"


# ==================================================================================================== core


def default_community() -> Community:
    """The demo community, else the only one, else a new one."""
    communities = db.session.scalars(select(Community).order_by(Community.id)).all()
    demo = [c for c in communities if c.code == DEMO_COMMUNITY[0]]
    if demo or len(communities) == 1:
        return (demo or communities)[0]
    return CommunityFactory()


def institution_by_code(code: str) -> Institution:
    return db.session.scalar(select(Institution).where(Institution.code == code))


class CommunityFactory(Factory):
    """A 医共体 with every module's install data (chart, 平行记账 mapping, posting templates …)."""

    class Meta:
        model = Community

    code = factory.Sequence(lambda n: f"T{n:02d}")
    name = factory.LazyAttribute(lambda o: f"测试{o.code}县紧密型县域医疗卫生共同体")

    @classmethod
    def _save(cls, model_class, session, args, kwargs):
        return services.create_community(session, code=kwargs["code"], name=kwargs["name"])


class InstitutionFactory(Factory):
    """A member (its current year opened and its member partner added by the modules, as in the app).
    ``parent`` is an Institution or a code; a village clinic needs one."""

    class Meta:
        model = Institution

    community = factory.LazyFunction(default_community)
    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.LazyAttribute(lambda o: f"测试{o.code}卫生院")
    kind = InstitutionKind.TOWNSHIP_CENTRE
    parent = None
    uscc = None

    @classmethod
    def _save(cls, model_class, session, args, kwargs):
        parent = kwargs.pop("parent")
        return services.create_institution(session, kwargs.pop("community"),
                                           parent_code=parent.code if isinstance(parent, Institution) else parent,
                                           **kwargs)


class DepartmentFactory(Factory):
    class Meta:
        model = Department

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"{n % 90 + 10:02d}")
    name = factory.Sequence(lambda n: f"测试科室{n}")
    cost_class = CostClass.CLINICAL

    @classmethod
    def _save(cls, model_class, session, args, kwargs):
        return services.create_department(session, kwargs.pop("institution"), **kwargs)


class PartnerFactory(Factory):
    """往来单位: a supplier unless told (kinds: supplier, insurer, member, other)."""

    class Meta:
        model = Partner

    community_id = factory.LazyFunction(lambda: default_community().id)
    code = factory.Sequence(lambda n: f"TS{n:03d}")
    name = factory.Sequence(lambda n: f"测试医药有限公司{n}")
    kind = "supplier"


class FundingSourceFactory(Factory):
    """资金来源: non-fiscal unless ``fiscal=True`` (财政拨款)."""

    class Meta:
        model = FundingSource

    community_id = factory.LazyFunction(lambda: default_community().id)
    code = factory.Sequence(lambda n: f"TF{n:02d}")
    name = factory.Sequence(lambda n: f"测试资金{n}")
    fiscal = False


class ProjectFactory(Factory):
    class Meta:
        model = Project

    community_id = factory.LazyFunction(lambda: default_community().id)
    code = factory.Sequence(lambda n: f"TP{n:03d}")
    name = factory.Sequence(lambda n: f"测试项目{n}")


class EmployeeFactory(Factory):
    class Meta:
        model = Employee

    class Params:
        institution = factory.SubFactory(InstitutionFactory)

    institution_id = factory.SelfAttribute("institution.id")
    code = factory.Sequence(lambda n: f"E{n:04d}")
    name = factory.Sequence(lambda n: f"职工{n}")


USER_PASSWORD = "yigong-test-1"


class UserFactory(Factory):
    """A user through ``create_user``: ``institutions`` (Institution objects or codes) limit the scope; none =
    the whole community. The password is ``USER_PASSWORD`` unless given."""

    class Meta:
        model = User

    community = factory.LazyFunction(default_community)
    username = factory.Sequence(lambda n: f"user{n}")
    password = USER_PASSWORD
    role = "finance"
    institutions = ()
    display_name = factory.LazyAttribute(lambda o: f"测试用户 {o.username}")

    @classmethod
    def _save(cls, model_class, session, args, kwargs):
        codes = [i.code if isinstance(i, Institution) else i for i in kwargs.pop("institutions")]
        return services.create_user(session, kwargs.pop("community"), institution_codes=codes, **kwargs)


# ================================================================================================== ledger


def voucher_line(account: str, debit="0", credit="0", dimensions: dict | None = None) -> LineInput:
    """A line from ``(account, debit, credit[, {"department": "01", ...}])``, as the tests write them."""
    return LineInput(account=account, debit=Decimal(debit), credit=Decimal(credit), **(dimensions or {}))


class VoucherFactory(Factory):
    """A voucher entered through the ledger as ``preparer`` (a draft), posted by ``poster`` with
    ``posted=True``. ``lines`` are ``(account, debit, credit[, dimensions])`` tuples; ``institution`` a code.
    The default: 100.00 of cash takings at QH101 on 15 March of this year."""

    class Meta:
        model = Voucher

    institution = "QH101"
    date = factory.LazyFunction(lambda: date(local_today().year, 3, 15))
    memo = factory.Sequence(lambda n: f"测试凭证{n}")
    lines = (("1001", "100.00"), ("4101010101", "0", "100.00"))
    preparer = "finance"
    posted = False
    poster = "chief"

    @classmethod
    def _save(cls, model_class, session, args, kwargs):
        def user(name):
            return session.scalar(select(User).where(User.username == name)) if isinstance(name, str) else name

        posted, poster = kwargs.pop("posted"), kwargs.pop("poster")
        preparer = user(kwargs.pop("preparer"))
        data = VoucherInput(lines=[voucher_line(*spec) for spec in kwargs.pop("lines")], **kwargs)
        voucher = Ledger(session, preparer).create_draft(data)
        if posted:  # 审核 then 记账, both by the poster (never the preparer)
            review(session, user(poster), voucher)
            voucher = Ledger(session, user(poster)).post(voucher)
        session.flush()
        return voucher


# ============================================================================================ procurement
# (helper "procurement": catalogue, suppliers, agreements, prices)

from erp.procurement.models import (CatalogueItem, ItemCategory, ItemKind, Platform,  # noqa: E402
                                    PriceAgreement, Supplier, SupplierRole)
from stdnum.cn import uscc as uscc_number  # noqa: E402


def supplier_uscc(serial: int) -> str:
    """A valid 统一社会信用代码 of a company (登记管理部门 9, 企业 1)."""
    body = f"91440101{serial:09d}"
    return body + uscc_number.calc_check_digit(body)


class CatalogueItemFactory(Factory):
    """A 西药 by default: ``XA01ABD075A002010100483``-shaped codes, one serial per item."""

    class Meta:
        model = CatalogueItem

    community_id = factory.LazyFunction(lambda: default_community().id)
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


class SupplierPartnerFactory(PartnerFactory):
    """A supplier's core partner record, with a valid 统一社会信用代码."""

    code = factory.Sequence(lambda n: f"TP{n:04d}")
    uscc = factory.Sequence(lambda n: supplier_uscc(n + 900))


class SupplierFactory(Factory):
    class Meta:
        model = Supplier

    partner = factory.SubFactory(SupplierPartnerFactory)
    community_id = factory.SelfAttribute("partner.community_id")
    role = SupplierRole.DISTRIBUTOR
    licence_number = factory.Sequence(lambda n: f"粤AA{n:07d}")
    licence_expires = date(2030, 12, 31)
    bank_name = "中国工商银行清河支行"
    bank_account = factory.Sequence(lambda n: f"6222{n:015d}")
    active = True


class PriceAgreementFactory(Factory):
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
