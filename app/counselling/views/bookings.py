"""Staff booking: the slot finder, a counsellor's week, booking, and one
appointment's page (cancel, mark attendance, move)."""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, render_template, request
from flask_login import current_user

from app.access import requires, user_can
from app.auth.models import User
from app.clock import local_midnight, to_local, today
from app.counselling import bookings, bp, notes, services
from app.counselling import forms as F
from app.counselling.models import Booking
from app.counselling.views.common import flash_errors, member_or_refuse
from app.db import get_or_404, utcnow
from app.forms import submit
from app.htmx import render, see_other
from app.i18n import gettext as _
from app.urls import date_arg, int_arg


def _visible_booking(booking_id: int) -> Booking:
    return get_or_404(bookings.visible_bookings(current_user), Booking.id == booking_id)


@bp.route("/counselling/slots")
@requires("counselling.book")
def slot_finder():
    people = services.counsellor_list()
    chosen = int_arg("counsellor")
    if chosen not in {p.id for p in people}:
        chosen = None
    day = date_arg("from", None)
    member = request.args.get("member", "")[:F.CODE_MAX]
    slots = services.next_free_slots(chosen, limit=12,
                                     after=local_midnight(day) if day else None)
    filters = F.SlotFinderForm.of(people, chosen, anyone=_("Any counsellor"), member=member,
                                  day=day)
    return render("counselling/slot_finder.html", "counselling/_slot_results.html",
                  filters=filters, slots=slots, member=member, people=people, chosen=chosen,
                  names={p.id: p.display_name for p in people})


@bp.route("/counselling/counsellors/<int:user_id>/week")
@requires("counselling.book")
def counsellor_week(user_id: int):
    person = get_or_404(services.counsellors(), User.id == user_id)
    monday = services.week_start(date_arg("week", today()))
    show_bookings = user_can(current_user, "counselling.manage") or person.id == current_user.id
    return render_template("counselling/week.html", person=person, monday=monday,
                           days=bookings.week_view(person, monday), show_bookings=show_bookings,
                           member=request.args.get("member", "")[:F.CODE_MAX],
                           prev_week=monday - dt.timedelta(days=7),
                           next_week=monday + dt.timedelta(days=7))


def _book_page(form, status=200, alternatives=()):
    """The booking form for one free slot (404 when the slot's counsellor
    or time is not one the slot lists offer)."""
    counsellor = get_or_404(services.counsellors(), User.id == form.counsellor_id.data)
    start = form.starts_at.data
    if not isinstance(start, dt.datetime):
        abort(404)
    names = {p.id: p.display_name for p in services.counsellor_list()}
    return render_template("counselling/book.html", form=form, counsellor=counsellor,
                           start=start, alternatives=alternatives, names=names), status


@bp.route("/counselling/bookings/new", methods=["GET", "POST"])
@requires("counselling.book")
def new_booking():
    if request.method == "GET" and not (request.args.get("counsellor_id")
                                        and request.args.get("starts_at")):
        # No time chosen yet (a bookmark, the README's link): choose one first.
        member = (request.args.get("member") or "")[:24]
        return see_other("counselling.slot_finder", **({"member": member} if member else {}))
    form = F.BookForm() if request.method == "POST" else F.BookForm(
        request.args, member_code=request.args.get("member", ""))
    outcome = submit(form, lambda: bookings.book(
        member_or_refuse(form.member_code.data, to_book=True), form.counsellor_id.data,
        form.starts_at.data, current_user))
    if not outcome:
        return _book_page(form, outcome.status, **outcome.context)
    booking = outcome.result
    flash(_("Appointment booked for %(code)s.", code=booking.member.code), "success")
    if bookings.visible_booking(current_user, booking.id):
        return see_other("counselling.booking", booking_id=booking.id)
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
    return _booking_page(_visible_booking(booking_id), F.CancelForm())


@bp.route("/counselling/bookings/<int:booking_id>/cancel", methods=["POST"])
@requires("counselling.book")
def cancel_booking(booking_id: int):
    item = _visible_booking(booking_id)
    form = F.CancelForm()
    outcome = submit(form, lambda: bookings.cancel(item, form.reason.data, current_user),
                     _("Appointment cancelled."))
    if outcome:
        return see_other("counselling.booking", booking_id=item.id)
    return _booking_page(item, form, outcome.status)


@bp.route("/counselling/bookings/<int:booking_id>/mark", methods=["POST"])
@requires("counselling.book")
def mark_booking(booking_id: int):
    item = _visible_booking(booking_id)
    form = F.MarkForm()
    if not submit(form, lambda: bookings.mark(item, form.status.data, current_user)):
        flash_errors(form)
        return see_other("counselling.booking", booking_id=item.id)
    if form.next.data == "agenda":
        return see_other("counselling.agenda", day=to_local(item.starts_at).date().isoformat(),
                         counsellor=item.counsellor_id)
    return see_other("counselling.booking", booking_id=item.id)


@bp.route("/counselling/bookings/<int:booking_id>/move", methods=["GET", "POST"])
@requires("counselling.book")
def move_booking(booking_id: int):
    item = get_or_404(bookings.movable_bookings(current_user), Booking.id == booking_id)
    form = F.SlotForm()
    outcome = submit(form, lambda: bookings.reschedule(
        item, form.counsellor_id.data, form.starts_at.data, current_user),
        _("Appointment moved."))
    if outcome:
        return see_other("counselling.booking", booking_id=item.id)
    people = services.counsellor_list()
    chosen = int_arg("counsellor", item.counsellor_id)
    return render_template(
        "counselling/move.html", booking=item, form=form, names={p.id: p.display_name
                                                                 for p in people},
        slots=services.next_free_slots(chosen, limit=12, ignore_booking=item),
        choice=F.CounsellorChoice.of(people, chosen)), outcome.status
