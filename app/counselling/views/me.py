"""The member's own pages: their appointments (book, move, cancel when
self-booking is on and before the cutoff), group sessions to join or
leave, and the notices on their home page. Discreet wording throughout."""
from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, render_template, request
from flask_login import current_user

from app.access import requires
from app.counselling import bookings, bp, groups, member_booking, schedule, services
from app.counselling import forms as F
from app.counselling.models import Booking, GroupSession, GroupSignup
from app.counselling.views.common import flash_errors
from app.db import get_or_404
from app.forms import KituoForm, submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.members.models import Member
from app.members.services import member_for_user
from app.clock import to_local, today
from app.urls import int_arg


def _signed_in_member() -> Member:
    """The member record of this login (404 for a login without one, or
    whose record was anonymised)."""
    member = member_for_user(current_user)
    if member is None or member.anonymised_at:
        abort(404)
    return member


def _own_booking(booking_id: int) -> Booking:
    """The member's own appointment that still holds its time."""
    return bookings.own_booking(_signed_in_member(), booking_id) or abort(404)


@bp.route("/me/appointments")
@requires("counselling.self_book")
def my_appointments():
    member = member_for_user(current_user)
    if member is None or member.anonymised_at:
        return render_template("counselling/me.html", member=None)
    mine = list(bookings.member_bookings(member))
    return render_template(
        "counselling/me.html", member=member, bookings=mine,
        locked={b.id for b in mine if bookings.within_member_cutoff(b)},
        signups=list(groups.member_signups(member)), self_booking=services.self_booking_on(),
        cutoff=services.settings().member_cutoff_hours)


@bp.route("/me/book", methods=["GET", "POST"])
@requires("counselling.self_book")
def self_book():
    """Choose a day, then a time (then /me/book/confirm, which posts here)."""
    member = _signed_in_member()
    if not services.self_booking_on():
        return render_template("counselling/self_book.html", off=True)
    form = F.SlotForm()
    outcome = submit(form, lambda: bookings.book(
        member, form.counsellor_id.data, form.starts_at.data, current_user, by_member=True),
        _("Your appointment is booked."))
    if outcome:
        return see_other("counselling.my_appointments")
    errors = list(form.form_errors) + [e for f in form for e in f.errors]
    message = errors[0] if errors else None
    people = services.counsellor_list()
    chosen = int_arg("person")                  # neutral words in a member's address
    if chosen not in {p.id for p in people}:
        chosen = None
    days = member_booking.free_days(chosen)
    day = _parse_day(request.args.get("day"), days[0] if days else today())
    if days and day not in days:
        day = min(days, key=lambda d: abs((d - day).days))
    slots = outcome.context.get("alternatives")
    if slots is None:
        slots = member_booking.times_on(day, chosen)
    return render_template(
        "counselling/self_book.html", off=False, chosen=chosen, message=message,
        filters=F.SelfBookChoice.of(people, chosen, anyone=_("Anyone free")),
        days=days, day=day, hours=member_booking.by_hour(slots),
        names={p.id: p.display_name for p in people}), outcome.status


def _parse_day(value, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@bp.route("/me/book/confirm")
@requires("counselling.self_book")
def self_book_confirm():
    """One question before booking: the day, time, counsellor and room."""
    _signed_in_member()
    try:
        at = dt.datetime.fromisoformat(request.args.get("at") or "")
    except ValueError:
        at = None
    slot = member_booking.offered(int_arg("person"), at)
    if slot is None or not services.self_booking_on():
        flash(_("That time is no longer free. Please choose another."), "info")
        return see_other("counselling.self_book")
    counsellor = next(p for p in services.counsellor_list() if p.id == slot.counsellor_id)
    return render_template("counselling/self_book_confirm.html", slot=slot,
                           counsellor=counsellor, day=to_local(slot.start).date())


@bp.route("/me/appointments/<int:booking_id>/cancel", methods=["GET", "POST"])
@requires("counselling.self_book")
def self_cancel(booking_id: int):
    item = _own_booking(booking_id)
    locked = bookings.within_member_cutoff(item)
    form = F.MemberCancelForm()
    outcome = submit(form, lambda: bookings.cancel(item, form.reason.data, current_user,
                                                   by_member=True),
                     _("Your appointment is cancelled."))
    if outcome:
        return see_other("counselling.my_appointments")
    return render_template("counselling/self_cancel.html", booking=item, form=form,
                           locked=locked, cutoff=services.settings().member_cutoff_hours
                           ), _refused(outcome, locked)


@bp.route("/me/appointments/<int:booking_id>/move", methods=["GET", "POST"])
@requires("counselling.self_book")
def self_move(booking_id: int):
    item = _own_booking(booking_id)
    locked = bookings.within_member_cutoff(item) or not services.self_booking_on()
    form = F.SlotForm()
    outcome = submit(form, lambda: bookings.reschedule(
        item, form.counsellor_id.data, form.starts_at.data, current_user, by_member=True),
        _("Your appointment is moved."))
    if outcome:
        return see_other("counselling.my_appointments")
    slots = [] if locked else services.next_free_slots(item.counsellor_id, limit=10,
                                                       by_member=True, ignore_booking=item)
    return render_template("counselling/self_move.html", booking=item, form=form, slots=slots,
                           names={p.id: p.display_name for p in services.counsellor_list()},
                           locked=locked, cutoff=services.settings().member_cutoff_hours
                           ), _refused(outcome, locked)


def _refused(outcome, locked: bool) -> int:
    """A change too close to the appointment is a conflict with the
    cutoff (409) whatever the form said; otherwise the outcome's status."""
    return 409 if locked and outcome.status != 200 else outcome.status


@bp.route("/me/groups")
@requires("counselling.group_signup")
def my_groups():
    member = _signed_in_member()
    sessions = list(groups.upcoming())
    mine = {s.session_id: s for s in groups.member_signups(member)}
    return render_template("counselling/my_groups.html", sessions=sessions, mine=mine,
                           counts=groups.counts(sessions))


@bp.route("/me/groups/<int:session_id>/<any(join, leave):action>", methods=["POST"])
@requires("counselling.group_signup")
def my_group_action(session_id: int, action: str):
    member = _signed_in_member()
    session = get_or_404(GroupSession, GroupSession.id == session_id)
    form = KituoForm()
    if action == "join":
        outcome = submit(form, lambda: groups.sign_up(session, member, current_user))
        if outcome:
            flash(_("You have a place.") if outcome.result.status == groups.BOOKED else
                  _("The session is full: you are on the waiting list. If a place becomes "
                    "free, it is yours and you will see it on your home page."), "success")
    else:
        signup = get_or_404(groups.active_signups(session), GroupSignup.member == member)
        outcome = submit(form, lambda: groups.cancel_signup(signup, current_user),
                         _("You have left this session."))
    if not outcome:
        flash_errors(form)
    return see_other("counselling.my_groups")


@bp.route("/me/notices/<int:notice_id>/dismiss", methods=["POST"])
@requires("counselling.group_signup")
def dismiss_notice(notice_id: int):
    if not schedule.dismiss_notice(_signed_in_member(), notice_id):
        abort(404)
    home = "members.me" if "members.me" in current_app.view_functions \
        else "counselling.my_appointments"
    return see_other(home)
