"""Web UI plumbing shared by every module: sign-in state, scope, menu, permission checks."""
from __future__ import annotations

import re
from functools import wraps
from typing import Callable

from flask import abort, current_app, flash, g, has_request_context, redirect, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from erp.core.api_framework import API_PREFIX
from erp.core.errors import BusinessError
from erp.core.extensions import db, login_manager
from erp.core.models import Institution, User
from erp.core.registry import N_
from erp.core.request_input import bad_text_fields
from erp.core.security import ROLES, user_for_session
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

        wrapper.required_permission = permission  # read by may_open: a page links only where its user may go
        return wrapper

    return decorator


def shows(model: type, id_arg: str) -> Callable:
    """Web view decorator, under ``@requires``: the page shows the scoped ``model`` row whose id is the URL's
    ``id_arg`` (404 outside the user's institutions), so that :func:`may_open` links to it only within them."""

    def decorator(view: Callable) -> Callable:
        view.shown_record = (model, id_arg)  # copied onto @requires' wrapper by functools.wraps
        return view

    return decorator


def may_open(url: str | None) -> bool:
    """Whether the signed-in user may open the page at ``url`` (a same-site path): their role holds the page's
    permission and, for a page showing one record (``@shows``), the record is in their institutions. Pages link
    documents of other modules and institutions (a budget line's payroll runs, a voucher's source document: a
    transfer issued by the lead hospital's central pharmacy) that not everyone who sees the link may open."""
    if not url:
        return False
    try:
        endpoint, args = current_app.url_map.bind("").match(url.split("?", 1)[0], method="GET")
    except HTTPException:
        return False
    view = current_app.view_functions.get(endpoint)
    permission = getattr(view, "required_permission", None)
    if permission is not None and not can(permission):
        return False
    if (shown := getattr(view, "shown_record", None)) is None:
        return True
    model, id_arg = shown
    # the session's scope filters the query (erp.core.scoping): None when the record is another institution's
    return db.session.scalar(select(model.id).where(model.id == args[id_arg])) is not None


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
    app.add_template_filter(lambda message: in_locale(message) if message else "", "in_locale")

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
        # outside a request (a background job printing a PDF) there is no signed-in user and no layout
        if not has_request_context() or current_user is None or not current_user.is_authenticated:
            return {"can": can, "may_open": may_open, "get_locale": get_locale}
        menu = [(manifest, [entry for entry in entries if can(entry.permission)])
                for manifest, entries in current_app.extensions["erp"].registry.menu()]
        full_scope = db.session.info.get("full_scope")
        allowed = full_scope.institution_ids if full_scope else frozenset()
        switchable = []
        if len(allowed) > 1:
            switchable = db.session.scalars(select(Institution).where(Institution.id.in_(sorted(allowed)))
                                            .order_by(Institution.code).execution_options(skip_scope=True)).all()
        return {"can": can, "may_open": may_open, "get_locale": get_locale, "menu": [(m, e) for m, e in menu if e], "switchable": switchable,
                "active_institution_id": session.get(ACTIVE_INSTITUTION_KEY),
                "role_title": _(ROLES.get(current_user.role, current_user.role))}


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


ERROR_TITLES = {
    400: N_("请求无效"), 401: N_("请先登录"), 403: N_("无权访问"), 404: N_("页面不存在"),
    405: N_("不支持这种请求方式"), 409: N_("操作冲突"), 413: N_("上传的内容过大"), 422: N_("输入无效"),
    429: N_("请求过于频繁，请稍后再试"), 500: N_("系统内部错误"),
}
ERROR_HINTS = {
    403: N_("您的角色或单位范围不允许查看或办理此项。"),
    404: N_("您要找的页面或记录不存在，可能已被删除，或地址有误。"),
    500: N_("系统出了问题，已记录。请稍后再试，或联系系统管理员。"),
}
ENGLISH_DETAIL = re.compile(r"^(?P<zh>.*[\u4e00-\u9fff].*?)\s*\((?P<en>[^()\u4e00-\u9fff]+)\)\s*$", re.S)


def in_locale(message: str) -> str:
    """A ``"中文 (english detail)"`` message as the user reads it: the Chinese part in the Chinese UI, the
    English detail in the English one; other messages as they are."""
    match = ENGLISH_DETAIL.match(message)
    if match is None:
        return message
    return match.group("en") if str(get_locale()) == "en" else match.group("zh")


def error_page(status: int, message: str | None = None):
    """The web UI's error page, in the app's layout (with the menu when signed in), in the user's language."""
    title = _(ERROR_TITLES.get(status, ERROR_TITLES[500 if status >= 500 else 400]))
    hint = in_locale(message) if message else _(ERROR_HINTS[status]) if status in ERROR_HINTS else ""
    return render_template("error.html", title=title, hint=hint, status=status), status
