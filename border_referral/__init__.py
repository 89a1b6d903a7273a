"""border_referral: case referral between paired border anti-trafficking coordination centres."""
from __future__ import annotations

from datetime import timedelta
from importlib import import_module
from pathlib import Path

from flask import Flask


# The parts with pages, in the order they build on each other: a part imports the shared modules
# and the public services of the parts before it, never a later one (tests/test_imports.py).
# main (home page, health), auth and centres are shared; notifications are told by the features.
# Each has views.bp; one with an api.py has an API blueprint; one with a cli.py has commands.
# Adding a feature is adding its package and its name here.
FEATURES = ("main", "auth", "centres", "notifications", "cases", "screening", "referrals", "repatriation", "meetings",
            "reports", "privacy")


def create_app(config: dict | None = None) -> Flask:
    """The application factory: configuration, extensions, features."""
    from . import cli, database, i18n, logs, pdf, settings, web
    from .api import register as register_api
    from .extensions import csrf, limiter, login_manager

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
    # Rate-limit and sign-in counts: in Redis when there is one (every worker shares them).
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    from . import auth

    auth.init_app(app)
    web.init_app(app)

    for feature in FEATURES:
        views = import_module(f"{__name__}.{feature}.views")
        app.register_blueprint(views.bp)
    apis = [import_module(f"{__name__}.{feature}.api").bp for feature in FEATURES if _has(feature, "api")]
    for bp in register_api(app, apis):
        csrf.exempt(bp)  # the API authenticates by bearer token, never by cookie
    cli.register(app)
    for feature in FEATURES:
        if _has(feature, "cli"):
            import_module(f"{__name__}.{feature}.cli").register(app)
    return app


def _has(feature: str, module: str) -> bool:
    return (Path(__file__).resolve().parent / feature / f"{module}.py").exists()


def package_dir() -> Path:
    return Path(__file__).resolve().parent
