"""The reports' API: the CTDC export (README "Reports")."""
from __future__ import annotations

from flask import Blueprint, Response
from flask_login import current_user

from ..api import documented
from ..database import get_session
from . import services

bp = Blueprint("reports_api", __name__)


@bp.get("/exports/ctdc.csv")
@documented("The centre's identified victims as de-identified CTDC records, k-anonymous (administrators; "
            "audited). Headers say k, the records left out and the coarsening steps taken.",
            responses={200: ("text/csv", None)}, tag="reports")
def ctdc_csv():
    export = services.ctdc_export(get_session(), current_user)
    return Response(export.csv(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="ctdc.csv"', "X-K-Anonymity": str(export.k),
        "X-Records-Suppressed": str(export.suppressed), "X-Generalised": ",".join(export.steps) or "none"})
