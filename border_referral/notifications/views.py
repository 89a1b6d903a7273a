"""The notices page and the unread count in the navigation."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from ..auth.permissions import require_role
from ..database import get_session
from . import services

# The blueprint keeps the name "notices": its URLs and endpoints are unchanged.
bp = Blueprint("notices", __name__, template_folder="templates")
# Everyone who may be told something may read their notices.
READ_ROLES = services.NOTIFY_ROLES + ("viewer",)


@bp.get("/notifications")
def notifications():
    require_role(current_user, *READ_ROLES)
    return render_template("notifications/list.html", rows=services.notifications(get_session(), current_user))


@bp.post("/notifications/read")
def notifications_read():
    require_role(current_user, *READ_ROLES)
    services.notifications(get_session(), current_user, mark_read=True)
    return redirect(url_for("notices.notifications"))


@bp.app_context_processor
def _navigation():
    def unread_notices():
        return services.unread_count(get_session(), current_user)
    return {"unread_notices": unread_notices}
