"""The reports page: what an administrator can take out of the system, and what it leaves out."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..auth.permissions import require_role
from ..database import get_session
from ..files import responses
from . import services

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")


@bp.get("/")
def index():
    require_role(current_user, "admin")
    return render_template("reports/index.html", k=services.current_k(), steps=services.STEPS)


@bp.get("/ctdc.csv")
def ctdc_csv():
    export = services.ctdc_export(get_session(), current_user)
    resp = responses.download(export.csv().encode(), "text/csv", "ctdc.csv")
    resp.headers.update(export.headers())
    return resp
