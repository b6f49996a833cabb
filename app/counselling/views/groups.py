"""Group sessions for staff: planning (one or a weekly series), sign-ups
and the waiting list, places, changes, the attendance register and
cancelling."""
from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_login import current_user

from app.access import requires
from app.counselling import bp, groups, services
from app.counselling import forms as F
from app.counselling.models import GroupSession, GroupSignup
from app.counselling.views.common import flash_errors, member_or_refuse
from app.clock import to_local
from app.db import get_or_404, utcnow
from app.forms import KituoForm, submit
from app.htmx import see_other
from app.i18n import gettext as _


def _session(session_id: int, manage: bool = False) -> GroupSession:
    """The session; with `manage`, only for who may manage it (403 otherwise)."""
    session = get_or_404(GroupSession, GroupSession.id == session_id)
    if manage and not groups.may_manage(current_user, session):
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
    outcome = submit(form, lambda: groups.create_sessions(
        form.title.data, _start(form), form.minutes.data, form.room.data, form.capacity.data,
        form.facilitators.data, form.weeks.data, form.description.data, current_user))
    if outcome:
        flash(_("%(n)d session(s) planned.", n=len(outcome.result)), "success")
        return see_other("counselling.group", session_id=outcome.result[0].id)
    return render_template("counselling/group_form.html", form=form), outcome.status


def _group_page(session, status=200, **forms):
    rows = list(groups.signups(session))
    booked = [r for r in rows if r.status == groups.BOOKED]
    return render_template(
        "counselling/group.html", session=session, booked=booked,
        waiting=[r for r in rows if r.status == groups.WAITLISTED],
        may_manage=groups.may_manage(current_user, session),
        facilitators=groups.facilitator_names([session])[session.id],
        signup_form=forms.get("signup_form") or F.SignupForm(formdata=None),
        capacity_form=forms.get("capacity_form") or F.CapacityForm(
            formdata=None, capacity=session.capacity),
        register_form=F.RegisterForm.of(booked, formdata=None),
        started=session.starts_at <= utcnow()), status


@bp.route("/counselling/groups/<int:session_id>")
@requires("counselling.groups")
def group(session_id: int):
    return _group_page(_session(session_id))


@bp.route("/counselling/groups/<int:session_id>/signups", methods=["POST"])
@requires("counselling.groups")
def group_signup(session_id: int):
    session = _session(session_id)
    form = F.SignupForm()
    outcome = submit(form, lambda: groups.sign_up(
        session, member_or_refuse(form.member_code.data), current_user))
    if outcome:
        flash(_("Place confirmed.") if outcome.result.status == groups.BOOKED
              else _("The session is full: added to the waiting list."), "success")
        return see_other("counselling.group", session_id=session.id)
    return _group_page(session, outcome.status, signup_form=form)


@bp.route("/counselling/groups/<int:session_id>/signups/<int:signup_id>/cancel",
          methods=["POST"])
@requires("counselling.groups")
def group_signup_cancel(session_id: int, signup_id: int):
    session = _session(session_id)
    signup = get_or_404(groups.active_signups(session), GroupSignup.id == signup_id)
    groups.cancel_signup(signup, current_user, tell_member=True)
    return see_other("counselling.group", session_id=session.id)


@bp.route("/counselling/groups/<int:session_id>/capacity", methods=["POST"])
@requires("counselling.groups")
def group_capacity(session_id: int):
    session = _session(session_id, manage=True)
    form = F.CapacityForm()
    outcome = submit(form, lambda: groups.set_capacity(session, form.capacity.data,
                                                       current_user))
    if outcome:
        return see_other("counselling.group", session_id=session.id)
    return _group_page(_session(session_id), outcome.status, capacity_form=form)


@bp.route("/counselling/groups/<int:session_id>/edit", methods=["GET", "POST"])
@requires("counselling.groups")
def group_edit(session_id: int):
    session = _session(session_id, manage=True)
    if not groups.editable(session):
        abort(404)
    form = F.GroupEditForm(**(_as_it_is(session) if request.method == "GET" else {}))
    form.facilitators.choices = groups.facilitator_choices(session)
    outcome = submit(form, lambda: groups.update_session(
        session, form.title.data, _start(form), form.minutes.data, form.room.data,
        form.capacity.data, form.facilitators.data, form.description.data, current_user))
    if outcome:
        flash(_("Session changed.") if outcome.result else _("Nothing was changed."), "success")
        return see_other("counselling.group", session_id=session.id)
    return render_template("counselling/group_edit.html", form=form,
                           session=_session(session_id), booked=groups.booked_count(session),
                           series=bool(session.series)), outcome.status


def _as_it_is(session) -> dict:
    """The change form's values before any change."""
    local = to_local(session.starts_at)
    return {"title": session.title, "description": session.description, "day": local.date(),
            "start_time": local.time().replace(second=0, microsecond=0),
            "minutes": groups.minutes_of(session), "room": session.room,
            "capacity": session.capacity,
            "facilitators": [f.user_id for f in session.facilitators]}


@bp.route("/counselling/groups/<int:session_id>/register", methods=["POST"])
@requires("counselling.groups")
def group_register(session_id: int):
    session = _session(session_id, manage=True)
    form = F.RegisterForm.of([r for r in groups.signups(session) if r.status == groups.BOOKED])
    if not submit(form, lambda: groups.record_attendance(session, form.present.data,
                                                         current_user), _("Attendance saved.")):
        flash_errors(form)
    return see_other("counselling.group", session_id=session.id)


@bp.route("/counselling/groups/<int:session_id>/cancel", methods=["GET", "POST"])
@requires("counselling.groups")
def group_cancel(session_id: int):
    """GET asks first (everyone signed up is told, which cannot be taken
    back); POST cancels. Only an upcoming session that is not cancelled."""
    session = _session(session_id, manage=True)
    if not groups.editable(session):
        abort(404)
    form = KituoForm()
    if submit(form, lambda: groups.cancel_session(session, current_user),
              _("Session cancelled.")):
        return see_other("counselling.groups_index")
    count = groups.counts([session])[session.id]
    return render_template("counselling/group_cancel.html", session=session,
                           booked=count[groups.BOOKED], waiting=count[groups.WAITLISTED])
