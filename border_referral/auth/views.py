from __future__ import annotations

import time

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from ..database import get_session
from ..extensions import limiter
from ..errors import ServiceError, Throttled, ValidationError
from ..i18n import current_locale, valid_locale
from ..i18n.places import zone_name
from ..web import public, show_service_error
from . import grants, services
from . import two_factor as second_factor
from .forms import (ROLE_LABELS, CentreSecurityForm, CodeForm, DisableTwoFactorForm, EmptyForm, EnrolForm,
                    LanguageForm, PasswordForm, RecoveryCodesForm, SignInForm, TokenForm, UserCreateForm, UserEditForm)
from .models import ALL_ROLES, ROLES
from ..util import utcnow

bp = Blueprint("auth", __name__, template_folder="templates")

# The half-signed-in state (password right, second factor not yet given), kept in the signed
# session cookie for at most TWO_FACTOR_PENDING_SECONDS: {"user": id, "at": epoch seconds, "next": path}.
# Nobody is signed in while it lasts, so no page and no API answers but the public ones.
PENDING = "two_factor_pending"
# The roles as the account page names them (the codes are for the API and the audit log).
ROLE_NAMES = {**ROLE_LABELS, "network_admin": _l("Network administrator")}
GRANT_STATES = {"pending": _l("waiting for a second administrator"), "approved": _l("granted"),
                "refused": _l("refused"), "withdrawn": _l("replaced by a later request")}


def _safe_next(target: str | None) -> str:
    """Only paths on this site: never an open redirect."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_PER_ADDRESS"], methods=["POST"])
def sign_in():
    """Signing in: the password, then, for an account with a second factor, a code on a second page
    (the same address, while the half-signed-in state lasts; `?restart=1` goes back to the first)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if request.args.get("restart"):
        session.pop(PENDING, None)
        return redirect(url_for("auth.sign_in"))
    pending = _pending()
    if pending is not None:
        return _code_step(pending)
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        try:
            principal = services.authenticate(get_session(), form.email.data, form.password.data, request.remote_addr)
        except ServiceError as exc:
            flash(str(exc.message), "error")
            status = exc.status
            # Keep the failure's records (throttle counter, audit) although the answer is an error.
            g.commit_despite_error = True
        else:
            lang = session.get("lang")
            target = _safe_next(request.args.get("next"))
            if principal.two_factor:
                session.clear()
                if lang:
                    session["lang"] = lang
                session[PENDING] = {"user": principal.id, "at": int(time.time()), "next": target}
                return redirect(url_for("auth.sign_in"))
            return _signed_in(principal, lang, target)
    return render_template("auth/sign_in.html", form=form), status


