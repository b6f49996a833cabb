"""Mentorship pages: the mentor's home and session log (phone first), the
coordinator's overview, pairings with suggestions, goals, mentor profiles,
and the mentee's own read-only page."""
from __future__ import annotations


from flask import abort, flash, redirect, render_template, request, url_for
from app.i18n import gettext as _
from flask_login import current_user

from app.access import requires, user_can
from app.auth.models import User
from app.clock import local_naive, to_utc, utcnow
from app.db import get_or_404
from app.forms import add_error, submit
from app.htmx import render, see_other
from app.members.services import member_by_code, member_for_user
from app.mentorship import bp, labels, services
from app.mentorship.forms import (
    ActivateForm, CancelMeetingForm, CorrectionForm, EndForm, GoalForm, GoalNoteForm, MentorOwnProfileForm,
    ProfileForm, ProposeForm, SessionForm)
from app.mentorship.models import Goal, Pairing, SessionLog
from app.urls import page_arg


def _pairing_or_404(pairing_id: int):
    return get_or_404(services.visible_pairings(current_user), Pairing.id == pairing_id)


def _own_pairing_or_404(pairing_id: int):
    """A pairing of which the signed-in user is the mentor."""
    return get_or_404(services.own_pairings(current_user), Pairing.id == pairing_id)


# --- mentor home and coordinator overview --------------------------------------------------

def _list_helpers() -> dict:
    """The labels of the list pages in the page's language."""
    return dict(status_labels=labels.labels_of("pairing"),
                goal_labels=labels.labels_of("goal"))


@bp.route("/mentoring/")
@requires("mentorship.view_own")
def mentor_home():
    pairings = services.my_pairings(current_user)
    goals = services.my_active_goals(current_user)
    recent = services.my_recent_sessions(current_user)
    now = utcnow()
    upcoming = sorted((p for p in pairings if p.next_meeting_at and p.next_meeting_at > now),
                      key=lambda p: p.next_meeting_at)
    return render_template("mentorship/home.html", pairings=pairings, goals=goals,
                           upcoming=upcoming,
                           overdue=[p for p in pairings if p.overdue_since],
                           recent=recent,
                           profile=services.profile_for(current_user),
                           days=services.overdue_days(),
                           durations=labels.duration_labels(s.duration_minutes for s in recent),
                           **_list_helpers())


@bp.route("/mentoring/overview")
@requires("mentorship.manage")
def overview():
    status = request.args.get("status", "active")
    if status not in ("proposed", "active", "completed", "ended", ""):
        status = "active"
    overdue_only = request.args.get("overdue") == "1"
    page = services.pairing_page(status, page_arg(), overdue_only)
    counts, overdue_count = services.counts_and_overdue()
    return render("mentorship/overview.html", "mentorship/_pairing_rows.html", filter_status=status,
                  overdue_only=overdue_only, counts=counts, overdue_count=overdue_count,
                  last_check=services.last_overdue_check(), overview_url=url_for("mentorship.overview"),
                  **page, **_list_helpers())


# --- mentor profiles ----------------------------------------------------------------------

@bp.route("/mentoring/mentors")
@requires("mentorship.manage")
def mentors():
    return render_template("mentorship/mentors.html", rows=services.mentor_rows())


def _profile_page(user, form_class, own: bool, done: str):
    """A mentor's profile: the coordinator's (with capacity) or their own."""
    profile = services.profile_for(user)
    form = form_class(obj=profile if request.method == "GET" else None)
    if request.method == "GET":
        form.areas.data, form.languages.data = profile.areas, profile.languages
    outcome = submit(form, lambda: services.save_profile(
        user, form.areas.data, form.languages.data, None if own else form.capacity.data,
        form.availability.data, actor=current_user, keep_capacity=own), _("Changes saved."))
    if outcome:
        return see_other(done)
    return render_template("mentorship/profile.html", form=form, mentor=user, own=own,
                           capacity=profile.capacity), outcome.status


