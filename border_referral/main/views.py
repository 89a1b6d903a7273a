from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from ..centres import services as centres
from ..database import get_session
from ..sections import home_page
from ..util import utcnow
from ..web import public

bp = Blueprint("main", __name__, template_folder="templates")


@bp.get("/")
def home():
    session = get_session()
    centre = centres.centre_by_id(session, current_user.centre_id)
    return render_template(
        "main/home.html",
        centre=centre,
        partners=centres.partners_of(session, centre.id),
        partnerships=[(p, centres.members(session, p.id)) for p in centres.partnerships_of(session, centre.id)],
        crossings=centres.crossings_of(session, centre.id),
        now=utcnow(),
        sections=home_page.gather(session, current_user),
    )


@bp.get("/healthz")
@public
def healthz():
    get_session().execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
