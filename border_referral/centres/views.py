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
from . import proposals, services
from wtforms.fields.choices import SelectChoice

from .forms import CentreForm, CrossingForm, PartnershipForm
from .models import Centre, CrossingPoint, Partnership

bp = Blueprint("centres", __name__, template_folder="templates", url_prefix="/admin")

KINDS = {
    "centres": (Centre, CentreForm, services.save_centre, _l("Centres")),
    "crossings": (CrossingPoint, CrossingForm, services.save_crossing, _l("Crossing points")),
    "partnerships": (Partnership, PartnershipForm, services.save_partnership, _l("Partnerships")),
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
        return [(c, [x.code for x in services.crossings_of(session, c.id)]) for c in services.centres(session)]
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
            save(session, current_user, code, data, form.version.data)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            status = show_service_error(form, exc)
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("centres.reference"))
    return render_template("centres/edit.html", form=form, kind=kind, title=title, obj=obj), status
