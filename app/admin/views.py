"""Administration: user accounts, the access table, the audit log."""
from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from app.i18n import gettext as _
from flask_login import current_user

from app import audit
from app.access import ROLES, requires
from app.admin import bp, services
from app.admin.forms import AuditFilterForm, UserCreateForm, UserEditForm
from app.audit import AuditEvent
from app.auth import services as auth
from app.auth.models import User
from app.auth.tasks import render_setup_slip
from app.db import get_or_404
from app.forms import add_error
from app.htmx import render
from app.jobs import services as jobs
from app.registry import registry
from app.urls import page_arg

PAGE_SIZE = 50


@bp.route("/users")
@requires("users.manage")
def users():
    role = request.args.get("role", "")
    role = role if role in ROLES else ""
    text = request.args.get("q", "")[:100]
    page = page_arg()
    rows, has_next = services.user_rows(role or None, text, page)
    return render("admin/users.html", "admin/_user_rows.html", users=rows, role=role, q=text,
                  page=page, has_next=has_next,
                  role_labels=services.role_labels(), edit_base=url_for("admin.users"))


@bp.route("/users/new", methods=["GET", "POST"])
@requires("users.manage")
def new_user():
    form = UserCreateForm()
    if form.validate_on_submit():
        try:
            user = auth.create_user(form.username.data, form.display_name.data, form.roles.data,
                                    language=form.language.data)
        except auth.AuthError as error:
            add_error(form, error.field, error.message)
        else:
            flash(_("Account created. Print a setup slip so they can choose a password."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("users.manage")
def edit_user(user_id: int):
    user = get_or_404(User, User.id == user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = user.role_names
    if form.validate_on_submit():
        if user.id == current_user.id and "admin" not in form.roles.data:
            add_error(form, "roles", _("You cannot remove your own administrator role."))
        else:
            auth.update_user(user, form.display_name.data, form.language.data, form.roles.data)
            flash(_("Changes saved."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@requires("users.manage")
def set_active(user_id: int):
    user = get_or_404(User, User.id == user_id)
    make_active = request.form.get("active") == "1"
    if user.id == current_user.id and not make_active:
        flash(_("You cannot disable your own account."), "error")
    else:
        auth.set_active(user, make_active)
        flash(_("Account enabled.") if make_active else _("Account disabled; their sessions are ended."),
              "success")
    return redirect(url_for("admin.edit_user", user_id=user.id), code=303)


@bp.route("/users/<int:user_id>/setup-slip", methods=["POST"])
@requires("users.manage")
def setup_slip(user_id: int):
    user = get_or_404(User, User.id == user_id)
    if not user.active:
        flash(_("Enable the account first."), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id), code=303)
    job = jobs.start("setup_slip", current_user, render_setup_slip,
                     user_id=user.id, issued_by_id=current_user.id)
    return redirect(url_for("jobs.show", job_id=job.id), code=303)


@bp.route("/access")
@requires("access.view")
def access_table():
    reg = registry()
    return render_template("admin/access.html", roles=ROLES,
                           capabilities=sorted(reg.capability_labels),
                           labels=reg.capability_labels, table=reg.capabilities)


def _audit_query(form: AuditFilterForm):
    until = form.until.data + dt.timedelta(days=1) if form.until.data else None
    return AuditEvent.filtered(action=form.action.data or None, actor=form.actor.data or None,
                               object_type=form.object_type.data or None,
                               since=form.since.data, until=until)


def _audit_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Any"))] + [(a, a) for a in AuditEvent.distinct_actions()]
    return form


@bp.route("/audit")
@requires("audit.view")
def audit_log():
    form = _audit_form()
    form.validate()
    page = page_arg()
    query = _audit_query(form) if not form.errors else AuditEvent.filtered()
    events = list(query.paginate(page, PAGE_SIZE + 1))
    return render("admin/audit.html", "admin/_audit_rows.html", form=form,
                  events=events[:PAGE_SIZE], page=page, has_next=len(events) > PAGE_SIZE)


@bp.route("/audit.csv")
@requires("audit.view")
def audit_csv():
    form = _audit_form()
    if not form.validate():
        abort(400)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["at_utc", "user", "action", "object_type", "object_id",
                     "client_address", "summary"])
    for event in _audit_query(form).iterator():
        writer.writerow([event.at.isoformat(timespec="seconds"), event.actor_username,
                         event.action, event.object_type, event.object_id,
                         event.client_address, event.summary])
    audit.record("audit.exported", "audit", None, "csv export")
    return Response(buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=kituo-audit.csv"})
