"""The application factory. Wiring only: configuration, extensions, blueprints, hooks."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFError
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.middleware.proxy_fix import ProxyFix

from config import settings

ROOT = Path(__file__).resolve().parent.parent
DEV_IDP_CLIENTS = {"dev-staff": "staff", "dev-public": "public"}


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    name = config_name or os.environ.get("RESOLVE_ENV", "development")
    cfg = settings.load(name)
    cfg.update(overrides or {})
    if cfg["DEV_IDP_ENABLED"]:
        cfg["OIDC_PROVIDERS"] = _dev_idp_providers(cfg) + list(cfg["OIDC_PROVIDERS"])

    app = Flask(__name__, static_folder=str(ROOT / "static"), template_folder=str(ROOT / "templates"),
                instance_path=cfg["INSTANCE_PATH"])
    app.config.update(cfg)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(ROOT / "templates")),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                      "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf")}),
    ])
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks as one line each, as babel.cfg extracts

    # First of all the before-request hooks (CSRF's reads the form): what a request may carry at all.
    from app.web import security

    app.before_request(security.refuse_crafted_input)
    _init_extensions(app)
    _register_blueprints(app)
    from app.jobs.registry import load as load_jobs

    load_jobs()  # the domains' jobs, and with them every model
    _register_hooks(app)
    if cfg["DEV_IDP_ENABLED"]:
        _mount_dev_idp(app)
    if hops := int(os.environ.get("TRUSTED_PROXY_HOPS", "0")):
        # Outermost, so that the development provider mounted beside the portal sees the host the portal sees.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if cfg["RUN_SCHEDULER_IN_WEB"]:
        from app.jobs import scheduler

        scheduler.start_in_background(app)
    logging.basicConfig(level=logging.INFO)
    from app.web import redact

    redact.install()
    return app


def _dev_idp_providers(cfg) -> list[settings.OIDCProvider]:
    from app.demo import IDENTITY

    # The public client asks for and requires One Login's medium level, as the public's real provider does.
    one_login = {"auth_params": {"vtr": '["Cl.Cm"]'}, "required_vot": "Cl.Cm"}
    return [settings.OIDCProvider(
        name=name, label=f"Development sign-in ({kind})", issuer=cfg["DEV_IDP_ISSUER"],
        client_id=f"resolve-{kind}", client_secret=f"dev-{kind}-secret", kind=kind, identity=IDENTITY,
        **(one_login if kind == "public" else {}),
    ) for name, kind in DEV_IDP_CLIENTS.items()]


def _init_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from app import i18n
    from app.auth import providers, throttle
    from app.auth.models import User
    from app.auth.sessions import ServerSessionInterface
    from app.cases import pack_reader
    from app.extensions import babel, compress, csrf, db, login_manager, migrate
    from app.web import assets, statements

    db.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    csrf.init_app(app)
    compress.init_app(app)  # HTML, CSS and JavaScript in zstd, Brotli or gzip, as the browser accepts
    WTFormsHelpers(app)
    app.session_interface = ServerSessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None
    login_manager.session_protection = None  # sessions are server-side and rotated at sign-in

    @login_manager.user_loader
    def load_user(public_id: str):
        import uuid

        from flask import session
        from sqlalchemy import select
        from sqlalchemy.orm import joinedload

        try:
            key = uuid.UUID(public_id)
        except ValueError:
            return None
        # One statement: the user with their memberships (each with its organisation and team).
        user = db.session.scalars(select(User).where(User.public_id == key, User.active)
                                  .options(joinedload(User.memberships))).unique().one_or_none()
        # The session row must belong to this user: a session can never be re-pointed at someone else.
        if user is None or getattr(session, "user_pk", None) != user.id:
            return None
        return user

    providers.init_app(app)
    throttle.init_app(app)
    statements.init_app(app)
    assets.init_app(app)
    # Legal parameters: a malformed rule pack stops start-up here, naming the file, field and problem.
    app.extensions["rule_packs"] = pack_reader.load_all()
    # The operational files in config/ are read once and checked here too, not by the first page that needs them.
    from app.cases import needs
    from app.organisations import categories
    from app.referrals import outcomes
    from app.victims import support

    for name, load in (("needs.yaml", needs.config), ("services.yaml", categories.config),
                       ("attendance.yaml", outcomes.outcomes), ("victim_support.yaml", support.check)):
        try:
            load()
        except (OSError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise settings.ConfigError(f"config/{name} is not valid: {type(exc).__name__} {exc}") from None


def _register_blueprints(app: Flask) -> None:
    from app import cli
    from app.auth.invitation_routes import bp as invitations_bp
    from app.auth.routes import bp as auth_bp
    from app.cases import (  # noqa: F401  (more routes on the cases blueprint, and own_request_routes on "my")
        after_issue,
        close_routes,
        own_request_routes,
        remove_routes,
    )
    from app.cases.own_routes import bp as my_bp
    from app.cases.routes import bp as cases_bp
    from app.compliance import routes as compliance_routes  # noqa: F401  (after issue, on the cases blueprint)
    from app.compliance import variation_routes  # noqa: F401  (varied conditions, on the cases blueprint)
    from app.notifications.routes import bp as notifications_bp
    from app.organisations.routes import bp as organisations_bp
    from app.organisations.staff_routes import bp as staff_bp  # registers the staff invitations' redeemer
    from app.people.calendar_routes import bp as calendar_bp
    from app.referrals.rearrange_routes import bp as rearrange_bp
    from app.referrals.routes import bp as referrals_bp
    from app.victims.routes import bp as victims_bp
    from app.web.routes import bp as web_bp

    for bp in (web_bp, auth_bp, invitations_bp, cases_bp, my_bp, organisations_bp, staff_bp, referrals_bp,
               notifications_bp, calendar_bp, victims_bp, rearrange_bp):
        app.register_blueprint(bp)
    cli.register(app)


def _register_hooks(app: Flask) -> None:
    from flask_babel import get_locale
    from flask_login import current_user
    from flask_wtf.csrf import generate_csrf

    from app import access, errors, i18n
    from app.audit import views
    from app.timeline import wording
    from app.web import commit, filters, htmx, security
    from app.web import errors as web_errors

    filters.register(app)
    wording.register(app)
    # after_request functions run last-registered first: the check that a page of personal data wrote its view
    # row, the commit, then the htmx and security headers on whatever response the commit leaves.
    app.after_request(security.set_headers)
    app.after_request(htmx.after_request)
    app.after_request(commit.after_request)
    app.after_request(views.after_request)
    app.register_error_handler(CSRFError, web_errors.handle_http)
    app.register_error_handler(HTTPException, web_errors.handle_http)
    app.register_error_handler(Exception, web_errors.handle_unexpected)
    errors.register(app)  # the domain's errors: a 422 or 409 page (or fragment) with the reasons in words

    @app.context_processor
    def template_globals():
        return {"csp_nonce": security.nonce, "csrf_token": generate_csrf, "access": access,
                "current_user": current_user, "service_name": app.config["SERVICE_NAME"],
                "current_locale": lambda: str(get_locale()), "offers_language_choice": i18n.offers_choice,
                "other_locale": i18n.other_locale, "locale_names": i18n.LOCALES,
                "language_return": i18n.here}


def _mount_dev_idp(app: Flask) -> None:
    from app.auth.devidp import Client, create_dev_idp
    from app.auth.devidp_store import Store
    from app.auth.in_process import MOUNT

    if app.config["ENV_NAME"] == "production":  # settings already refuse this; never mount it regardless
        raise settings.ConfigError("the development identity provider cannot run in production")
    clients = [Client(client_id=p.client_id, client_secret=p.client_secret, kind=p.kind,
                      redirect_path=f"/auth/callback/{p.name}")
               for p in app.config["OIDC_PROVIDERS"] if p.name in DEV_IDP_CLIENTS]
    idp = create_dev_idp(app.config["DEV_IDP_ISSUER"], clients, Path(app.instance_path) / "dev-idp-key.json",
                         str(ROOT / "templates"), "/static", Store(app))
    app.extensions["dev_idp"] = idp  # the portal's back channel calls it in process (app/auth/in_process.py)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {MOUNT: idp})
