"""统一用药目录 pages: the searchable list (with Excel export)."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from erp.core.extensions import db
from erp.core.listview import Column, Filter, ListView
from erp.procurement import services as procurement
from erp.procurement.models import CATEGORY_LABELS, FLAG_LABELS, CatalogueItem
from erp.procurement.views import bp
from erp.core.web import requires


def _flags(item: CatalogueItem) -> str:
    return "、".join(_(FLAG_LABELS[flag]) for flag in item.flags)


@bp.get("/catalogue")
@requires("procurement.catalogue.read")
def catalogue():
    # the filters are applied by the service's query (the same one the API answers with)
    query = {key: request.args.get(key, "").strip() for key in ("q", "category", "flag", "institution")}
    statement = procurement.item_query(db.session, current_user.community_id, query).order_by(None)
    keep = lambda stmt, value: stmt  # noqa: E731  (already applied above)
    view = ListView(
        title=_("统一用药目录"),
        statement=statement,
        columns=[
            Column("code", _("医保编码"), sort=CatalogueItem.code),
            Column("generic_name", _("通用名"), sort=CatalogueItem.generic_name),
            Column("trade_name", _("商品名")),
            Column("category", _("类别"), value=lambda i: _(CATEGORY_LABELS[i.category])),
            Column("specification", _("规格")),
            Column("package_unit", _("包装"), value=lambda i: f"{i.units_per_package}{i.min_unit}/{i.package_unit}"),
            Column("manufacturer", _("生产企业")),
            Column("flags", _("标识"), value=_flags),
            Column("active", _("状态"), value=lambda i: _("启用") if i.active else _("停用")),
        ],
        filters=[
            Filter("q", _("编码或名称"), keep),
            Filter("category", _("类别"), keep, tuple((k.value, _(v)) for k, v in CATEGORY_LABELS.items())),
            Filter("flag", _("标识"), keep, tuple((k, _(v)) for k, v in FLAG_LABELS.items())),
        ],
        default_sort="code",
    )
    return view.render()
