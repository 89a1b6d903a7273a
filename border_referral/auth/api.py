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


def _me(locale) -> dict:
    p = current_user
    return MePublic(id=p.id, email=p.email, display_name=p.display_name, centre=p.centre_code,
                    timezone=p.timezone, roles=sorted(p.roles), locale=locale).model_dump()


@bp.get("/me")
@documented("The caller: account, centre and roles", responses={200: ("The caller", MePublic)}, tag="auth")
def me():
    return jsonify(_me(current_user.locale))


class MeUpdate(SQLModel):
    locale: str


@bp.patch("/me")
@documented("Change the caller's language", request_model=MeUpdate, responses={200: ("The caller", MePublic)}, tag="auth")
def update_me():
    data = json_body()
    services.set_locale(get_session(), current_user, data.get("locale"))
    return jsonify(_me(services.valid_locale(data.get("locale"))))