@bp.route("/mentoring/mentors/<int:user_id>", methods=["GET", "POST"])
@requires("mentorship.manage")
def edit_mentor(user_id: int):
    user = get_or_404(services.mentor_users(), User.id == user_id)
    return _profile_page(user, ProfileForm, own=False, done="mentorship.mentors")


@bp.route("/mentoring/profile", methods=["GET", "POST"])
@requires("mentorship.view_own")
def own_profile():
    return _profile_page(current_user, MentorOwnProfileForm, own=True,
                         done="mentorship.mentor_home")


# --- pairings ---------------------------------------------------------------------------------

@bp.route("/mentoring/pairings/new", methods=["GET", "POST"])
@requires("mentorship.manage")
def new_pairing():
    """A member code (typed, or ?member_code= from the member page) shows
    the ranked suggestions; choosing a mentor proposes the pairing."""
    if request.method == "POST":
        form = ProposeForm()
    else:
        form = ProposeForm(formdata=request.args, meta={"csrf": False})
    form.mentor.choices = [("", _("Choose a mentor"))] + [
        (r.user.id, f"{r.user.display_name} ({r.load}/{r.profile.capacity})")
        for r in services.mentor_rows()]
    outcome = submit(form, lambda: services.propose_for_code(
        form.member_code.data, form.mentor.data, current_user, second=form.second.data),
        _("Pairing proposed. Start it once mentor and member have agreed."))
    if outcome:
        return see_other("mentorship.show_pairing", pairing_id=outcome.result.id)
    mentee = member_by_code(form.member_code.data, viewer=current_user, include_anonymised=True)
    if mentee is None and form.member_code.data and not form.member_code.errors:
        add_error(form, "member_code", _("No member with this code."))
    return render_template("mentorship/new_pairing.html", form=form, mentee=mentee,
                           suggestions=services.suggest_mentors(mentee) if mentee else [],
                           current=services.open_pairings_of(mentee) if mentee else []
                           ), outcome.status


def _pairing_page(pairing, status: int = 200, **forms):
    details = services.pairing_details(pairing)
    return render_template(
        "mentorship/pairing.html", pairing=pairing, mentee=pairing.mentee,
        is_mentor=pairing.mentor_id == current_user.id,
        manage=user_can(current_user, "mentorship.manage"),
        goal_form=forms.get("goal_form") or GoalForm(formdata=None),
        activate_form=forms.get("activate_form") or ActivateForm(
            formdata=None, start_date=services.today()),
        end_form=forms.get("end_form") or EndForm(formdata=None, end_date=services.today()),
        cancel_form=forms.get("cancel_form") or CancelMeetingForm(formdata=None),
        note_forms=_note_forms(details["goals"], forms.get("note_form"), forms.get("note_goal")),
        may_raise=user_can(current_user, "safeguarding.raise"), **details), status


def _note_forms(goals, failed=None, failed_goal=None) -> dict:
    """A progress form per goal (its own prefix: one page holds them all),
    the one that was refused kept with its errors."""
    return {g.id: failed if g.id == failed_goal else
            GoalNoteForm(formdata=None, prefix=f"note{g.id}", status=g.status) for g in goals}


@bp.route("/mentoring/pairings/<int:pairing_id>")
@requires("mentorship.view")
def show_pairing(pairing_id: int):
    return _pairing_page(_pairing_or_404(pairing_id))


@bp.route("/mentoring/pairings/<int:pairing_id>/phone")
@requires("mentorship.view_own")
def mentee_phone(pairing_id: int):
    pairing = _own_pairing_or_404(pairing_id)
    phone = services.mentee_phone(pairing, current_user)
    return render("mentorship/phone.html", "mentorship/_phone.html", pairing=pairing,
                  phone=phone)


