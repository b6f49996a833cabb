"""Group sessions for staff: planning (one or a weekly series), sign-ups
and the waiting list, places, changes, the attendance register and
cancelling."""
from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_login import current_user

from app.access import requires
from app.counselling import bp, groups, services
from app.counselling import forms as F
from app.counselling.services import CounsellingError
from app.counselling.slots import to_local
from app.counselling.views.common import member_or_refuse
from app.db import utcnow
from app.forms import add_error, submit
from app.htmx import see_other
from app.i18n import gettext as _


def _group_or_404(session_id: int):
    return groups.session_or_none(session_id) or abort(404)


def _managed_group_or_404(session_id: int):
    """A session the user may manage (403 otherwise)."""
    session = _group_or_404(session_id)
    if not groups.may_manage(current_user, session):
        abort(403)
    return session


def _start(form):
    """The first session's start (naive UTC) from the form's local date and time."""
    return services.local_range(form.day.data, form.day.data, form.start_time.data,
                                form.start_time.data)[0]


@bp.route("/counselling/groups")
@requires("counselling.groups")
def groups_index():
    sessions = list(groups.upcoming())
    return render_template("counselling/groups.html", sessions=sessions,
                           counts=groups.counts(sessions),
                           facilitators=groups.facilitator_names(sessions))


@bp.route("/counselling/groups/new", methods=["GET", "POST"])
@requires("counselling.groups")
def new_group():
    form = F.GroupForm()
    form.facilitators.choices = groups.facilitator_choices()
    if request.method == "GET":
        form.facilitators.data = [current_user.id]
        return render_template("counselling/group_form.html", form=form)
    if form.validate():
        try:
            created = groups.create_sessions(
                form.title.data, _start(form), form.minutes.data, form.room.data,
                form.capacity.data, form.facilitators.data, form.weeks.data,
                form.description.data, current_user)
            flash(_("%(n)d session(s) planned.", n=len(created)), "success")
            return see_other("counselling.group", session_id=created[0].id)
        except CounsellingError as error:
            add_error(form, error.field, error.message)
    return render_template("counselling/group_form.html", form=form), 422


def _group_page(session, signup_form=None, capacity_form=None, status=200):
    rows = list(groups.signups(session))
    return render_template(
        "counselling/group.html", session=session, rows=rows,
        may_manage=groups.may_manage(current_user, session),
        facilitators=groups.facilitator_names([session])[session.id],
        signup_form=signup_form or F.SignupForm(formdata=None),
        capacity_form=capacity_form or F.CapacityForm(formdata=None, capacity=session.capacity),
        booked=[r for r in rows if r.status == groups.BOOKED],
        waiting=[r for r in rows if r.status == groups.WAITLISTED],
        started=session.starts_at <= utcnow()), status


@bp.route("/counselling/groups/<int:session_id>")
@requires("counselling.groups")
def group(session_id: int):
    return _group_page(_group_or_404(session_id))


@bp.route("/counselling/groups/<int:session_id>/signups", methods=["POST"])
@requires("counselling.groups")
def group_signup(session_id: int):
    session = _group_or_404(session_id)
    form = F.SignupForm()
    if form.validate():
        try:
            signup = groups.sign_up(session, member_or_refuse(form.member_code.data),
                                    current_user)
            flash(_("Place confirmed.") if signup.status == groups.BOOKED
                  else _("The session is full: added to the waiting list."), "success")
            return see_other("counselling.group", session_id=session.id)
        except CounsellingError as error:
            add_error(form, "member_code", error.message)
    return _group_page(session, signup_form=form, status=422)


@bp.route("/counselling/groups/<int:session_id>/signups/<int:signup_id>/cancel",
          methods=["POST"])
@requires("counselling.groups")
def group_signup_cancel(session_id: int, signup_id: int):
    session = _group_or_404(session_id)
    signup = groups.active_signup(session, signup_id) or abort(404)
    groups.cancel_signup(signup, current_user, tell_member=True)
    return see_other("counselling.group", session_id=session.id)


@bp.route("/counselling/groups/<int:session_id>/capacity", methods=["POST"])
@requires("counselling.groups")
def group_capacity(session_id: int):
    session = _managed_group_or_404(session_id)
    form = F.CapacityForm()
    if submit(form, lambda: groups.set_capacity(session, form.capacity.data, current_user)):
        return see_other("counselling.group", session_id=session.id)
    return _group_page(_group_or_404(session_id), capacity_form=form, status=422)


def _group_edit_page(session, form, status=200):
    return render_template("counselling/group_edit.html", session=session, form=form,
                           booked=groups.booked_count(session),
                           series=bool(session.series)), status


@bp.route("/counselling/groups/<int:session_id>/edit", methods=["GET", "POST"])
@requires("counselling.groups")
def group_edit(session_id: int):
    session = _managed_group_or_404(session_id)
    if not groups.editable(session):
        abort(404)
    if request.method == "GET":
        local = to_local(session.starts_at)
        form = F.GroupEditForm(formdata=None, title=session.title,
                               description=session.description, day=local.date(),
                               start_time=local.time().replace(second=0, microsecond=0),
                               minutes=groups.minutes_of(session), room=session.room,
                               capacity=session.capacity)
        form.facilitators.choices = groups.facilitator_choices(session)
        form.facilitators.data = [f.user_id for f in session.facilitators]
        return _group_edit_page(session, form)
    form = F.GroupEditForm()
    form.facilitators.choices = groups.facilitator_choices(session)
    if form.validate():
        try:
            changed = groups.update_session(
                session, form.title.data, _start(form), form.minutes.data, form.room.data,
                form.capacity.data, form.facilitators.data, form.description.data,
                current_user)
            flash(_("Session changed.") if changed else _("Nothing was changed."), "success")
            return see_other("counselling.group", session_id=session.id)
        except CounsellingError as error:
            add_error(form, error.field, error.message)
    return _group_edit_page(_group_or_404(session_id), form, 422)


@bp.route("/counselling/groups/<int:session_id>/register", methods=["POST"])
@requires("counselling.groups")
def group_register(session_id: int):
    session = _managed_group_or_404(session_id)
    try:
        groups.record_attendance(session, request.form.getlist("present", type=int),
                                 current_user)
        flash(_("Attendance saved."), "success")
    except CounsellingError as error:
        flash(str(error.message), "error")
    return see_other("counselling.group", session_id=session.id)


@bp.route("/counselling/groups/<int:session_id>/cancel", methods=["GET", "POST"])
@requires("counselling.groups")
def group_cancel(session_id: int):
    """GET asks first (everyone signed up is told, which cannot be taken
    back); POST cancels. Only an upcoming session that is not cancelled."""
    session = _managed_group_or_404(session_id)
    if not groups.editable(session):
        abort(404)
    if request.method == "GET":
        count = groups.counts([session])[session.id]
        return render_template("counselling/group_cancel.html", session=session,
                               booked=count[groups.BOOKED], waiting=count[groups.WAITLISTED])
    groups.cancel_session(session, current_user)
    flash(_("Session cancelled."), "success")
    return see_other("counselling.groups_index")
