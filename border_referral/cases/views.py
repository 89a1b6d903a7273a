"""Case pages. Search terms are posted, never put in a URL; every page that shows personal data
gets it from a service that has recorded the read."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..database import get_session
from ..files import responses
from ..errors import Conflict, ServiceError
from ..i18n import current_locale
from ..sections import case_page, home_page
from ..web import show_service_error
from . import labels, services
from .forms import AttachmentForm, CaseForm, EraseForm, NoteForm, SearchForm
from .models import EXPLOITATION_TYPES, STATUSES

bp = Blueprint("cases", __name__, template_folder="templates", url_prefix="/cases")


def _home_section(session, actor) -> dict | None:
    counts = services.assigned_to_me(session, actor)
    if counts is None:
        return None
    return {"counts": [(status, labels.STATUS[status], counts[status]) for status in STATUSES if counts.get(status)],
            "total": sum(counts.values())}


# First on the home page: a case worker's own cases (counts only: no name is read for it).
home_page.register("cases", order=5, template="cases/_home_section.html", context=_home_section)


def _prepare(form: CaseForm) -> CaseForm:
    form.nationality.choices = labels.nationality_choices(current_locale())
    session = get_session()
    form.assigned_to.choices = [SelectChoice("", "—")] + [
        SelectChoice(u.id, u.display_name or u.email) for u in services.assignable_users(session, current_user)]
    return form


def _common():
    return {"labels": labels, "visible": set(services.visible_fields(current_user)),
            "can_write": current_user.has_role(*services.WRITE_ROLES)}


@bp.route("/", methods=["GET", "POST"])
def index():
    session = get_session()
    search = SearchForm()
    args = request.args
    if search.validate_on_submit() and (search.q.data or "").strip():
        rows, page, searched = services.search(session, current_user, search.q.data), None, True
    else:
        try:
            page_no = max(1, int(args.get("page", "1")))
        except ValueError:
            page_no = 1
        page = services.list_cases(session, current_user, status=args.get("status") or None,
                                   nationality=args.get("nationality") or None,
                                   exploitation_type=args.get("exploitation_type") or None,
                                   mine=args.get("mine") == "1", sort=args.get("sort", "newest"), page=page_no)
        rows, searched = page.rows, False
    return render_template("cases/list.html", rows=rows, page=page, search=search, searched=searched,
                           statuses=STATUSES, exploitation_types=EXPLOITATION_TYPES, args=args,
                           counts=services.count_by_status(session, current_user), **_common())


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = _prepare(CaseForm())
    status = 200
    if request.method == "GET":
        form.nationality.data = "unknown"
        form.assigned_to.data = current_user.id
    if form.validate_on_submit():
        upload = request.files.get("attachment")
        try:
            case = services.create_case(get_session(), current_user, form.to_data(set(services.visible_fields(current_user))))
            if upload is not None and upload.filename:  # in the same unit of work: both or neither
                services.add_attachment(get_session(), current_user, case.id, upload.stream, upload.filename)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            status = show_service_error(_field_on(form, exc), exc)
        else:
            flash(_("Case %(number)s was opened.", number=case.case_number), "info")
            return redirect(url_for("cases.view", case_id=case.id))
    elif request.method == "POST":
        status = 422
    return render_template("cases/form.html", form=form, case=None, **_common()), status


def _field_on(form, exc):
    """Service fields that the form spells differently."""
    if exc.field == "home_address":
        exc.field = "village"
    return form


@bp.get("/<case_id>")
def view(case_id):
    session = get_session()
    case, values = services.read_case(session, current_user, case_id)
    return render_template(
        "cases/view.html", case=case, values=values, notes=services.read_notes(session, current_user, case),
        sections=case_page.gather(session, current_user, case),
        attachments=services.list_attachments(session, current_user, case),
        timeline=services.timeline(session, current_user, case), note_form=NoteForm(),
        attachment_form=AttachmentForm(), **_common())


@bp.route("/<case_id>/edit", methods=["GET", "POST"])
def edit(case_id):
    session = get_session()
    case, values = services.read_case(session, current_user, case_id, action="case.read_for_edit",
                                      roles=services.WRITE_ROLES)
    form = _prepare(CaseForm())
    status = 200
    if request.method == "GET":
        form.fill(case, values)
        return render_template("cases/form.html", form=form, case=case, **_common())
    if form.validate_on_submit():
        data = form.to_data(set(services.visible_fields(current_user)))
        try:
            case = services.update_case(session, current_user, case_id, data, form.version.data)
        except Conflict:
            return _conflict(case_id, form, data)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            status = show_service_error(_field_on(form, exc), exc)
        else:
            flash(_("The case was saved."), "info")
            return redirect(url_for("cases.view", case_id=case.id))
    else:
        status = 422
    return render_template("cases/form.html", form=form, case=case, **_common()), status


def _conflict(case_id, form, mine: dict):
    """Someone saved the case since this form was loaded: show what differs, keep the user's
    input in the form (with the current version) so nothing typed is lost."""
    session = get_session()
    case, current = services.current_for_conflict(session, current_user, case_id)
    theirs = {**current, "status": case.status, "sex": case.sex, "nationality": case.nationality,
              "referral_source": case.referral_source, "exploitation_types": case.exploitation_types,
              "assigned_to": case.assigned_to_id}
    changed = []
    for key, value in mine.items():
        now = theirs.get(key)
        if _norm(value) != _norm(now):
            changed.append((key, now, value))
    form.version.data = case.version
    return render_template("cases/conflict.html", form=form, case=case, changed=changed, **_common()), 409


def _norm(value):
    if value in (None, "", [], {}):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and "\n" in value:
        return [v.strip() for v in value.splitlines() if v.strip()]
    if isinstance(value, dict):
        cleaned = {k: v for k, v in value.items() if v}
        return cleaned or None
    return value


@bp.post("/<case_id>/notes")
def add_note(case_id):
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.add_note(get_session(), current_user, case_id, form.body.data)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            flash(str(exc.message), "error")
            return redirect(url_for("cases.view", case_id=case_id))
        flash(_("The note was added."), "info")
    return redirect(url_for("cases.view", case_id=case_id))


@bp.post("/<case_id>/attachments")
def add_attachment(case_id):
    form = AttachmentForm()
    upload = request.files.get("file")
    if form.validate_on_submit():
        if upload is None or not upload.filename:
            flash(_("Choose a file to attach."), "error")
        else:
            services.add_attachment(get_session(), current_user, case_id, upload.stream, upload.filename)
            flash(_("The file was attached."), "info")
    return redirect(url_for("cases.view", case_id=case_id))


@bp.get("/<case_id>/attachments/<attachment_id>")
def download(case_id, attachment_id):
    att, name, body = services.read_attachment(get_session(), current_user, case_id, attachment_id)
    return responses.attachment(att, name, body)


@bp.route("/<case_id>/erase", methods=["GET", "POST"])
def erase(case_id):
    session = get_session()
    case, _values = services.read_case(session, current_user, case_id, action="case.read_for_erase",
                                       roles=("admin",))
    form = EraseForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.erase_case(session, current_user, case_id, form.reason.data)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            status = show_service_error(form, exc)
        else:
            flash(_("Case %(number)s was erased. Its data can no longer be decrypted.", number=case.case_number), "info")
            return redirect(url_for("cases.index"))
    return render_template("cases/erase.html", case=case, form=form, **_common()), status
