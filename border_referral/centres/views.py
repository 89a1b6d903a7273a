"""Administration of the reference data. One set of views serves the three kinds of record."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.permissions import require_role
from ..database import get_session
from ..errors import ServiceError
from ..i18n import current_locale
from ..web import show_service_error
from ..auth.forms import EmptyForm
from . import jurisdictions, proposals, services
from wtforms.fields.choices import SelectChoice

from .forms import CentreForm, CrossingForm, PartnershipForm
from .models import Centre, CrossingPoint, Partnership

bp = Blueprint("centres", __name__, template_folder="templates", url_prefix="/admin")


@bp.app_template_global()
def child_age(centre_id: int) -> int:
    """Below this age a person is a child, by the law of the centre that owns the record (the
    "under 18" of a page comes from the jurisdiction profile, never from the template)."""
    return jurisdictions.profile_of_centre(get_session(), centre_id).child_age

KINDS = {
    "centres": (Centre, CentreForm, services.save_centre, _l("Centres")),
    "crossings": (CrossingPoint, CrossingForm, services.save_crossing, _l("Crossing points")),
    "partnerships": (Partnership, PartnershipForm, proposals.save_partnership, _l("Partnerships")),
}


def _kind(kind: str):
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _choices(session, form) -> None:
    loc = current_locale()
    if isinstance(form, CrossingForm):
        countries = [SelectChoice(c.code, c.name(loc)) for c in services.countries(session)]
        form.country_a.choices, form.country_b.choices = countries, list(countries)
    if isinstance(form, CentreForm):
        form.country_code.choices = [SelectChoice(c.code, c.name(loc)) for c in services.countries(session)]
        form.crossings.choices = [SelectChoice(x.code, f"{x.code} · {x.name(loc)}") for x in services.crossings(session)]
    if isinstance(form, PartnershipForm):
        form.members.choices = [SelectChoice(c.code, f"{c.code} · {c.name(loc)}") for c in services.centres(session)]


def _listing(session, kind: str):
    if kind == "centres":
        centres = services.centres(session)
        crossings = services.crossings_by_centre(session, [c.id for c in centres])
        return [(c, [x.code for x in crossings[c.id]]) for c in centres]
    if kind == "partnerships":
        return [(p, [c.code for c in services.members(session, p.id)]) for p in services.partnerships(session)]
    return [(x, [c for c in (x.country_a, x.country_b) if c]) for x in services.crossings(session)]


@bp.get("/reference")
def reference():
    """Every administrator reads the reference data; only a network administrator changes it. The
    partnership proposals concerning the reader's centre are listed, with the answer buttons."""
    require_role(current_user, "admin", services.NETWORK_ADMIN)
    session = get_session()
    pending = [(p, services.by_id(session, Partnership, p.partnership_id), proposals.answers(session, p),
                proposals.awaiting(session, current_user, p))
               for p in proposals.for_actor(session, current_user, "pending")]
    return render_template("centres/reference.html", countries=services.countries(session),
                           profiles=jurisdictions.all_profiles(session),
                           sections=[(k, KINDS[k][3], _listing(session, k)) for k in KINDS],
                           can_edit=current_user.has_role(services.NETWORK_ADMIN), pending=pending,
                           form=EmptyForm())


@bp.post("/partnership-proposals/<proposal_id>/<action>")
def decide_proposal(proposal_id, action):
    decisions = {"approve": "approved", "reject": "rejected"}
    if action not in decisions:
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    proposals.decide(get_session(), current_user, proposal_id, decisions[action])  # errors: an error page
    flash(_("Saved."), "info")
    return redirect(url_for("centres.reference"))


@bp.route("/<kind>/new", methods=["GET", "POST"], defaults={"code": None})
@bp.route("/<kind>/<code>", methods=["GET", "POST"])
def edit(kind, code):
    require_role(current_user, services.NETWORK_ADMIN)
    model, form_cls, save, title = _kind(kind)
    session = get_session()
    obj = services.by_code(session, model, code) if code else None
    form = form_cls(obj=obj) if request.method == "GET" else form_cls()
    status = 200
    _choices(session, form)
    if request.method == "GET" and obj is not None:
        if kind == "centres":
            form.crossings.data = [x.code for x in services.crossings_of(session, obj.id)]
        if kind == "partnerships":
            form.members.data = [c.code for c in services.members(session, obj.id)]
        if kind == "crossings":
            form.country_a.data, form.country_b.data = obj.country_a, obj.country_b
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k not in {"csrf_token", "version"}}
        try:
            saved = save(session, current_user, code, data, form.version.data)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            status = show_service_error(form, exc)
        else:
            if getattr(saved, "state", None) == "pending":
                flash(_("Saved. The new members take effect when every centre concerned has approved."), "info")
            else:
                flash(_("Saved."), "info")
            return redirect(url_for("centres.reference"))
    return render_template("centres/edit.html", form=form, kind=kind, title=title, obj=obj), status


