"""Referral pages: inbox and outbox, a new referral (showing exactly what the partner will see),
a referral with its actions and thread, and the user's notices."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..cases import labels as case_labels
from ..sections import case_page, home_page
from ..cases import services as cases
from ..centres import jurisdictions
from ..database import get_session
from ..files import responses
from ..errors import ServiceError, ValidationError
from ..web import change_or_show, show_service_error
from . import labels, services
from .forms import ActionForm, AttachmentForm, MessageForm, ReferralForm
from .models import MINIMUM, PURPOSES, STATES

bp = Blueprint("referrals", __name__, template_folder="templates", url_prefix="/referrals")


def _case_section(session, actor, case) -> dict:
    return {"referrals": services.of_case(session, actor, case), "labels": labels,
            "can_refer": services.may_refer(actor, case)}


case_page.register("referrals", order=20, template="referrals/_case_section.html", context=_case_section)


def _counts(session, actor) -> dict:
    """The referral counts of this request: the navigation and the home page both show them, and
    they are counted once."""
    if "referral_counts" not in g:
        g.referral_counts = services.counts(session, actor)
    return g.referral_counts


def _home_section(session, actor) -> dict | None:
    if not actor.has_role(*services.READ_ROLES):
        return None
    return _counts(session, actor)


home_page.register("referrals", order=20, template="referrals/_home_section.html", context=_home_section)


def _common():
    return {"labels": labels, "case_labels": case_labels, "can_act": current_user.has_role(*services.ACT_ROLES)}


@bp.get("/")
def index():
    args = request.args
    which = args.get("box") if args.get("box") in ("inbox", "outbox") else "inbox"
    state = args.get("state") if args.get("state") in STATES else None
    purpose = args.get("purpose") if args.get("purpose") in PURPOSES else None
    try:
        page = max(1, int(args.get("page", "1")))
    except ValueError:
        page = 1
    rows, next_page = services.box_page(get_session(), current_user, which, page, state=state, purpose=purpose,
                                        overdue=args.get("overdue") == "1")
    return render_template("referrals/list.html", rows=rows, box=which, state=state, purpose=purpose,
                           overdue=args.get("overdue") == "1", states=STATES, purposes=PURPOSES,
                           page=page, next_page=next_page, **_common())


@bp.route("/new/<case_id>", methods=["GET", "POST"])
def new(case_id):
    session = get_session()
    case = cases.reach_case(session, current_user, case_id, services.ACT_ROLES)
    form = ReferralForm()
    form.set_grounds(jurisdictions.profile_of_centre(session, current_user.centre_id).legal_grounds)
    partners = services.partners_for_referral(session, current_user)
    form.to_centre.choices = [SelectChoice("", "—")] + [SelectChoice(c.code, f"{c.code} · {c.name(current_user.locale)}")
                                                       for c in partners]
    allowed = services.shareable_for(current_user)
    form.shared_fields.choices = [SelectChoice(f, case_labels.FIELDS[f]) for f in allowed]
    searching = request.method == "POST" and bool(form.picker.data)
    picker = cases.picker(session, current_user, chosen_ids=form.case_ids.data or [], find=form.find.data,
                          searching=searching, exclude={case.id})
    status = 200
    if searching:
        pass  # a search for more persons: show the form again as typed, save nothing
    elif request.method == "GET":
        purpose = request.args.get("purpose") if request.args.get("purpose") in PURPOSES else "family_tracing"
        form.purpose.data = purpose
        form.to_centre.data = request.args.get("to_centre", "")
        form.shared_fields.data = [f for f in MINIMUM[purpose] if f in allowed]
    elif form.validate_on_submit():
        try:
            r = services.create_referral(session, current_user, form.to_data(case.id))
        except ServiceError as exc:
            if exc.status == 404:
                raise
            status = show_service_error(_fields(form, exc), exc)
        else:
            flash(_("The referral %(reference)s was saved as a draft. Check it, then send it.", reference=r.reference), "info")
            return redirect(url_for("referrals.view", referral_id=r.id))
    else:
        status = 422
    preview = services.preview(session, current_user, case.id, allowed)
    return render_template("referrals/new.html", form=form, case=case, preview=preview, picker=picker,
                           minimum=MINIMUM, **_common()), status


def _fields(form, exc):
    """Service fields that the form spells differently."""
    exc.field = {"consent": "consent_given", "guardian": "guardian"}.get(exc.field, exc.field)
    return form


@bp.get("/<referral_id>")
def view(referral_id):
    v = services.read_referral(get_session(), current_user, referral_id)
    actions = services.allowed_actions(current_user, v.referral, v.side)
    duplicate_labels = [str(labels.DUPLICATE_FIELD.get(f, f)) for f in v.referral.duplicates]
    return render_template("referrals/view.html", v=v, r=v.referral, actions=actions, action_form=ActionForm(),
                           duplicate_labels=duplicate_labels,
                           shared_labels=[str(case_labels.FIELDS.get(f, f)) for f in v.referral.fields],
                           message_form=MessageForm(language=current_user.locale or "en"),
                           attachment_form=AttachmentForm(), **_common())


def _invalid(referral_id: str, form):
    """A form that did not validate (too long, ...): say so, keep nothing."""
    first = next((errs[0] for errs in form.errors.values() if errs), None)
    return _refused(referral_id, ValidationError(first or _("Some of the information is not valid.")))


@bp.post("/<referral_id>/action/<action>")
def act(referral_id, action):
    form = ActionForm()
    if not form.validate_on_submit():
        return _invalid(referral_id, form)
    if action == "send" and not form.confirm.data:
        # Personal data crosses the border only after the sender has looked at what goes (the page
        # lists it beside the box). The API's send is the caller's own confirmation.
        return _refused(referral_id, ValidationError(_("Tick the box to confirm what will be shared."),
                                                     field="confirm"))
    return _run(referral_id, lambda: services.perform(get_session(), current_user, referral_id, action,
                                                      {"reason": form.reason.data}),
                _("Done: %(what)s.", what=labels.ACTION.get(action, action)),
                url_for("referrals.index", box="outbox") if action == "withdraw" else None)


def _run(referral_id: str, operation, done: str, then: str | None = None):
    """Run a change: on success say so and go back to the referral; on refusal show it again."""
    return change_or_show(operation, done, then or url_for("referrals.view", referral_id=referral_id),
                          lambda: view(referral_id))


def _refused(referral_id: str, exc: ServiceError):
    """Show the referral again with the refusal; the answer's status (>= 400) rolls back the request
    (the reads of the page are put on record again after the rollback)."""
    get_session().rollback()
    flash(str(exc.message), "error")
    return view(referral_id), exc.status


@bp.post("/<referral_id>/messages")
def message(referral_id):
    form = MessageForm()
    if not form.validate_on_submit():
        return _invalid(referral_id, form)
    return _run(referral_id, lambda: services.add_message(get_session(), current_user, referral_id, form.body.data,
                                                          form.language.data), _("The message was sent."))


@bp.post("/<referral_id>/attachments")
def attach(referral_id):
    form = AttachmentForm()
    upload = request.files.get("file")
    if not form.validate_on_submit():
        return _invalid(referral_id, form)
    if upload is None or not upload.filename:
        return _refused(referral_id, ValidationError(_("Choose a file to attach."), field="file"))
    return _run(referral_id, lambda: services.add_attachment(get_session(), current_user, referral_id, upload.stream,
                                                             upload.filename), _("The file was attached."))


@bp.get("/<referral_id>/attachments/<attachment_id>")
def download(referral_id, attachment_id):
    att, name, body = services.read_attachment(get_session(), current_user, referral_id, attachment_id)
    return responses.attachment(att, name, body)


@bp.app_context_processor
def _navigation():
    def referral_counts():
        return _counts(get_session(), current_user)
    return {"referral_counts": referral_counts}
