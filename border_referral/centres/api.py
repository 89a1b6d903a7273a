from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user
from sqlmodel import SQLModel

from ..api import documented
from ..database import get_session
from . import services

bp = Blueprint("centres_api", __name__)


class CentrePublic(SQLModel):
    code: str
    country: str
    timezone: str
    names: dict[str, str]
    crossings: list[str]
    partner: bool


class CentreList(SQLModel):
    items: list[CentrePublic]


def _names(obj) -> dict[str, str]:
    return {lang: obj.name(lang) for lang in ("th", "my", "lo", "en")}


@bp.get("/centres")
@documented("Centres of the network, with the caller's partners marked", responses={200: ("Centres", CentreList)}, tag="reference")
def list_centres():
    session = get_session()
    partner_ids = {c.id for c in services.partners_of(session, current_user.centre_id)}
    items = [
        CentrePublic(code=c.code, country=c.country_code, timezone=c.timezone, names=_names(c),
                     crossings=[x.code for x in services.crossings_of(session, c.id)], partner=c.id in partner_ids)
        for c in services.centres(session, active_only=True)
    ]
    return jsonify(CentreList(items=items).model_dump())
