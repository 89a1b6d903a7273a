from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user
from sqlalchemy import text

from ..centres import services as centres
from ..database import get_session
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
        clocks=_clocks(session),
    )


def _clocks(session):
    """The identification clocks at a glance, for those who may see them (counts only)."""
    from ..screening import services as screening

    if not current_user.has_role(*screening.READ_ROLES):
        return None
    return screening.dashboard(session, current_user)


@bp.get("/healthz")
@public
def healthz():
    get_session().execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
