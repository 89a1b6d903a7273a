"""The JSON API under /api/v1: bearer-token authentication, JSON errors, and the registry from
which the OpenAPI document is generated. Each feature adds its own blueprint (its api.py) in
`register` and describes its routes with `@documented`."""
from __future__ import annotations

from flask import Blueprint, g, request
from flask_babel import gettext as _

from ..database import get_session
from ..errors import ServiceError, ValidationError
from ..web import json_error

def documented(summary: str, *, request_model=None, responses: dict | None = None, tag: str = "general",
               public: bool = False, parameters: list | None = None):
    """Attach the OpenAPI description to a view; `public` views need no token."""

    def wrap(view):
        view.openapi = {"summary": summary, "request": request_model, "responses": responses or {},
                        "tag": tag, "public": public, "parameters": parameters or []}
        view.is_public = public
        return view

    return wrap


def json_body() -> dict:
    """The request's JSON object; anything else is a 400 with a clear message (never a 500)."""
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting
        data = None
    if data is None:  # not JSON at all: 400, the request itself is malformed
        raise ServiceError(_("The request body is not valid JSON."))
    if not isinstance(data, dict):
        raise ValidationError(_("The request body must be a JSON object."))
    return data


def _authenticate():
    from flask import current_app

    from ..auth.services import authenticate_token

    view = current_app.view_functions.get(request.endpoint)
    if view is not None and getattr(view, "is_public", False):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    found = authenticate_token(get_session(), token.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        return json_error(401, "unauthorized", _("A valid API token is required."))
    principal, scope = found
    if principal.must_enrol:  # obliged to set up the second factor: its tokens wait until it is done
        return json_error(403, "two_factor_required",
                          _("Set up two-factor sign-in on your account page before using API tokens."))
    if scope != "write" and request.method not in ("GET", "HEAD", "OPTIONS"):
        return json_error(403, "read_only_token", _("This token may only read. Make a read-write token to change records."))
    # Flask-Login keeps the request's user here; the API never uses the session cookie.
    g._login_user = principal
    return None


def register(app, feature_apis: list[Blueprint]) -> list[Blueprint]:
    """Build the /api/v1 blueprint of one app (a blueprint is set up once per app) with the OpenAPI
    document and every feature's API blueprint (given by the app factory) inside it."""
    from . import openapi

    api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
    api_bp.before_request(_authenticate)
    children = (openapi.bp, *feature_apis)
    for child in children:
        api_bp.register_blueprint(child)
    app.register_blueprint(api_bp)
    return [api_bp, *children]
