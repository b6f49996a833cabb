"""The member's own pages: their appointments (book, move, cancel when
self-booking is on and before the cutoff), group sessions to join or
leave, and the notices on their home page. Discreet wording throughout."""
from __future__ import annotations

from flask import abort, current_app, flash, render_template, request
from flask_login import current_user

from app.access import requires
from app.counselling import bookings, bp, groups, schedule, services
from app.counselling import forms as F
from app.counselling.bookings import SlotTaken
from app.counselling.services import CounsellingError
from app.counselling.views.common import parse_start
from app.forms import add_error
from app.htmx import see_other
from app.i18n import gettext as _
from app.members.services import member_for_user


def _me():
    """The signed-in member (None for a login without a member record, or
    an anonymised one)."""
    member = member_for_user(current_user)
    return None if member is None or member.anonymised_at else member


def _me_or_404():
    return _me() or abort(404)


@bp.route("/counselling/me")
@requires("counselling.self_book")
def my_appointments():
    member = _me()
    if member is None:
        return render_template("counselling/me.html", member=None)
    mine = list(bookings.member_bookings(member))
    return render_template(
        "counselling/me.html", member=member, bookings=mine,
        locked={b.id for b in mine if bookings.within_member_cutoff(b)},
        signups=list(groups.member_signups(member)), self_booking=services.self_booking_on(),
        cutoff=services.settings().member_cutoff_hours)


@bp.route("/counselling/me/book", methods=["GET", "POST"])
@requires("counselling.self_book")
def self_book():
    member = _me_or_404()
    if not services.self_booking_on():
        return render_template("counselling/self_book.html", off=True), 200
    form = F.SlotForm()
    status, message, alternatives = 200, None, None
    if request.method == "POST" and form.validate():
        try:
            bookings.book(member, int(form.counsellor_id.data), parse_start(form.starts_at.data),
                          current_user, by_member=True)
            flash(_("Your appointment is booked."), "success")
            return see_other("counselling.my_appointments")
        except SlotTaken as taken:
            status, message, alternatives = 409, taken.message, taken.alternatives
        except (CounsellingError, TypeError, ValueError) as error:
            status, message = 422, getattr(error, "message", _("Choose a time."))
    people = services.counsellor_list()
    chosen = request.args.get("counsellor", type=int)
    slots = alternatives if alternatives is not None else services.next_free_slots(
        chosen if chosen in {p.id for p in people} else None, limit=10, by_member=True)
    return render_template("counselling/self_book.html", off=False, slots=slots, people=people,
                           chosen=chosen, message=message,
                           names={p.id: p.display_name for p in people}), status


@bp.route("/counselling/me/appointments/<int:booking_id>/cancel", methods=["GET", "POST"])
@requires("counselling.self_book")
def self_cancel(booking_id: int):
    item = bookings.own_booking(_me_or_404(), booking_id) or abort(404)
    locked = bookings.within_member_cutoff(item)
    form = F.MemberCancelForm()
    if request.method == "POST" and not locked and form.validate():
        try:
            bookings.cancel(item, form.reason.data, current_user, by_member=True)
            flash(_("Your appointment is cancelled."), "success")
            return see_other("counselling.my_appointments")
        except CounsellingError as error:
            add_error(form, None, error.message)
    status = 200 if request.method == "GET" else (409 if locked else 422)
    return render_template("counselling/self_cancel.html", booking=item, form=form,
                           locked=locked, cutoff=services.settings().member_cutoff_hours), status


@bp.route("/counselling/me/appointments/<int:booking_id>/move", methods=["GET", "POST"])
@requires("counselling.self_book")
def self_move(booking_id: int):
    item = bookings.own_booking(_me_or_404(), booking_id) or abort(404)
    locked = bookings.within_member_cutoff(item) or not services.self_booking_on()
    form = F.SlotForm()
    status, message = 200, None
    if request.method == "POST" and not locked and form.validate():
        try:
            bookings.reschedule(item, int(form.counsellor_id.data),
                                parse_start(form.starts_at.data), current_user, by_member=True)
            flash(_("Your appointment is moved."), "success")
            return see_other("counselling.my_appointments")
        except (CounsellingError, TypeError, ValueError) as error:
            status, message = 409, getattr(error, "message", _("Choose a time."))
    elif request.method == "POST":
        status = 409 if locked else 422
    slots = [] if locked else services.next_free_slots(item.counsellor_id, limit=10,
                                                       by_member=True, ignore_booking=item)
    names = {p.id: p.display_name for p in services.counsellor_list()}
    return render_template("counselling/self_move.html", booking=item, slots=slots,
                           names=names, locked=locked, message=message,
                           cutoff=services.settings().member_cutoff_hours), status


@bp.route("/counselling/me/groups")
@requires("counselling.group_signup")
def my_groups():
    member = _me_or_404()
    sessions = list(groups.upcoming())
    mine = {s.session_id: s for s in groups.member_signups(member)}
    return render_template("counselling/my_groups.html", sessions=sessions, mine=mine,
                           counts=groups.counts(sessions))


@bp.route("/counselling/me/groups/<int:session_id>/<any(join, leave):action>", methods=["POST"])
@requires("counselling.group_signup")
def my_group_action(session_id: int, action: str):
    member = _me_or_404()
    session = groups.session_or_none(session_id) or abort(404)
    try:
        if action == "join":
            signup = groups.sign_up(session, member, current_user)
            flash(_("You have a place.") if signup.status == groups.BOOKED else
                  _("The session is full: you are on the waiting list. If a place becomes "
                    "free, it is yours and you will see it on your home page."), "success")
        else:
            groups.cancel_signup(groups.member_signup(session, member) or abort(404),
                                 current_user)
            flash(_("You have left this session."), "success")
    except CounsellingError as error:
        flash(str(error.message), "error")
    return see_other("counselling.my_groups")


@bp.route("/counselling/me/notices/<int:notice_id>/dismiss", methods=["POST"])
@requires("counselling.group_signup")
def dismiss_notice(notice_id: int):
    if not schedule.dismiss_notice(_me_or_404(), notice_id):
        abort(404)
    home = "members.me" if "members.me" in current_app.view_functions \
        else "counselling.my_appointments"
    return see_other(home)
