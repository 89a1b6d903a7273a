"""What every page shares: request ids, the sign-in requirement, idle session expiry, the
language parameter, security headers and the translated error pages."""
from __future__ import annotations

import logging
import secrets
import time

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .errors import ServiceError
from .i18n import valid_locale

log = logging.getLogger("border_referral.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    401: (_l("Sign-in required"), _l("Please sign in to continue.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page or do this.")),
    404: (_l("Not found"), _l("There is nothing here, or it is not visible to your centre.")),
    405: (_l("Not allowed"), _l("This address does not accept this kind of request.")),
    409: (_l("Conflict"), _l("Someone else changed this record in the meantime. Reload it and try again.")),
    413: (_l("Too large"), _l("The file or form is larger than allowed.")),
    422: (_l("Not valid"), _l("Some of the information is not valid.")),
    429: (_l("Too many requests"), _l("Too many attempts. Please wait and try again later.")),
    500: (_l("Something went wrong"), _l("The system could not complete the request. Nothing was saved. "
                                          "If it happens again, give this reference to your administrator.")),
}


# What a user who must set up the second factor (auth: Principal.must_enrol) may reach until done.
ENROLMENT_ENDPOINTS = frozenset({"auth.two_factor", "auth.sign_out"})


def _end_session(reason: str) -> None:
    """The browser's session row ends with the cookie (idle, past its lifetime)."""
    from .auth.services import end_session_of
    from .database import get_session

    end_session_of(get_session(), current_user._get_current_object(), reason)
    logout_user()
    session.clear()


def public(view):
    """Mark a view as reachable without signing in."""
    view.is_public = True
    return view


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str, message, field: str | None = None) -> tuple:
    """The API's error body: {"error": {"code", "message", "field"?}}; `field` names the input that
    was refused (dotted for nested JSON, e.g. "clocks.custody.hours") when a service says which."""
    body = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    resp = jsonify({"error": body})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="border_referral"'
    return resp


def error_page(status: int, message=None):
    title, text = ERROR_TEXT.get(status, ERROR_TEXT[500])
    return render_template("errors/error.html", status=status, title=title, text=message or text,
                           reference=g.get("request_id")), status


class SessionInterface(SecureCookieSessionInterface):
    """Secure cookies whenever the request came over HTTPS (or when configured so)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config.get("SESSION_COOKIE_SECURE")
        if configured is None:
            from flask import has_request_context

            return bool(has_request_context() and request.is_secure)
        return bool(configured)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()

    @app.before_request
    def _request_id():
        g.request_id = secrets.token_hex(8)

    @app.before_request
    def _language_param():
        chosen = valid_locale(request.args.get("lang"))
        if chosen and session.get("lang") != chosen:
            session["lang"] = chosen

    @app.before_request
    def _require_sign_in():
        view = current_app.view_functions.get(request.endpoint)
        if view is None or getattr(view, "is_public", False) or request.endpoint == "static":
            return None
        if request.blueprint and request.blueprint.split(".")[0] == "api":
            return None  # the API authenticates by bearer token (api/__init__.py)
        if not current_user.is_authenticated:
            return redirect(url_for("auth.sign_in"))
        idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
        now = int(time.time())
        if now - int(session.get("seen", now)) > idle:
            _end_session("idle")
            flash(_("Your session expired after a period of inactivity. Please sign in again."), "info")
            return redirect(url_for("auth.sign_in"))
        # However active, a session ends SESSION_MAX_HOURS after signing in (a session without the
        # time, from before this rule, ends now).
        if now - int(session.get("signed_in_at", 0)) > current_app.config["SESSION_MAX_HOURS"] * 3600:
            _end_session("expired")
            flash(_("Your session has ended after %(hours)s hours. Please sign in again.",
                    hours=current_app.config["SESSION_MAX_HOURS"]), "info")
            return redirect(url_for("auth.sign_in"))
        session["seen"] = now
        # Signed in with the password but obliged to set up a second factor: nothing else until done.
        if getattr(current_user, "must_enrol", False) and request.endpoint not in ENROLMENT_ENDPOINTS:
            return redirect(url_for("auth.two_factor"))
        return None

    @app.after_request
    def _headers(response):
        h = response.headers
        h["Content-Security-Policy"] = CSP
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["X-Frame-Options"] = "DENY"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        h["X-Request-Id"] = g.get("request_id", "")
        if request.is_secure:  # over HTTPS (directly or, with PROXY_FIX_HOPS, behind a proxy): stay on it
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":
            h["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        if wants_json():
            return json_error(exc.status, exc.code, exc.message, getattr(exc, "field", None))
        return error_page(exc.status, exc.message)

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc):
        message = _("Too many sign-in attempts from your network. Please wait a minute and try again.")
        if wants_json():
            return json_error(429, "rate_limited", message)
        return error_page(429, message)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        if wants_json():
            return json_error(400, "csrf", _("The form has expired. Reload the page and try again."))
        return error_page(400, _("The form has expired or was not sent from this site. Reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        if wants_json():
            codes = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                     405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                     422: "invalid", 429: "too_many_requests"}
            title, text = ERROR_TEXT.get(status, ERROR_TEXT[400 if status < 500 else 500])
            return json_error(status, codes.get(status, "error"), text)
        return error_page(status)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Log the type and the traceback only: messages of database errors can carry values.
        log.error("unhandled error", extra={"error_type": type(exc).__name__}, exc_info=(type(exc), None, exc.__traceback__))
        if wants_json():
            return json_error(500, "internal", _("Internal error. Reference: %(ref)s", ref=g.get("request_id", "-")))
        return error_page(500)


def show_service_error(form, exc: ServiceError) -> int:
    """Put a service's refusal on the form (under its field, or as a message) and return the
    status to answer with. The status is >= 400, so the request's session is rolled back and a
    refused operation leaves nothing half-written."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and getattr(field, "type", "") not in ("HiddenField", "CSRFTokenField"):
        field.errors = list(field.errors) + [str(exc.message)]
    else:
        flash(str(exc.message), "error")
    return exc.status


def change_or_show(operation, done: str, success_url: str, show):
    """Run a change asked for by a form. Done: say so and go to `success_url`. Refused: show the page
    again (`show()`) with the reason, answering with the refusal's status, so the request's unit of
    work is rolled back (the page's reads of personal data are recorded again after the rollback).
    "Not found" stays a plain 404."""
    from .database import get_session

    try:
        operation()
    except ServiceError as exc:
        if exc.status == 404:
            raise
        get_session().rollback()
        flash(str(exc.message), "error")
        return show(), exc.status
    flash(done, "info")
    return redirect(success_url)