def _pending() -> dict | None:
    """The half-signed-in state, if there is one and it is not older than TWO_FACTOR_PENDING_SECONDS."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not pending.get("user"):
        return None
    if int(time.time()) - int(pending.get("at", 0)) > current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        session.pop(PENDING, None)
        flash(_("Signing in took too long. Please start again."), "info")
        return None
    return pending


def _code_step(pending: dict):
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            principal = services.second_factor_sign_in(get_session(), pending["user"], form.code.data)
        except ServiceError as exc:
            flash(str(exc.message), "error")
            status = exc.status
            g.commit_despite_error = True  # keep the refusal's audit record
        else:
            return _signed_in(principal, session.get("lang"), pending.get("next") or "")
    return render_template("auth/sign_in_code.html", form=form), status


def _signed_in(principal, lang: str | None, target: str):
    """Both factors given (or only a password needed): a fresh session cookie and a session row."""
    session.clear()
    session.permanent = True
    session["signed_in_at"] = int(time.time())  # for the absolute lifetime (web.py)
    principal = services.start_session(get_session(), principal, request.user_agent.string)
    login_user(principal)
    if principal.locale is None and lang:
        services.set_locale(get_session(), principal, lang)
    if principal.must_enrol:
        flash(_("Your account must use two-factor sign-in. Set it up now to continue."), "info")
        return redirect(url_for("auth.two_factor"))
    return redirect(_safe_next(target))


@bp.post("/sign-out")
def sign_out():
    if EmptyForm().validate_on_submit():
        services.sign_out(get_session(), current_user)
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.post("/language")
@public
def language():
    form = LanguageForm()
    code = valid_locale(form.lang.data)
    if form.validate_on_submit() and code:
        session["lang"] = code
        if current_user.is_authenticated:
            services.set_locale(get_session(), current_user, code)
    return redirect(_safe_next(form.next.data))


# ---------------------------------------------------------------- own account

def role_names(roles) -> list[str]:
    """Translated names of role codes, in the order of ALL_ROLES (an unknown code as it is)."""
    order = {r: i for i, r in enumerate(ALL_ROLES)}
    return [str(ROLE_NAMES.get(r, r)) for r in sorted(set(roles), key=lambda r: (order.get(r, len(order)), r))]


@bp.route("/account", methods=["GET", "POST"])
def account():
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_password(get_session(), current_user, form.current_password.data, form.new_password.data)
        except ServiceError as exc:
            status = show_service_error(form, exc)
        else:
            logout_user()
            session.clear()
            flash(_("Your password was changed. Please sign in with the new password."), "info")
            return redirect(url_for("auth.sign_in"))
    tokens = services.list_tokens(get_session(), current_user, current_user.id)
    return render_template("auth/account.html", form=form, tokens=tokens, token_form=TokenForm(), empty=EmptyForm(),
                           sessions=len(services.list_sessions(get_session(), current_user)),
                           calendar=services.calendar_of(get_session(), current_user), today=utcnow(),
                           my_grants=grants.of_user(get_session(), current_user.id), grant_states=GRANT_STATES,
                           role_names=role_names, zone=zone_name(current_user.timezone, current_locale())), status


# ---------------------------------------------------------------- two-factor sign-in

@bp.route("/account/two-factor", methods=["GET", "POST"])
def two_factor():
    """Set up the second factor (QR code, the secret to type, confirm with the password and a code),
    or, once it is on, new recovery codes and turning it off."""
    db = get_session()
    if current_user.two_factor:
        return render_template("auth/two_factor.html", enrolled=True,
                               codes_left=second_factor.recovery_codes_left(db, current_user.id),
                               codes_form=RecoveryCodesForm(), disable_form=DisableTwoFactorForm())
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm(db, current_user, form.password.data, form.code.data)
        except ServiceError as exc:
            status = show_service_error(form, exc)
            g.commit_despite_error = True  # the refusal's audit record; nothing else was changed
        else:
            flash(_("Two-factor sign-in is on."), "info")
            return render_template("auth/recovery_codes.html", codes=codes)
    enrolment = second_factor.enrolment(db, current_user)
    return render_template("auth/two_factor.html", enrolled=False, enrolment=enrolment, form=form), status


@bp.post("/account/two-factor/recovery-codes")
def two_factor_codes():
    form = RecoveryCodesForm()
    if not form.validate_on_submit():
        flash(_("Enter the 6-digit code from your authenticator app."), "error")
        return redirect(url_for("auth.two_factor"))
    try:
        codes = second_factor.regenerate_recovery_codes(get_session(), current_user, form.code.data)
    except ServiceError as exc:
        flash(str(exc.message), "error")  # a redirect: the refusal's audit record is kept
        return redirect(url_for("auth.two_factor"))
    # Shown once, on this response only; never put in a URL or the session.
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/account/two-factor/disable")
def two_factor_disable():
    form = DisableTwoFactorForm()
    if not form.validate_on_submit():
        flash(_("Enter your password and a code."), "error")
        return redirect(url_for("auth.two_factor"))
    try:
        second_factor.disable(get_session(), current_user, form.password.data, form.code.data)
    except ServiceError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("auth.two_factor"))
    flash(_("Two-factor sign-in is off."), "info")
    return redirect(url_for("auth.account"))


# ---------------------------------------------------------------- sessions

@bp.get("/account/sessions")
def sessions():
    rows = services.list_sessions(get_session(), current_user)
    return render_template("auth/sessions.html", rows=rows, current=services.current_session_key(current_user))


@bp.post("/account/sessions/<key>/end")
def end_session(key):
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("auth.sessions"))
    services.end_session(get_session(), current_user, key)
    if key == services.current_session_key(current_user):
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
        return redirect(url_for("auth.sign_in"))
    flash(_("The session was ended. That browser is signed out."), "info")
    return redirect(url_for("auth.sessions"))


@bp.post("/account/sessions/end-all")
def sign_out_everywhere():
    if EmptyForm().validate_on_submit():
        services.sign_out_everywhere(get_session(), current_user)
        logout_user()
        session.clear()
        flash(_("You have signed out on every device."), "info")
        return redirect(url_for("auth.sign_in"))
    return redirect(url_for("auth.sessions"))


@bp.post("/account/tokens")
def create_own_token():
    return _create_token(current_user.id, url_for("auth.account"))


@bp.post("/tokens/<token_id>/revoke")
def revoke_token(token_id):
    if EmptyForm().validate_on_submit():
        token = services.revoke_token(get_session(), current_user, token_id)
        flash(_("The token was revoked."), "info")
        if token.user_id != current_user.id:
            return redirect(url_for("auth.edit_user", user_id=token.user_id))
    return redirect(url_for("auth.account"))


def _create_token(user_id: str, back: str):
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Reload the page and try again."), "error")
        return redirect(back)
    try:
        _token, plain = services.create_token(get_session(), current_user, user_id, form.name.data,
                                              password=form.password.data, days=form.days.data,
                                              scope=form.scope.data, code=form.code.data)
    except (ValidationError, Throttled) as exc:
        flash(str(exc.message), "error")
        return redirect(back)
    # Shown once, on this response only; never put in a URL or the session.
    return render_template("auth/token_created.html", token=plain, back=back)


# ---------------------------------------------------------------- administration

@bp.route("/admin/users", methods=["GET", "POST"])
def users():
    form = UserCreateForm()
    status = 200
    if request.method == "GET":
        form.locale.data = current_user.locale or "en"
    if form.validate_on_submit():
        try:
            user = services.create_user(
                get_session(), current_user, email=form.email.data, password=form.password.data,
                centre_code=current_user.centre_code, roles=form.roles.data, locale=form.locale.data,
                display_name=form.display_name.data,
            )
        except ServiceError as exc:
            if exc.status == 403:
                raise
            status = show_service_error(form, exc)
        else:
            flash(_("The account %(email)s was created.", email=user.email), "info")
            _say_if_waiting(user.id)
            return redirect(url_for("auth.users"))
    rows = services.list_users(get_session(), current_user)
    return render_template("auth/users.html", rows=rows, form=form, roles=ROLES,
                           two_factor=services.two_factor_states(get_session(), current_user),
                           grant_rows=_grant_rows(), empty=EmptyForm(), role_name=ROLE_NAMES), status


def _say_if_waiting(user_id: str) -> None:
    if grants.pending_of_user(get_session(), user_id):
        flash(_("The roles that read case data wait for a second administrator's approval."), "info")


def _grant_rows() -> list[tuple]:
    return grants.listing(get_session(), current_user)


@bp.get("/admin/role-grants")
def role_grants():
    """Requests for roles that read case data, for the second pair of eyes (README, "Roles")."""
    if not current_user.has_role("admin", "network_admin"):
        abort(403)
    return render_template("auth/role_grants.html", grant_rows=_grant_rows(), empty=EmptyForm(), role_name=ROLE_NAMES)


@bp.post("/admin/role-grants/<grant_id>/<action>")
def decide_role_grant(grant_id, action):
    if action not in ("approve", "refuse"):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    grants.decide(get_session(), current_user, grant_id, approve=action == "approve")  # errors: an error page
    flash(_("The roles were granted.") if action == "approve" else _("The request was refused."), "info")
    return redirect(_safe_next(request.form.get("next") or url_for("auth.role_grants")))


@bp.route("/admin/security", methods=["GET", "POST"])
def centre_security():
    """The centre's administrator requires a second factor of everyone of the centre (or not)."""
    centre = services.centre_security(get_session(), current_user)
    form = CentreSecurityForm()
    status = 200
    if request.method == "GET":
        form.require_two_factor.data = centre.require_two_factor
        form.version.data = centre.version
    if form.validate_on_submit():
        try:
            second_factor.set_centre_requirement(get_session(), current_user, form.require_two_factor.data,
                                                 form.version.data)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            status = show_service_error(form, exc)
        else:
            flash(_("The security settings of the centre were saved."), "info")
            return redirect(url_for("auth.centre_security"))
    rows = services.list_users(get_session(), current_user)
    return render_template("auth/centre_security.html", form=form, centre=centre, rows=rows,
                           two_factor=services.two_factor_states(get_session(), current_user)), status