# ---------------------------------------------------------------- jurisdiction profiles

MONTHS = range(1, 13)


def _profile_from_form(form) -> dict:
    """The posted page as the shape `jurisdictions.save_settings` takes (raw text; it checks)."""
    clocks = {}
    for name in jurisdictions.CLOCK_NAMES:
        if not form.get(f"clocks.{name}.on"):
            clocks[name] = None
        elif name == "custody":
            clocks[name] = {"hours": form.get(f"clocks.{name}.hours", ""),
                            "court_extension_days": form.get(f"clocks.{name}.court_extension_days", ""),
                            "source": form.get(f"clocks.{name}.source", "")}
        else:
            clocks[name] = {"days": form.get(f"clocks.{name}.days", ""),
                            "approximate": bool(form.get(f"clocks.{name}.approximate")),
                            "source": form.get(f"clocks.{name}.source", "")}
    outcomes = list(jurisdictions.BASE_OUTCOMES)
    if form.get("outcomes.forced_labour"):
        outcomes.append(jurisdictions.FORCED_LABOUR)
    return {
        "clocks": clocks, "outcomes": outcomes,
        "child_age": form.get("child_age", ""), "child_age_source": form.get("child_age_source", ""),
        "legal_grounds": [{"code": code, "citation": form.get(f"legal_grounds.{code}", "")}
                          for code in jurisdictions.GROUND_LABELS if form.get(f"legal_grounds.{code}.on")],
        "fiscal_year": {key: form.get(f"fiscal_year.{key}", "") for key in
                        ("start_month", "named_by", "era", "since", "source")},
        "mdt_agencies": form.getlist("mdt_agencies"),
        "retention": {"closed_case_years": form.get("retention.closed_case_years", ""),
                      "source": form.get("retention.source", "")},
    }


@bp.route("/jurisdictions/<country>", methods=["GET", "POST"])
def jurisdiction(country):
    """Every administrator reads a country's rules; a network administrator changes them."""
    require_role(current_user, "admin", services.NETWORK_ADMIN)
    session = get_session()
    try:
        profile = jurisdictions.effective(session, country)
    except LookupError:
        abort(404)
    form, errors, status = EmptyForm(), {}, 200
    values = jurisdictions.editable_json(profile)
    version = profile.version
    if request.method == "POST":
        require_role(current_user, services.NETWORK_ADMIN)
        if not form.validate_on_submit():
            abort(400)
        values = _profile_from_form(request.form)
        version = request.form.get("version", "")
        try:
            jurisdictions.save_settings(session, current_user, profile.country, values, version)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            session.rollback()
            errors[exc.field or ""] = str(exc.message)
            flash(str(exc.message), "error")
            status = exc.status
        else:
            flash(_("Saved. The new rules apply to what is recorded from now on."), "info")
            return redirect(url_for("centres.jurisdiction", country=profile.country))
    return render_template("centres/jurisdiction.html", profile=profile, values=values, version=version,
                           errors=errors, form=form, months=MONTHS, can_edit=current_user.has_role(services.NETWORK_ADMIN),
                           clock_label=CLOCK_LABEL, ground_label=jurisdictions.GROUND_LABELS,
                           agency_label=jurisdictions.AGENCY, named_by_label=NAMED_BY_LABEL), status


CLOCK_LABEL = {
    "custody": _l("Custody for identification (hours)"),
    "pre_identification_shelter": _l("Shelter before identification (days)"),
    "reflection": _l("Recovery and reflection period (days)"),
    "temporary_shelter": _l("Temporary shelter (days)"),
    "longer_term_shelter": _l("Longer-term shelter (days)"),
    "transit_centre": _l("Transit centre (days)"),
}
NAMED_BY_LABEL = {
    "end_year": _l("By the year it ends in"),
    "start_and_end": _l("By both years (2026/27)"),
    "calendar_year": _l("By the calendar year"),
}
