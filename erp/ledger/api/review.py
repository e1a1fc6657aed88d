"""Ledger JSON API: 审核, 取消审核, 出纳签字, the batches of the list page and the community's workflow settings."""
from __future__ import annotations

from flask import Blueprint, g

from erp.core.api_framework import API_PREFIX, api_route
from erp.core.extensions import db
from erp.ledger.schemas.vouchers import SelectionIn, SelectionOut, SettingsIn, SettingsOut, VoucherOut
from erp.ledger.services import review, selection
from erp.ledger.services.posting import voucher_in_scope

bp = Blueprint("ledger_review_api", __name__, url_prefix=API_PREFIX)


@api_route(bp, "/vouchers/<int:voucher_id>/review", "POST", permission="ledger.voucher.review",
           summary="审核: a draft becomes reviewed (the reviewer is not the preparer)", response=VoucherOut)
def review_voucher(voucher_id):
    return review.review(db.session, g.user, voucher_in_scope(db.session, voucher_id))


@api_route(bp, "/vouchers/<int:voucher_id>/unreview", "POST", permission="ledger.voucher.review",
           summary="取消审核: a reviewed voucher not yet posted becomes a draft again", response=VoucherOut)
def unreview_voucher(voucher_id):
    return review.unreview(db.session, g.user, voucher_in_scope(db.session, voucher_id))


@api_route(bp, "/vouchers/<int:voucher_id>/cashier-sign", "POST", permission="ledger.voucher.cashier",
           summary="出纳签字 on a voucher touching cash or bank, before posting", response=VoucherOut)
def sign_voucher(voucher_id):
    return review.sign_as_cashier(db.session, g.user, voucher_in_scope(db.session, voucher_id))


@api_route(bp, "/vouchers/batch-review", "POST", permission="ledger.voucher.review",
           summary="批量审核 of the selected drafts (all or none)", body=SelectionIn, response=SelectionOut)
def review_selected(body):
    return {"vouchers": selection.review_many(db.session, g.user, body["ids"])}


@api_route(bp, "/vouchers/batch-post", "POST", permission="ledger.voucher.post",
           summary="批量记账 of the selected reviewed vouchers (all or none)", body=SelectionIn, response=SelectionOut)
def post_selected(body):
    return {"vouchers": selection.post_many_selected(db.session, g.user, body["ids"])}


@api_route(bp, "/ledger-settings", permission="ledger.voucher.read",
           summary="The community's 审核/记账 settings", response=SettingsOut)
def show_settings():
    return review.settings_for(db.session, g.user.community_id)


@api_route(bp, "/ledger-settings", "PUT", permission="ledger.settings.write",
           summary="Change the community's 审核/记账 settings (a whole-community user)", body=SettingsIn,
           response=SettingsOut)
def update_settings(body):
    return review.update_settings(db.session, g.user, body)
