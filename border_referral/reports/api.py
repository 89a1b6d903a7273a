"""The reports' API: the CTDC export (README "Reports")."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from ..api import documented
from ..database import get_session
from ..files import responses
from . import services

bp = Blueprint("reports_api", __name__)


@bp.get("/exports/ctdc.csv")
@documented("The centre's identified victims as de-identified CTDC records, k-anonymous (administrators; "
            "audited). Headers say k, the records left out and the coarsening steps taken.",
            responses={200: ("text/csv", None)}, tag="reports")
def ctdc_csv():
    export = services.ctdc_export(get_session(), current_user)
    resp = responses.download(export.csv().encode(), "text/csv", "ctdc.csv")
    resp.headers.update(export.headers())
    return resp
