"""Sign in, sign out, first password with a setup code, change password."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf
from app.i18n import gettext as _, ngettext
from flask_login import current_user, login_user, logout_user

from app.access import public, requires
from app.auth import bp, devices, services
from app.auth.forms import ChangePasswordForm, LoginForm, SetupForm
from app.audit import client_address
from app.forms import submit
from app.htmx import redirect_after_post
from app.i18n import LANG_COOKIE
from app.security import safe_next_path


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm()
    if request.method == "GET" and session.get("setup_username"):
        form.username.data = session.pop("setup_username")   # just set at /setup
    cookie = request.cookies.get(devices.COOKIE)
    device = devices.nonce_for(cookie, services.normalise_username(form.username.data or ""))
    outcome = submit(form, lambda: services.authenticate(
        form.username.data, form.password.data, client_address(), device=device))
    if not outcome:
        return render_template("auth/login.html", form=form), outcome.status
    user = outcome.result
    session.clear()  # a fresh session at every login (no fixation)
    services.start_session(user)
    login_user(user)
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in current_app.config["LANGUAGES"] and chosen != user.language:
        # A language chosen on the sign-in page stays, as the person's setting.
        services.set_language(user, chosen)
    # The new session's CSRF secret goes out with this answer (this
    # request's form already cached the old one on g), not with the next page.
    g.pop("csrf_token", None)
    generate_csrf()
    if user.failed_attempts_seen:
        flash(ngettext(
            "Since you last signed in, %(num)d attempt to sign in to your account failed "
            "(mistyped passwords included). If it was not you, tell the administrator.",
            "Since you last signed in, %(num)d attempts to sign in to your account failed "
            "(mistyped passwords included). If they were not yours, tell the administrator.",
            user.failed_attempts_seen), "warning")
    response = redirect(safe_next_path(request.args.get("next"), url_for("core.home")), code=303)
    devices.remember(response, cookie, user.username)
    return response


@bp.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        services.revoke_session(current_user.session_token, "logout")
        logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect_after_post(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    form = SetupForm()
    outcome = submit(form, lambda: services.redeem_setup_code(form.code.data, form.password.data,
                                                              client_address()))
    if not outcome:
        return render_template("auth/setup.html", form=form), outcome.status
    user = outcome.result
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash(_("Your password is set. Sign in with your username: %(u)s", u=user.username), "success")
    session["setup_username"] = user.username   # the sign-in form comes filled in
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account/password", methods=["GET", "POST"])
@requires("account.manage")
def change_password():
    form = ChangePasswordForm()
    outcome = submit(form, lambda: services.change_password(
        current_user, form.current_password.data, form.password.data, client_address(),
        _device_of(current_user)),
        _("Your password is changed. Other devices were signed out."))
    if isinstance(outcome.error, services.SessionEnded):
        logout_user()
        session.clear()
        flash(outcome.error.message, "error")
        return redirect(url_for("auth.login"), code=303)
    if not outcome:
        return render_template("auth/password.html", form=form), outcome.status
    return redirect(url_for("core.home"), code=303)


def _device_of(user) -> str | None:
    return devices.nonce_for(request.cookies.get(devices.COOKIE), user.username)
