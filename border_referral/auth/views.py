from __future__ import annotations

import time

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..database import get_session
from ..extensions import limiter
from ..errors import ServiceError, ValidationError
from ..i18n import valid_locale
from ..web import public, show_service_error
from . import services
from .forms import EmptyForm, LanguageForm, PasswordForm, SignInForm, TokenForm, UserCreateForm, UserEditForm
from .models import ROLES, User
from ..util import utcnow

bp = Blueprint("auth", __name__, template_folder="templates")


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
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
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
            session.clear()
            session.permanent = True
            session["signed_in_at"] = int(time.time())  # for the absolute lifetime (web.py)
            login_user(principal)
            if principal.locale is None and lang:
                services.set_locale(get_session(), principal, lang)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/sign_in.html", form=form), status


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
                           calendar=get_session().get(User, current_user.id).calendar, today=utcnow()), status


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
                                              scope=form.scope.data)
    except ValidationError as exc:
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
            return redirect(url_for("auth.users"))
    rows = services.list_users(get_session(), current_user)
    return render_template("auth/users.html", rows=rows, form=form, roles=ROLES), status


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
            return redirect(url_for("auth.users"))
    tokens = services.list_tokens(get_session(), current_user, user_id)
    return render_template("auth/user_edit.html", user=user, form=form, tokens=tokens,
                           token_form=TokenForm(), empty=EmptyForm()), status


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