@bp.route("/mentoring/pairings/<int:pairing_id>/activate", methods=["POST"])
@requires("mentorship.manage")
def activate_pairing(pairing_id: int):
    pairing = _pairing_or_404(pairing_id)
    form = ActivateForm()
    outcome = submit(form, lambda: services.activate(pairing, current_user, form.override.data,
                                                     form.start_date.data),
                     _("The pairing has started."))
    if outcome:
        return see_other("mentorship.show_pairing", pairing_id=pairing.id)
    return _pairing_page(pairing, outcome.status, activate_form=form)


@bp.route("/mentoring/pairings/<int:pairing_id>/end", methods=["POST"])
@requires("mentorship.manage")
def end_pairing(pairing_id: int):
    pairing = _pairing_or_404(pairing_id)
    form = EndForm()
    outcome = submit(form, lambda: services.end(pairing, form.outcome.data, form.reason.data,
                                                current_user, form.end_date.data),
                     _("The pairing is closed."))
    if outcome:
        return see_other("mentorship.show_pairing", pairing_id=pairing.id)
    return _pairing_page(pairing, outcome.status, end_form=form)


@bp.route("/mentoring/pairings/<int:pairing_id>/next-meeting/cancel", methods=["POST"])
@requires("mentorship.view")
def cancel_next_meeting(pairing_id: int):
    pairing = _pairing_or_404(pairing_id)
    form = CancelMeetingForm()
    if submit(form, lambda: services.cancel_next_meeting(pairing, current_user),
              _("The meeting is cancelled.")):
        return see_other("mentorship.show_pairing", pairing_id=pairing.id)
    return _pairing_page(pairing, 422, cancel_form=form)


# --- goals -----------------------------------------------------------------------------------

@bp.route("/mentoring/pairings/<int:pairing_id>/goals", methods=["POST"])
@requires("mentorship.view")
def add_goal(pairing_id: int):
    pairing = _pairing_or_404(pairing_id)
    if not (pairing.mentor_id == current_user.id or user_can(current_user, "mentorship.manage")):
        abort(404)
    form = GoalForm()
    outcome = submit(form, lambda: services.add_goal(pairing, form.title.data, form.area.data,
                                                     form.target_date.data, current_user),
                     _("Goal added."))
    if outcome:
        return redirect(url_for("mentorship.show_pairing", pairing_id=pairing.id) + "#goals",
                        code=303)
    return _pairing_page(pairing, outcome.status, goal_form=form)


@bp.route("/mentoring/goals/<int:goal_id>/notes", methods=["POST"])
@requires("mentorship.view")
def add_goal_note(goal_id: int):
    goal = get_or_404(services.visible_goals(current_user), Goal.id == goal_id)
    pairing = _pairing_or_404(goal.pairing_id)
    if not (pairing.mentor_id == current_user.id or user_can(current_user, "mentorship.manage")):
        abort(404)
    form = GoalNoteForm(prefix=f"note{goal.id}")
    outcome = submit(form, lambda: services.add_goal_note(goal, current_user, form.status.data,
                                                          form.text.data),
                     _("Progress saved."))
    if outcome:
        return redirect(url_for("mentorship.show_pairing", pairing_id=pairing.id)
                        + f"#goal-{goal.id}", code=303)
    return _pairing_page(pairing, outcome.status, note_form=form, note_goal=goal.id)


# --- session log -------------------------------------------------------------------------------

def _session_form(pairing, log=None) -> SessionForm:
    """The session form with a row per goal it offers (services.session_goals);
    a form sent back keeps what was sent."""
    rows = services.session_goals(pairing, log)
    progress = [{"goal_id": row.goal.id, "status": row.status, "note": row.text} for row in rows]
    if request.method == "POST":
        form = SessionForm(goal=progress)
    elif log is None:
        form = SessionForm(goal=progress, held_on=services.today(), duration_minutes=60,
                           mode="in_person",
                           next_meeting=local_naive(services.planned_meeting(pairing)))
    else:
        form = SessionForm(obj=log, goal=progress, topics=log.topic_list,
                           next_meeting=local_naive(log.next_meeting_at))
    form.offer_goals(rows)
    form.goal_rows = {row.goal.id: row for row in rows}
    return form


