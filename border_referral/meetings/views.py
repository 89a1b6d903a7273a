"""Meeting pages for the secretariats: the series, a meeting (agenda, proposals, participants, minutes,
actions), its documents, and the open actions. Forms are parsed here into the services' input (CSRF is
checked for every POST by the app-wide protection); every rule lives in services.py."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.permissions import require_role
from ..centres.models import Centre, Partnership
from ..database import get_session
from ..web import change_or_show
from ..errors import NotFound, ServiceError
from ..i18n import LANGUAGES, NATIVE_NAMES
from . import labels, services
from .api import document_response
from .models import ACTION_STATUSES, ALLOWED_SECTIONS, ATTENDANCE, ITEM_TYPES

bp = Blueprint("meetings", __name__, template_folder="templates", url_prefix="/meetings")


def _common():
    return {"labels": labels, "is_secretariat": current_user.has_role(*services.WRITE_ROLES),
            "ITEM_TYPES": ITEM_TYPES, "ALLOWED_SECTIONS": ALLOWED_SECTIONS, "ATTENDANCE": ATTENDANCE,
            "ACTION_STATUSES": ACTION_STATUSES, "LANGS": LANGUAGES, "NATIVE": NATIVE_NAMES}


@bp.get("/")
def index():
    session = get_session()
    rows = services.meetings(session, current_user)
    return render_template("meetings/list.html", rows=rows, title_of=labels.meeting_title,
                           partnerships=services.partnerships_for(session, current_user),
                           actions=services.actions(session, current_user, mine=True), **_common())


@bp.route("/new", methods=["GET", "POST"])
def new():
    session = get_session()
    require_role(current_user, *services.WRITE_ROLES)
    status = 200
    if request.method == "POST":
        f = request.form
        data = {"partnership": f.get("partnership"), "starts_at": f.get("starts_at"), "venue": f.get("venue"),
                "number": f.get("number") or None}
        try:
            m = services.create_meeting(session, current_user, data)
        except ServiceError as exc:
            if exc.status == 404:
                raise
            session.rollback()
            flash(str(exc.message), "error")
            status = exc.status
        else:
            flash(_("The meeting was planned."), "info")
            return redirect(url_for("meetings.view", meeting_id=m.id))
    return render_template("meetings/new.html", partnerships=services.partnerships_for(session, current_user),
                           form=request.form, **_common()), status


@bp.get("/actions")
def actions():
    a = request.args
    rows = services.actions(get_session(), current_user, partnership=a.get("partnership") or None,
                            mine=a.get("mine") == "1", open_only=a.get("all") != "1")
    return render_template("meetings/actions.html", rows=rows, args=a,
                           partnerships=services.partnerships_for(get_session(), current_user), **_common())


@bp.get("/<meeting_id>")
def view(meeting_id):
    session = get_session()
    m = services.meeting_for(session, current_user, meeting_id)
    partnership = session.get(Partnership, m.partnership_id)
    centres = services.members(session, m.partnership_id)
    prev = services.previous_meeting(session, m)
    return render_template(
        "meetings/view.html", m=m, partnership=partnership, centres=centres,
        host=session.get(Centre, m.host_centre_id), title=labels.meeting_title(m, partnership, current_user.locale or "en"),
        sections=services.agenda(session, current_user, m.id), proposals=services.proposals(session, current_user, m.id),
        people=services.participants(session, current_user, m.id), mins=services.minutes_of(session, m.id),
        prev=prev, prev_mins=services.minutes_of(session, prev.id) if prev else None,
        actions=services.actions(session, current_user, open_only=False, meeting_id=m.id),
        is_host=current_user.centre_id == m.host_centre_id and current_user.has_role(*services.WRITE_ROLES),
        json=json, **_common())


def _do(meeting_id: str, operation, done: str):
    return change_or_show(operation, done, url_for("meetings.view", meeting_id=meeting_id), lambda: view(meeting_id))


@bp.post("/<meeting_id>/items")
def propose(meeting_id):
    f = request.form
    translations = {lang: {"title": f.get(f"title-{lang}"), "description": f.get(f"description-{lang}")}
                    for lang in LANGUAGES if (f.get(f"title-{lang}") or "").strip()}
    data = {"title": f.get("title"), "description": f.get("description"), "type": f.get("type"),
            "language": f.get("language") or None, "references": f.get("references") or "",
            "translations": translations}
    return _do(meeting_id, lambda: services.propose_item(get_session(), current_user, meeting_id, data),
               _("The item was proposed."))


@bp.post("/<meeting_id>/items/<item_id>/<action>")
def item(meeting_id, item_id, action):
    f = request.form
    session = get_session()

    def run():
        if action == "order":
            services.order_item(session, current_user, item_id, f.get("section"), f.get("position"),
                                meeting_id=meeting_id)
        else:
            services.decide_item(session, current_user, item_id, action, f.get("into"), meeting_id=meeting_id)
    return _do(meeting_id, run, _("The agenda was updated."))


@bp.post("/<meeting_id>/state/<what>")
def state(meeting_id, what):
    ops = {"open-agenda": services.open_agenda, "close-agenda": services.close_agenda, "held": services.mark_held}
    if what not in ops:
        raise NotFound()
    return _do(meeting_id, lambda: ops[what](get_session(), current_user, meeting_id), _("The meeting was updated."))


@bp.post("/<meeting_id>/participants")
def participant(meeting_id):
    f = request.form
    data = {"centre": f.get("centre"), "name": f.get("name"), "position": f.get("position"), "agency": f.get("agency")}
    return _do(meeting_id, lambda: services.add_participant(get_session(), current_user, meeting_id, data),
               _("The participant was added."))


@bp.post("/<meeting_id>/participants/<participant_id>")
def attendance(meeting_id, participant_id):
    value = request.form.get("attendance")
    return _do(meeting_id, lambda: services.set_attendance(get_session(), current_user, meeting_id, participant_id, value),
               _("The attendance was recorded."))


@bp.post("/<meeting_id>/minutes")
def minutes(meeting_id):
    f = request.form
    items = {}
    for key in f.getlist("entries"):
        discussion, resolution = f.get(f"discussion-{key}") or "", f.get(f"resolution-{key}") or ""
        translations = {lang: {"discussion": f.get(f"discussion-{key}-{lang}") or "",
                               "resolution": f.get(f"resolution-{key}-{lang}") or ""} for lang in LANGUAGES
                        if (f.get(f"discussion-{key}-{lang}") or "").strip() or (f.get(f"resolution-{key}-{lang}") or "").strip()}
        if discussion.strip() or resolution.strip() or translations:
            items[key] = {"discussion": discussion, "resolution": resolution, "translations": translations}
    data = {"language": f.get("language"), "opened_at": f.get("opened_at"), "closed_at": f.get("closed_at"),
            "recorder": f.get("recorder"), "checker": f.get("checker"), "others_attending": f.get("others_attending"),
            "items": items, "version": f.get("version")}
    return _do(meeting_id, lambda: services.save_minutes(get_session(), current_user, meeting_id, data),
               _("The minutes were saved."))


@bp.post("/<meeting_id>/minutes/check")
def check(meeting_id):
    return _do(meeting_id, lambda: services.check_minutes(get_session(), current_user, meeting_id),
               _("The minutes are checked and ready for adoption."))


@bp.post("/<meeting_id>/adopt-previous")
def adopt_previous(meeting_id):
    session = get_session()
    m = services.meeting_for(session, current_user, meeting_id)
    prev = services.previous_meeting(session, m)
    if prev is None:
        raise NotFound()
    return _do(meeting_id, lambda: services.adopt_minutes(session, current_user, prev.id, m.id),
               _("The minutes of the previous meeting were adopted."))


@bp.post("/<meeting_id>/actions")
def add_action(meeting_id):
    f = request.form
    data = {"title": f.get("title"), "owner_centre": f.get("owner_centre"), "due": f.get("due"),
            "agenda_item": f.get("agenda_item") or None}
    return _do(meeting_id, lambda: services.add_action(get_session(), current_user, meeting_id, data),
               _("The action was recorded."))


@bp.post("/<meeting_id>/actions/<action_id>")
def update_action(meeting_id, action_id):
    f = request.form
    data = {"status": f.get("status"), "note": f.get("note"), "version": f.get("version")}
    return _do(meeting_id, lambda: services.update_action(get_session(), current_user, action_id, data),
               _("The action was updated."))


@bp.get("/<meeting_id>/<doc>.<kind>")
def document(meeting_id, doc, kind):
    from . import documents

    if doc not in ("agenda", "minutes") or kind not in ("pdf", "docx"):
        raise NotFound()
    m = services.meeting_for(get_session(), current_user, meeting_id)
    body = getattr(documents, f"{doc}_{kind}")(m, current_user)
    return document_response(body, f"{doc}-{m.number}-{m.year}", kind)
