"""Staff booking: the slot finder, a counsellor's week, booking, and one
appointment's page (cancel, mark attendance, move)."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, render_template, request
from flask_login import current_user

from app.access import requires, user_can
from app.counselling import bookings, bp, notes, services
from app.counselling import forms as F
from app.counselling.bookings import SlotTaken
from app.counselling.models import BOOKED
from app.counselling.services import CounsellingError
from app.counselling.slots import to_local
from app.counselling.views.common import member_or_refuse, parse_day, parse_start
from app.db import utcnow
from app.forms import add_error, submit
from app.htmx import render, see_other
from app.i18n import gettext as _


def _booking_or_404(booking_id: int):
    return bookings.visible_booking(current_user, booking_id) or abort(404)


@bp.route("/counselling/slots")
@requires("counselling.book")
def slot_finder():
    people = services.counsellor_list()
    chosen = request.args.get("counsellor", type=int)
    if chosen and chosen not in {p.id for p in people}:
        chosen = None
    after = None
    day = request.args.get("from")
    if day:
        after = services.local_range(parse_day(day, services.local_today()),
                                     services.local_today())[0]
    slots = services.next_free_slots(chosen, limit=12, after=after)
    names = {p.id: p.display_name for p in people}
    return render("counselling/slot_finder.html", "counselling/_slot_results.html",
                  people=people, chosen=chosen, slots=slots, names=names,
                  member=request.args.get("member", "")[:24], day=day or "")


@bp.route("/counselling/counsellors/<int:user_id>/week")
@requires("counselling.book")
def counsellor_week(user_id: int):
    person = services.counsellor_or_none(user_id) or abort(404)
    monday = services.week_start(parse_day(request.args.get("week"), services.local_today()))
    days = bookings.week_view(person, monday)
    show_bookings = user_can(current_user, "counselling.manage") or person.id == current_user.id
    return render_template("counselling/week.html", person=person, days=days, monday=monday,
                           show_bookings=show_bookings, member=request.args.get("member", ""),
                           prev_week=monday - dt.timedelta(days=7),
                           next_week=monday + dt.timedelta(days=7))


def _book_page(form, status=200, alternatives=()):
    counsellor = services.counsellor_or_none(form.counsellor_id.data)
    start = parse_start(form.starts_at.data)
    if counsellor is None or start is None:
        abort(404)
    names = {p.id: p.display_name for p in services.counsellor_list()}
    return render_template("counselling/book.html", form=form, counsellor=counsellor,
                           start=start, alternatives=alternatives, names=names), status


@bp.route("/counselling/bookings/new", methods=["GET", "POST"])
@requires("counselling.book")
def new_booking():
    if request.method == "GET":
        return _book_page(F.BookForm(
            formdata=None, counsellor_id=request.args.get("counsellor_id"),
            starts_at=request.args.get("starts_at"), member_code=request.args.get("member", "")))
    form = F.BookForm()
    if not form.validate():
        return _book_page(form, 422)
    try:
        made = bookings.book(member_or_refuse(form.member_code.data),
                             int(form.counsellor_id.data), parse_start(form.starts_at.data),
                             current_user)
    except SlotTaken as taken:
        add_error(form, None, taken.message)
        return _book_page(form, 409, taken.alternatives)
    except CounsellingError as error:
        add_error(form, error.field if error.field == "member_code" else None, error.message)
        return _book_page(form, 422)
    flash(_("Appointment booked for %(code)s.", code=made.member.code), "success")
    if bookings.visible_booking(current_user, made.id):
        return see_other("counselling.booking", booking_id=made.id)
    return see_other("counselling.slot_finder")


def _booking_page(item, cancel_form, status=200):
    note = notes.note_for(item)
    return render_template(
        "counselling/booking.html", booking=item, history=list(bookings.history(item)),
        counsellor=bookings.counsellor_of(item), note=note,
        may_write=notes.may_write(current_user, item),
        may_read=note is not None and notes.may_read(current_user, note),
        cancel_form=cancel_form, now=utcnow()), status


@bp.route("/counselling/bookings/<int:booking_id>")
@requires("counselling.book")
def booking(booking_id: int):
    return _booking_page(_booking_or_404(booking_id), F.CancelForm())


@bp.route("/counselling/bookings/<int:booking_id>/cancel", methods=["POST"])
@requires("counselling.book")
def cancel_booking(booking_id: int):
    item = _booking_or_404(booking_id)
    form = F.CancelForm()
    if submit(form, lambda: bookings.cancel(item, form.reason.data, current_user),
              _("Appointment cancelled.")):
        return see_other("counselling.booking", booking_id=item.id)
    return _booking_page(item, form, 422)


@bp.route("/counselling/bookings/<int:booking_id>/mark", methods=["POST"])
@requires("counselling.book")
def mark_booking(booking_id: int):
    item = _booking_or_404(booking_id)
    try:
        bookings.mark(item, request.form.get("status", ""), current_user)
    except CounsellingError as error:
        flash(str(error.message), "error")
        return see_other("counselling.booking", booking_id=item.id)
    if request.form.get("next") == "agenda":
        return see_other("counselling.agenda", day=to_local(item.starts_at).date().isoformat(),
                         counsellor=item.counsellor_id)
    return see_other("counselling.booking", booking_id=item.id)


@bp.route("/counselling/bookings/<int:booking_id>/move", methods=["GET", "POST"])
@requires("counselling.book")
def move_booking(booking_id: int):
    item = _booking_or_404(booking_id)
    if item.status != BOOKED:
        abort(404)
    form = F.SlotForm()
    status, error_message = 200, None
    if request.method == "POST" and form.validate():
        start = parse_start(form.starts_at.data)
        try:
            bookings.reschedule(item, int(form.counsellor_id.data), start, current_user)
            flash(_("Appointment moved."), "success")
            return see_other("counselling.booking", booking_id=item.id)
        except SlotTaken as taken:
            status, error_message = 409, taken.message
        except (CounsellingError, TypeError, ValueError) as error:
            status, error_message = 422, getattr(error, "message", _("Choose a time."))
    people = services.counsellor_list()
    chosen = request.args.get("counsellor", type=int) or item.counsellor_id
    slots = services.next_free_slots(chosen, limit=12, ignore_booking=item)
    return render_template("counselling/move.html", booking=item, slots=slots,
                           names={p.id: p.display_name for p in people}, people=people,
                           chosen=chosen, error_message=error_message), status
