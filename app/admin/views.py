"""Administration: user accounts, the access table, the audit log."""
from __future__ import annotations

from flask import Response, abort, flash, render_template, request, url_for
from app.i18n import gettext as _
from flask_login import current_user

from app.access import ROLES, requires
from app.admin import bp, services
from app.admin.forms import (
    ActiveForm, AuditFilterForm, UserCreateForm, UserEditForm, UserFilterForm)
from app.auth import services as auth
from app.auth.models import User
from app.auth.tasks import render_setup_slip
from app.db import get_or_404
from app.forms import submit
from app.htmx import render, see_other
from app.jobs import services as jobs
from app.registry import registry
from app.urls import page_arg


@bp.route("/users")
@requires("users.manage")
def users():
    role = request.args.get("role", "")
    role = role if role in ROLES else ""
    text = request.args.get("q", "")[:services.SEARCH_MAX]
    page = page_arg()
    rows, has_next = services.user_rows(role or None, text, page)
    return render("admin/users.html", "admin/_user_rows.html", users=rows, role=role, q=text,
                  page=page, has_next=has_next,
                  filters=UserFilterForm(formdata=None, q=text, role=role),
                  edit_base=url_for("admin.users"))


@bp.route("/users/new", methods=["GET", "POST"])
@requires("users.manage")
def new_user():
    form = UserCreateForm()
    outcome = submit(form, lambda: auth.create_user(
        form.username.data, form.display_name.data, form.roles.data, language=form.language.data,
        actor=current_user),
        _("Account created. Print a setup slip so they can choose a password."))
    if outcome:
        return see_other("admin.edit_user", user_id=outcome.result.id)
    return render_template("admin/user_form.html", form=form, user=None), outcome.status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("users.manage")
def edit_user(user_id: int):
    user = get_or_404(User, User.id == user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = user.role_names
    outcome = submit(form, lambda: auth.update_user(
        user, form.display_name.data, form.language.data, form.roles.data, actor=current_user),
        _("Changes saved."))
    if outcome:
        return see_other("admin.edit_user", user_id=user.id)
    return render_template("admin/user_form.html", form=form, user=user,
                           lock=auth.lock_state(user)), outcome.status


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@requires("users.manage")
def unlock(user_id: int):
    """Lift a sign-in lock (someone else's failures, or the person's own)."""
    user = get_or_404(User, User.id == user_id)
    auth.unlock(user)
    flash(_("Sign-in unlocked. The person can sign in again from any device."), "success")
    return see_other("admin.edit_user", user_id=user.id)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@requires("users.manage")
def set_active(user_id: int):
    user = get_or_404(User, User.id == user_id)
    form = ActiveForm()
    outcome = submit(form, lambda: auth.set_active(user, form.active.data == "1",
                                                   actor=current_user),
                     _("Account enabled.") if form.active.data == "1"
                     else _("Account disabled; their sessions are ended."))
    if not outcome:
        flash(str(outcome.message), "error")
    return see_other("admin.edit_user", user_id=user.id)


@bp.route("/users/<int:user_id>/setup-slip", methods=["POST"])
@requires("users.manage")
def setup_slip(user_id: int):
    user = get_or_404(User, User.id == user_id)
    if not user.active:
        flash(_("Enable the account first."), "error")
        return see_other("admin.edit_user", user_id=user.id)
    job = jobs.start("setup_slip", current_user, render_setup_slip,
                     user_id=user.id, issued_by_id=current_user.id, document=jobs.Document(
                         _("Setup slip"), user.username,
                         url_for("admin.edit_user", user_id=user.id),
                         url_for("admin.setup_slip", user_id=user.id)))
    return see_other("jobs.show", job_id=job.id)


@bp.route("/access")
@requires("access.view")
def access_table():
    from app.members.services import record_parts_table
    reg = registry()
    return render_template("admin/access.html", roles=ROLES,
                           capabilities=sorted(reg.capability_labels),
                           labels=reg.capability_labels, table=reg.capabilities,
                           record_parts=record_parts_table())


def _audit_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Any"))] + [(a, a) for a in services.audit_actions()]
    return form


def _filters(form: AuditFilterForm) -> dict:
    return {name: form[name].data for name in ("action", "actor", "object_type", "since", "until")}


@bp.route("/audit")
@requires("audit.view")
def audit_log():
    form = _audit_form()
    filters = _filters(form) if form.validate() else {}
    return render("admin/audit.html", "admin/_audit_rows.html", form=form,
                  **services.audit_page(page_arg(), **filters))


@bp.route("/audit.csv")
@requires("audit.view")
def audit_csv():
    form = _audit_form()
    if not form.validate():
        abort(400)
    return Response(services.audit_csv(current_user, **_filters(form)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=kituo-audit.csv"})
