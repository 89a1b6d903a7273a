"""Meeting pages for the secretariats: the series, a meeting (agenda, proposals, participants, minutes,
actions), its documents, and the open actions. Posted forms (forms.py, CSRF checked) are handed to the
services, which hold every rule; a page offers only what `services.allowed_actions` lists. A refused
form is shown again as typed, with the reason under its field."""
from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..auth.permissions import require_role
from ..centres.models import Centre, Partnership
from ..database import get_session
from ..errors import NotFound, ServiceError
from ..i18n import NATIVE_NAMES, current_locale
from ..sections import home_page
from ..web import show_service_error
from . import documents, labels, services
from .forms import (ActionForm, ActionUpdateForm, AttendanceForm, ChairForm, ConfirmForm, ItemForm, MeetingForm,
                    MinutesForm, ParticipantForm, ProposeForm, RowForm, minutes_form)
from .models import ALLOWED_SECTIONS

bp = Blueprint("meetings", __name__, template_folder="templates", url_prefix="/meetings")


def _common():
    return {"labels": labels, "ALLOWED_SECTIONS": ALLOWED_SECTIONS, "NATIVE": NATIVE_NAMES}


def _refused(form, exc: ServiceError) -> int:
    """A service refused what a form asked: "not found" and "not allowed" stay error pages; anything
    else is said on the form (a row's form: in a message) after the unit of work is rolled back, so
    the page can be read again. Returns the status to answer with."""
    if exc.status in (403, 404):
        raise exc
    get_session().rollback()
    if isinstance(form, RowForm):
        flash(str(exc.message), "error")
        return exc.status
    return show_service_error(form, exc)


def _home_section(session, actor) -> dict | None:
    summary = services.home_summary(session, actor)
    if summary is None:
        return None
    title = labels.meeting_title(summary.next_meeting, summary.next_partnership, current_locale()) \
        if summary.next_meeting else None
    return {"summary": summary, "title": title}


home_page.register("meetings", order=40, template="meetings/_home_section.html", context=_home_section)


@bp.get("/")
def index():
    session = get_session()
    rows = services.meetings(session, current_user)
    return render_template("meetings/list.html", rows=rows, title_of=labels.meeting_title,
                           allowed=services.allowed_actions(session, current_user, None),
                           actions=services.actions(session, current_user, mine=True), **_common())


@bp.route("/new", methods=["GET", "POST"])
def new():
    session = get_session()
    require_role(current_user, *services.WRITE_ROLES)
    form = MeetingForm()
    status = 200
    if form.validate_on_submit():
        try:
            m = services.create_meeting(session, current_user, form.to_data())
        except ServiceError as exc:
            status = _refused(form, exc)
        else:
            flash(_("The meeting was planned."), "info")
            return redirect(url_for("meetings.view", meeting_id=m.id))
    elif form.is_submitted():
        status = 422
    partnerships = services.partnerships_for(session, current_user)
    form.partnership.choices = [SelectChoice(p.code, f"{p.code} · {p.name(current_locale())}") for p in partnerships]
    centres = {c.code: c for p in partnerships for c in services.members(session, p.id)}
    form.chair_centre.choices = [SelectChoice("", _("Hosting centre"))] + [
        SelectChoice(code, f"{code} · {c.name(current_locale())}") for code, c in sorted(centres.items())]
    return render_template("meetings/new.html", form=form, **_common()), status


@bp.get("/actions")
def actions():
    a = request.args
    rows = services.actions(get_session(), current_user, partnership=a.get("partnership") or None,
                            mine=a.get("mine") == "1", open_only=a.get("all") != "1")
    return render_template("meetings/actions.html", rows=rows, args=a,
                           partnerships=services.partnerships_for(get_session(), current_user), **_common())


def _entry_keys(sections) -> list[str]:
    return [e.key for entries in sections.values() for e in entries]


def _page(meeting_id, refused=None):
    """The meeting page; `refused` is a form the user posted and a service refused: shown as typed."""
    session = get_session()
    m = services.meeting_for(session, current_user, meeting_id)
    partnership = session.get(Partnership, m.partnership_id)
    centres = services.members(session, m.partnership_id)
    prev = services.previous_meeting(session, m)
    mins = services.minutes_of(session, m.id)
    sections = services.agenda(session, current_user, m.id)
    allowed = services.allowed_actions(session, current_user, m)
    recs = json.loads(mins.items) if mins else {}

    def form(kind, make=None):
        if isinstance(refused, kind):
            return refused
        return (make or kind)(formdata=None)

    propose = form(ProposeForm)
    if propose is not refused:
        propose.language.data = current_locale()
    participant = form(ParticipantForm)
    participant.centre.choices = [SelectChoice(code, code) for code in allowed.delegations]
    mform = form(MinutesForm, lambda **kw: minutes_form(_entry_keys(sections), **kw))
    if mform is not refused:
        if mins is not None:
            mform.fill(mins, recs)
        else:
            mform.language.data = current_locale()
    action = form(ActionForm)
    action.owner_centre.choices = [SelectChoice(c.code, f"{c.code} · {c.name(current_locale())}") for c in centres]
    chair_centre = session.get(Centre, m.chair_centre_id) if m.chair_centre_id else None
    chair = form(ChairForm)
    chair.chair_centre.choices = list(action.owner_centre.choices)
    if chair is not refused:
        chair.chair_name.data, chair.version.data = m.chair_name, m.version
        chair.chair_centre.data = (chair_centre or session.get(Centre, m.host_centre_id)).code
    proposals = services.proposals(session, current_user, m.id)
    return render_template(
        "meetings/view.html", m=m, partnership=partnership, centres=centres, allowed=allowed,
        agenda_version=services.issued_version(session, m), proposers=services.proposed_by(session, proposals),
        host=session.get(Centre, m.host_centre_id), title=labels.meeting_title(m, partnership, current_user.locale or "en"),
        sections=sections, proposals=proposals,
        people=services.participants(session, current_user, m.id), mins=mins, recs=recs,
        prev_mins=services.minutes_of(session, prev.id) if prev else None,
        actions=services.actions(session, current_user, open_only=False, meeting_id=m.id),
        propose_form=propose, participant_form=participant, minutes_form=mform, action_form=action,
        chair_form=chair, chair_centre=chair_centre,
        **_common())


