"""Web UI plumbing shared by every module: sign-in state, scope, menu, permission checks."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, current_app, flash, g, has_request_context, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from erp.core.api_framework import API_PREFIX
from erp.core.errors import BusinessError
from erp.core.extensions import db, login_manager
from erp.core.models import Institution, User
from erp.core.request_input import bad_text_fields
from erp.core.security import user_for_session
from erp.core.session_context import activate_user

ACTIVE_INSTITUTION_KEY = "active_institution_id"


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    return user_for_session(db.session, session_id)


def can(permission: str) -> bool:
    if current_user is None or not current_user.is_authenticated:
        return False
    return current_app.extensions["erp"].permissions.allows(current_user.role, permission)


def requires(permission: str) -> Callable:
    """Web view decorator: signed in, and the role holds the permission."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


# No inline script (pages declare behaviour with data attributes, static/erp.js), no framing, no plugins.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
                           "frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` when configured so, and whenever the request came over HTTPS (behind
    a proxy: with ``ERP_PROXY_HOPS`` set, from its X-Forwarded-Proto)."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)


def register_web_hooks(app) -> None:
    app.session_interface = SessionInterface()

    @app.after_request
    def _security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.before_request
    def _activate_web_user():
        if request.path.startswith(API_PREFIX) or request.endpoint == "static":
            return
        fields = (request.view_args or {}, *({key: value} for key, value in request.args.items(multi=True)),
                  *({key: value} for key, value in request.form.items(multi=True)))
        if any(bad_text_fields(data) for data in fields):
            abort(400, _("输入含有不允许的字符"))
        if current_user.is_authenticated:
            g.user = current_user._get_current_object()
            g.scope = activate_user(db.session, g.user, session.get(ACTIVE_INSTITUTION_KEY))

    @app.context_processor
    def _layout_context():
        if current_user is None or not current_user.is_authenticated:
            return {"can": can, "get_locale": get_locale}
        menu = [(manifest, [entry for entry in entries if can(entry.permission)])
                for manifest, entries in current_app.extensions["erp"].registry.menu()]
        full_scope = db.session.info.get("full_scope")
        allowed = full_scope.institution_ids if full_scope else frozenset()
        switchable = []
        if len(allowed) > 1:
            switchable = db.session.scalars(select(Institution).where(Institution.id.in_(sorted(allowed)))
                                            .order_by(Institution.code).execution_options(skip_scope=True)).all()
        return {"can": can, "get_locale": get_locale, "menu": [(m, e) for m, e in menu if e], "switchable": switchable,
                "active_institution_id": session.get(ACTIVE_INSTITUTION_KEY)}


def submit_form(form, done_url: str, action: Callable[[], object]):
    """Run a service for a valid submitted form as one transaction; a refusal shows at the fields it names."""
    if not form.validate_on_submit():
        return None
    try:
        action()
        db.session.commit()
    except BusinessError as exc:
        db.session.rollback()
        for name, messages in exc.fields.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = list(field.errors) + messages
        if not any(getattr(form, name, None) is not None for name in exc.fields):
            flash(exc.message, "error")
        return None
    flash(_("已保存"), "success")
    return redirect(done_url)