def _session_input(form, editing: bool = False) -> services.SessionInput:
    return services.SessionInput(
        held_on=form.held_on.data, duration_minutes=form.duration_minutes.data,
        mode=form.mode.data, topics=form.topics.data or [], notes=form.notes.data or "",
        follow_up=form.follow_up.data or "", next_meeting_at=to_utc(form.next_meeting.data),
        goal_updates=form.goal_updates(editing))


@bp.route("/mentoring/pairings/<int:pairing_id>/sessions/new", methods=["GET", "POST"])
@requires("mentorship.view_own")
def new_session(pairing_id: int):
    pairing = _own_pairing_or_404(pairing_id)
    form = _session_form(pairing)
    outcome = submit(form, lambda: services.log_session(pairing, current_user,
                                                        _session_input(form)))
    if outcome and form.worried.data:
        flash(_("Session saved. Now tell the safeguarding lead what worries you."), "success")
        return see_other("safeguarding.new", member=pairing.mentee_id, source="session_log",
                         ref=outcome.result.id)
    if outcome:
        flash(_("Session saved."), "success")
        return see_other("mentorship.show_pairing", pairing_id=pairing.id)
    return render_template("mentorship/session_form.html", form=form, pairing=pairing,
                           log=None), outcome.status


def _session_or_404(session_id: int):
    return get_or_404(services.visible_sessions(current_user), SessionLog.id == session_id)


def _own_session_or_404(session_id: int):
    """A session log the signed-in user wrote."""
    return get_or_404(services.own_sessions(current_user), SessionLog.id == session_id)


@bp.route("/mentoring/sessions/<int:session_id>")
@requires("mentorship.view")
def show_session(session_id: int):
    log = _session_or_404(session_id)
    return _session_page(log, _pairing_or_404(log.pairing_id))


def _session_page(log, pairing, status: int = 200, correction_form=None):
    return render_template(
        "mentorship/session.html", log=log, pairing=pairing, mentee=pairing.mentee,
        editable=services.is_editable(log, current_user), locks_at=services.locks_at(log),
        is_author=log.author_id == current_user.id,
        correction_form=correction_form or CorrectionForm(formdata=None),
        may_raise=user_can(current_user, "safeguarding.raise"),
        **services.session_details(log)), status


@bp.route("/mentoring/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@requires("mentorship.view_own")
def edit_session(session_id: int):
    log = _own_session_or_404(session_id)
    pairing = _pairing_or_404(log.pairing_id)
    if not services.is_editable(log, current_user):
        flash(_("This log is locked. Add a correction instead."), "info")
        return see_other("mentorship.show_session", session_id=log.id)
    form = _session_form(pairing, log)
    outcome = submit(form, lambda: services.edit_session(
        log, current_user, _session_input(form, editing=True)), _("Changes saved."))
    if outcome:
        return see_other("mentorship.show_session", session_id=log.id)
    return render_template("mentorship/session_form.html", form=form, pairing=pairing,
                           log=log), outcome.status


@bp.route("/mentoring/sessions/<int:session_id>/corrections", methods=["POST"])
@requires("mentorship.view_own")
def add_correction(session_id: int):
    log = _own_session_or_404(session_id)
    pairing = _pairing_or_404(log.pairing_id)
    form = CorrectionForm()
    outcome = submit(form, lambda: services.add_correction(log, current_user, form.text.data),
                     _("Correction added."))
    if outcome:
        return see_other("mentorship.show_session", session_id=log.id)
    return _session_page(log, pairing, outcome.status, correction_form=form)


# --- the mentee's own page --------------------------------------------------------------------

@bp.route("/me/mentoring")
@requires("mentorship.mentee")
def mentee_home():
    member = member_for_user(current_user)
    view = services.mentee_view(member) if member and not member.anonymised_at else None
    return render_template("mentorship/mentee.html", member=member, view=view)