@bp.get("/<meeting_id>")
def view(meeting_id):
    return _page(meeting_id)


def _submit(meeting_id: str, form, operation, done: str):
    """Run the change a posted form asks for. Done: say so and show the meeting. Refused: the meeting
    page again, with the form as typed and the reason, answering with the refusal's status."""
    if form.validate_on_submit():
        try:
            operation()
        except ServiceError as exc:
            status = _refused(form, exc)
        else:
            flash(done, "info")
            return redirect(url_for("meetings.view", meeting_id=meeting_id))
    else:
        status = 422
    return _page(meeting_id, form), status


def _save(meeting_id: str, form, service, target_id: str, done: str):
    """A form whose input (form.to_data()) goes to service(session, user, target_id, data)."""
    return _submit(meeting_id, form, lambda: service(get_session(), current_user, target_id, form.to_data()), done)


@bp.post("/<meeting_id>/chair")
def chair(meeting_id):
    return _save(meeting_id, ChairForm(), services.set_chair, meeting_id, _("The meeting was updated."))


@bp.post("/<meeting_id>/items")
def propose(meeting_id):
    return _save(meeting_id, ProposeForm(), services.propose_item, meeting_id, _("The item was proposed."))


@bp.post("/<meeting_id>/items/<item_id>/<action>")
def item(meeting_id, item_id, action):
    form = ItemForm()
    session = get_session()

    def run():
        if action == "order":
            services.order_item(session, current_user, item_id, form.section.data, form.position.data,
                                meeting_id=meeting_id)
        else:
            services.decide_item(session, current_user, item_id, action, form.into.data, meeting_id=meeting_id)
    return _submit(meeting_id, form, run, _("The agenda was updated."))


@bp.post("/<meeting_id>/state/<what>")
def state(meeting_id, what):
    ops = {"open-agenda": services.open_agenda, "close-agenda": services.close_agenda, "held": services.mark_held}
    if what not in ops:
        raise NotFound()
    return _submit(meeting_id, ConfirmForm(), lambda: ops[what](get_session(), current_user, meeting_id),
                   _("The meeting was updated."))


@bp.post("/<meeting_id>/participants")
def participant(meeting_id):
    return _save(meeting_id, ParticipantForm(), services.add_participant, meeting_id, _("The participant was added."))


@bp.post("/<meeting_id>/participants/<participant_id>")
def attendance(meeting_id, participant_id):
    form = AttendanceForm()
    return _submit(meeting_id, form, lambda: services.set_attendance(get_session(), current_user, meeting_id,
                                                                     participant_id, form.attendance.data),
                   _("The attendance was recorded."))


@bp.post("/<meeting_id>/minutes")
def minutes(meeting_id):
    form = minutes_form(_entry_keys(services.agenda(get_session(), current_user, meeting_id)))
    return _save(meeting_id, form, services.save_minutes, meeting_id, _("The minutes were saved."))


@bp.post("/<meeting_id>/minutes/check")
def check(meeting_id):
    return _submit(meeting_id, ConfirmForm(), lambda: services.check_minutes(get_session(), current_user, meeting_id),
                   _("The minutes are checked and ready for adoption."))


@bp.post("/<meeting_id>/adopt-previous")
def adopt_previous(meeting_id):
    session = get_session()
    m = services.meeting_for(session, current_user, meeting_id)
    prev = services.previous_meeting(session, m)
    if prev is None:
        raise NotFound()
    return _submit(meeting_id, ConfirmForm(), lambda: services.adopt_minutes(session, current_user, prev.id, m.id),
                   _("The minutes of the previous meeting were adopted."))


@bp.post("/<meeting_id>/actions")
def add_action(meeting_id):
    return _save(meeting_id, ActionForm(), services.add_action, meeting_id, _("The action was recorded."))


@bp.post("/<meeting_id>/actions/<action_id>")
def update_action(meeting_id, action_id):
    return _save(meeting_id, ActionUpdateForm(), services.update_action, action_id, _("The action was updated."))


@bp.get("/<meeting_id>/<doc>.<kind>")
def document(meeting_id, doc, kind):
    return documents.send(current_user, meeting_id, doc, kind)
