"""The application factory."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from flask import Flask, has_request_context, session

from erp.core.config import INSTANCE_DIR, REPO_ROOT, Config
from erp.core.extensions import babel, csrf, db, login_manager, migrate
from erp.core.registry import ModuleRegistry, import_object
from erp.core.security import Permissions
from erp.core.signals import connect_hooks


@dataclass(frozen=True)
class ErpState:
    """What the app knows about its modules (``app.extensions['erp']``)."""

    registry: ModuleRegistry
    permissions: Permissions


def select_locale() -> str:
    """Chinese unless the user switched to English (a browser's language preference does not decide); Chinese
    outside a request too (the CLI, a job, the auditors' log described in a shell)."""
    return (session.get("locale") if has_request_context() else None) or "zh_CN"


def create_app(config: type | Mapping[str, Any] | None = None) -> Flask:
    app = Flask("erp", template_folder=str(REPO_ROOT / "templates"), static_folder=str(REPO_ROOT / "static"),
                instance_path=str(INSTANCE_DIR))
    app.config.from_object(Config)
    if isinstance(config, Mapping):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    if hops := app.config["PROXY_HOPS"]:  # the client's address (lock-out) and scheme (Secure cookie)
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        INSTANCE_DIR.mkdir(exist_ok=True)

    from erp.core.request_input import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route: every <int:…> is bounded
    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "core.login"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(REPO_ROOT / "translations"))

    registry = ModuleRegistry(app.config["ERP_MODULES"])
    app.extensions["erp"] = ErpState(registry, Permissions(registry.permissions()))
    for manifest in registry:
        for models in manifest.models:
            import_object(models)
        for path in manifest.blueprints:
            app.register_blueprint(import_object(path))
        for path in manifest.api_blueprints:
            blueprint = import_object(path)
            csrf.exempt(blueprint)  # bearer tokens, never cookies: CSRF cannot apply
            app.register_blueprint(blueprint)
        for path in manifest.cli_commands:
            app.cli.add_command(import_object(path))
        connect_hooks(app, manifest.hooks, import_object)

    from erp.core import audit, schema_migrations  # noqa: F401  (register the audit listeners, the branches)
    from erp.core.api_framework import register_error_handlers
    from erp.core.request_input import ExactJSONProvider
    from erp.core.web import error_page, register_web_hooks

    app.json = ExactJSONProvider(app)
    register_error_handlers(app, web_error=error_page)
    register_web_hooks(app)
    return app
