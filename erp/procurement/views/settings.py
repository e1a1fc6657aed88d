"""采购参数 page: the community's 零差率 cap and the other procurement parameters (chief accountant)."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from erp.core.extensions import db
from erp.core.security import may_change_community_settings
from erp.core.web import requires, submit_form
from erp.procurement import services as procurement
from erp.procurement.views import bp
from erp.procurement.views.forms import SettingsForm

RATIOS = procurement.RATIO_FIELDS
NUMBERS = ("near_expiry_months", "payment_term_days")


@bp.route("/settings", methods=["GET", "POST"])
@requires("procurement.settings.write")
def settings():
    if not may_change_community_settings(current_user):
        abort(403)
    current = procurement.settings_for(db.session, current_user.community_id)
    form = SettingsForm()
    if request.method == "GET":
        for name in RATIOS:
            getattr(form, name).data = format(getattr(current, name).normalize(), "f")
        for name in NUMBERS:
            getattr(form, name).data = getattr(current, name)
    done = submit_form(form, url_for("procurement.settings"), lambda: procurement.update_settings(
        db.session, current_user.community_id, {name: getattr(form, name).data.strip() for name in RATIOS}
        | {name: getattr(form, name).data for name in NUMBERS}))
    return done or render_template("form.html", form=form, title=_("采购参数（零差率与付款）"),
                                   cancel=url_for("procurement.catalogue"))