@bp.route("/admin/users/<user_id>", methods=["GET", "POST"])
def edit_user(user_id):
    user, roles = services.get_user(get_session(), current_user, user_id)
    form = UserEditForm()
    status = 200
    if request.method == "GET":
        form.roles.data = sorted(roles)
        form.active.data = user.active
        form.version.data = user.version
    if form.validate_on_submit():
        try:
            services.update_user(get_session(), current_user, user_id, roles=form.roles.data,
                                 active=form.active.data, version=form.version.data)
        except ServiceError as exc:
            if exc.status in (403, 404):
                raise
            status = show_service_error(form, exc)
        else:
            flash(_("The account was saved."), "info")
            _say_if_waiting(user_id)
            return redirect(url_for("auth.users"))
    tokens = services.list_tokens(get_session(), current_user, user_id)
    return render_template("auth/user_edit.html", user=user, form=form, tokens=tokens,
                           token_form=TokenForm(), empty=EmptyForm(),
                           two_factor=second_factor.enabled(get_session(), user_id)), status


@bp.post("/admin/users/<user_id>/two-factor/reset")
def reset_two_factor(user_id):
    """For a person who lost the phone and the recovery codes: the centre's administrator removes
    the second factor; the person sets it up again."""
    if EmptyForm().validate_on_submit():
        services.reset_two_factor(get_session(), current_user, user_id)
        flash(_("Two-factor sign-in was reset. The person sets it up again at the next sign-in."), "info")
    return redirect(url_for("auth.edit_user", user_id=user_id))


@bp.post("/account/calendar")
def calendar():
    """The reader's calendar (README, "Calendars"); CSRF is checked by CSRFProtect."""
    try:
        services.set_calendar(get_session(), current_user, request.form.get("calendar") or None)
    except ValidationError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("auth.account"))
    flash(_("Saved."), "info")
    return redirect(url_for("auth.account"))
