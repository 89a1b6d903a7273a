from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user
from sqlmodel import SQLModel

from ..api import documented, json_body
from ..database import get_session
from . import services

bp = Blueprint("auth_api", __name__)


class MePublic(SQLModel):
    id: str
    email: str
    display_name: str
    centre: str
    timezone: str
    roles: list[str]
    locale: str | None = None
    calendar: str | None = None


def _calendar() -> str | None:
    return services.calendar_of(get_session(), current_user)


def _me(locale) -> dict:
    p = current_user
    return MePublic(id=p.id, email=p.email, display_name=p.display_name, centre=p.centre_code,
                    timezone=p.timezone, roles=sorted(p.roles), locale=locale, calendar=_calendar()).model_dump()


@bp.get("/me")
@documented("The caller: account, centre and roles", responses={200: ("The caller", MePublic)}, tag="auth")
def me():
    return jsonify(_me(current_user.locale))


class MeUpdate(SQLModel):
    locale: str | None = None
    calendar: str | None = None


@bp.patch("/me")
@documented("Change the caller's language and/or calendar (\"gregorian\", \"buddhist\", or null to follow the "
            "language)", request_model=MeUpdate, responses={200: ("The caller", MePublic)}, tag="auth")
def update_me():
    data = json_body()
    session = get_session()
    if "locale" in data or "calendar" not in data:
        services.set_locale(session, current_user, data.get("locale"))
    if "calendar" in data:
        services.set_calendar(session, current_user, data.get("calendar"))
    user_locale = services.valid_locale(data.get("locale")) if "locale" in data else current_user.locale
    return jsonify(_me(user_locale))
