"""The study space: places and their hours with weekly use (coordinators),
the door list with one-tap check-in and walk-ins (staff), and a member's
own bookings (/me/study)."""
from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires
from app.db import get_or_404
from app.clock import utcnow
from app.education import bp, study
from app.education.forms import ConfirmForm
from app.education.forms_support import (
    WEEKDAY_FIELDS, BookForm, ResourceForm, StudyFilter, WalkInForm)
from app.education.support_models import StudyResource
from app.education.views import found
from app.education.views.classes import member_for_code
from app.forms import submit
from app.htmx import render, see_other
from app.i18n import gettext as _
from app.members.services import member_for_user
from app.rules import RuleError, today
from app.urls import int_arg


@bp.route("/education/study")
@requires("education.door")
def study_home():
    rows = list(study.resources(include_retired=current_user.can("education.manage")))
    return render_template("education/study.html", rows=rows,
                           usage={r.id: study.weekly_usage(r, weeks=8) for r in rows
                                  if current_user.can("education.manage")},
                           hours={r.id: study.hours_of(r.id) for r in rows})


def _save(resource, form):
    return study.save_resource(resource, form.name_en.data, form.name_sw.data, form.kind.data,
                               form.capacity.data, form.slot_minutes.data, form.hours(),
                               form.active.data, current_user)


@bp.route("/education/study/new", methods=["GET", "POST"])
@requires("education.manage")
def new_resource():
    form = ResourceForm()
    outcome = submit(form, lambda: _save(None, form), _("Saved."))
    if outcome:
        return see_other("education.study_home")
    return render_template("education/resource_form.html", form=form, resource=None,
                           days=WEEKDAY_FIELDS), outcome.status


def _resource(resource_id: int) -> StudyResource:
    return get_or_404(StudyResource, StudyResource.id == resource_id)


@bp.route("/education/study/<int:resource_id>/edit", methods=["GET", "POST"])
@requires("education.manage")
def edit_resource(resource_id: int):
    resource = _resource(resource_id)
    form = ResourceForm(obj=resource if request.method == "GET" else None)
    if request.method == "GET":
        for day, row in study.hours_of(resource.id).items():
            opens, closes = WEEKDAY_FIELDS[day]
            form[opens].data, form[closes].data = row.opens, row.closes
    outcome = submit(form, lambda: _save(resource, form), _("Changes saved."))
    if outcome:
        return see_other("education.study_home")
    return render_template("education/resource_form.html", form=form, resource=resource,
                           days=WEEKDAY_FIELDS), outcome.status


def _door_page(resource, status=200, walk_in_form=None, error=""):
    return render("education/door.html", "education/_door_list.html", resource=resource,
                  rows=study.door_list(resource), current=study.current_slot(resource),
                  walk_in_form=walk_in_form or WalkInForm(formdata=None), error=error,
                  now_utc=utcnow(), status=status)


@bp.route("/education/study/<int:resource_id>/door")
@requires("education.door")
def door(resource_id: int):
    return _door_page(_resource(resource_id))


@bp.route("/education/study/<int:resource_id>/door/<int:booking_id>/check-in", methods=["POST"])
@requires("education.door")
def check_in(resource_id: int, booking_id: int):
    resource = _resource(resource_id)
    booking = found(study.door_booking(resource, booking_id))
    form = ConfirmForm()
    outcome = submit(form, lambda: study.check_in(booking, current_user))
    if outcome:
        return see_other("education.door", resource_id=resource.id)
    return _door_page(resource, 422, error=" ".join(str(e) for e in form.form_errors))


@bp.route("/education/study/<int:resource_id>/door/walk-in", methods=["POST"])
@requires("education.door")
def walk_in(resource_id: int):
    resource = _resource(resource_id)
    form = WalkInForm()
    outcome = submit(form, lambda: study.walk_in(resource, member_for_code(form.member_code.data),
                                          current_user), _("Checked in."))
    if outcome:
        return see_other("education.door", resource_id=resource.id)
    return _door_page(resource, 422, walk_in_form=form)


# --- the member's own bookings --------------------------------------------------------------

def _me():
    member = member_for_user(current_user)
    if member is None or member.anonymised_at or member.status not in study.MAY_USE:
        abort(404)
    return member


def _days() -> list[dt.date]:
    return [today() + dt.timedelta(days=n) for n in range(study.BOOKING_DAYS + 1)]


def _study_filter(resources, chosen, day: dt.date) -> StudyFilter:
    from app.filters import local_date
    from app.i18n import lang_code
    language = lang_code()
    form = StudyFilter(formdata=None, place=chosen.id if chosen else None, day=day.isoformat())
    form.place.choices = [(r.id, r.name(language)) for r in resources]
    form.day.choices = [(d.isoformat(), local_date(d, "EEE d MMM")) for d in _days()]
    return form


def _my_study_page(member, status=200, error=""):
    resources = list(study.resources())
    chosen = next((r for r in resources if r.id == int_arg("place")),
                  resources[0] if resources else None)
    day = request.args.get("day", "")
    try:
        day = dt.date.fromisoformat(day) if day else today()
    except ValueError:
        day = today()
    if day not in _days():
        day = today()
    return render_template("education/my_study.html", member=member, resources=resources,
                           chosen=chosen, filters=_study_filter(resources, chosen, day),
                           slots=study.day_slots(chosen, day, member) if chosen else [],
                           bookings=study.member_bookings(member), error=error,
                           now_utc=utcnow()), status


@bp.route("/me/study")
@requires("education.learn")
def my_study():
    return _my_study_page(_me())


@bp.route("/me/study/book", methods=["POST"])
@requires("education.learn")
def book_study():
    member = _me()
    form = BookForm()

    def act():
        resource = study.open_resource(form.resource.data)
        try:
            starts_at = dt.datetime.fromisoformat(form.starts_at.data or "")
        except ValueError:
            starts_at = None
        if resource is None or starts_at is None:
            raise RuleError(_("Choose a place and a time from the list."), "starts_at")
        return study.book(resource, member, starts_at, current_user)

    outcome = submit(form, act, _("Booked. Show your code at the door."))
    if outcome:
        return see_other("education.my_study")
    return _my_study_page(member, outcome.status, " ".join(
        str(e) for e in form.form_errors + form.starts_at.errors + form.resource.errors))


@bp.route("/me/study/bookings/<int:booking_id>/cancel", methods=["POST"])
@requires("education.learn")
def cancel_study(booking_id: int):
    member = _me()
    booking = found(study.member_booking(member, booking_id))
    form = ConfirmForm()
    outcome = submit(form, lambda: study.cancel_booking(booking, current_user), _("Booking cancelled."))
    if outcome:
        return see_other("education.my_study")
    return _my_study_page(member, 422, " ".join(str(e) for e in form.form_errors))
