"""Catalogue items and formularies in and out of the API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from erp.core.api_framework import PageQuery
from erp.core.schemas import code_text
from erp.procurement.models import FLAGS, ItemCategory, ItemKind
from erp.procurement.services import TEXT_FIELDS

CATEGORIES = [c.value for c in ItemCategory]


def _text(width: int, required: bool = False, **kwargs):
    return fields.String(required=required, validate=validate.Length(max=width), **kwargs)


class ItemIn(Schema):
    """A new item (``POST /catalogue/items``); ``PUT``/``PATCH`` take the same fields (code and category, if
    given, must be the item's)."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=32),
                         metadata={"description": "national 医保 code: 西药 X+22, 中成药 Z+19, 耗材 C+26 digits, 饮片 T+9"})
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    generic_name = _text(TEXT_FIELDS["generic_name"], True)
    trade_name = _text(TEXT_FIELDS["trade_name"])
    dosage_form = _text(TEXT_FIELDS["dosage_form"])
    specification = _text(TEXT_FIELDS["specification"])
    package_unit = _text(TEXT_FIELDS["package_unit"], True)
    min_unit = _text(TEXT_FIELDS["min_unit"], True)
    units_per_package = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    manufacturer = _text(TEXT_FIELDS["manufacturer"])
    approval_number = _text(TEXT_FIELDS["approval_number"])
    flags = fields.List(fields.String(validate=validate.OneOf(FLAGS)), load_default=list,
                        validate=validate.Length(max=len(FLAGS)))
    active = fields.Boolean(load_default=True)


class ItemPatch(ItemIn):
    """The same fields, each optional (PATCH changes only those given)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ItemOut(Schema):
    id = fields.Integer()
    code = fields.String()
    category = fields.Function(lambda i: i.category.value)
    kind = fields.Function(lambda i: i.kind.value)
    generic_name = fields.String()
    trade_name = fields.String()
    dosage_form = fields.String()
    specification = fields.String()
    package_unit = fields.String()
    min_unit = fields.String()
    units_per_package = fields.Integer()
    manufacturer = fields.String()
    approval_number = fields.String()
    flags = fields.List(fields.String())
    active = fields.Boolean()
    code_warning = fields.String(metadata={"description": "set when the code fits only the loose national form"})


class ItemQuery(PageQuery):
    q = fields.String(validate=validate.Length(max=64), metadata={"description": "code prefix or name contains"})
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    kind = fields.String(validate=validate.OneOf([k.value for k in ItemKind]))
    flag = fields.String(validate=validate.OneOf(FLAGS))
    active = fields.Boolean()
    institution = fields.String(metadata={"description": "only items in this member's formulary"})


class FormularyIn(Schema):
    institution = fields.String(required=True, validate=code_text)
    item = fields.String(required=True, validate=validate.Length(min=1, max=32))
    active = fields.Boolean(load_default=True)
    min_stock = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=10_000_000))


class FormularyOut(Schema):
    id = fields.Integer()
    institution = fields.Function(lambda f: f.institution.code)
    item = fields.Function(lambda f: f.item.code)
    generic_name = fields.Function(lambda f: f.item.generic_name)
    active = fields.Boolean()
    min_stock = fields.Integer(allow_none=True)


class FormularyQuery(PageQuery):
    institution = fields.String(required=True)
    active = fields.Boolean()
