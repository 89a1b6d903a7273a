"""border_referral: case referral between paired border anti-trafficking coordination centres."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """The application factory: configuration, extensions, features."""
    from . import cli, database, i18n, logs, pdf, settings, web
    from .api import register as register_api
    from .extensions import csrf, login_manager

    cfg = settings.load(config)
    settings.ensure_instance(cfg)
    app = Flask(__name__, instance_path=cfg["BORDER_REFERRAL_INSTANCE"], instance_relative_config=False)
    app.config.update(cfg)
    app.config.setdefault("TRANSLATIONS_DIR", str(settings.ROOT / "translations"))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    app.config["REMEMBER_COOKIE_DURATION"] = timedelta(seconds=0)
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # the CSRF token lives as long as the (idle-limited) session

    if app.config.get("PROXY_FIX_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    logs.init_app(app)
    database.init_app(app)
    i18n.init_app(app)
    pdf.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from . import auth

    auth.init_app(app)
    web.init_app(app)

    from .auth import views as auth_views
    from .cases import views as cases_views
    from .centres import views as centres_views
    from .main import views as main_views
    from .meetings import views as meetings_views
    from .referrals import views as referrals_views
    from .repatriation import views as repatriation_views
    from .screening import views as screening_views

    app.register_blueprint(main_views.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(centres_views.bp)
    app.register_blueprint(cases_views.bp)
    app.register_blueprint(screening_views.bp)
    app.register_blueprint(referrals_views.bp)
    app.register_blueprint(referrals_views.notices_bp)
    app.register_blueprint(repatriation_views.bp)
    app.register_blueprint(meetings_views.bp)
    for bp in register_api(app):
        csrf.exempt(bp)  # the API authenticates by bearer token, never by cookie
    cli.register(app)
    return app


def package_dir() -> Path:
    return Path(__file__).resolve().parent
