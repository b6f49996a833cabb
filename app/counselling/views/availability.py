"""A counsellor's weekly availability and time away; the booking rules
and the public holidays (settings)."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires
from app.auth.models import User
from app.counselling import bp, holidays, services
from app.counselling import forms as F
from app.counselling.models import AvailabilityException, AvailabilityTemplate, Holiday
from app.db import get_or_404, utcnow
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.urls import int_arg


def _counsellor(user_id):
    """A counsellor this user may manage (availability, agenda)."""
    return get_or_404(services.manageable_counsellors(current_user), User.id == user_id)


def _availability_page(person, template_form=None, exception_form=None, status=200):
    template_form = template_form or F.TemplateForm(formdata=None)
    template_form.set_choices()
    people = services.manageable_counsellor_list(current_user)
    return render_template(
        "counselling/availability.html", person=person,
        choice=F.CounsellorChoice.of(people, person.id) if len(people) > 1 else None,
        templates=list(services.templates_of(person.id)),
        exceptions=list(services.exceptions_of(person.id, since=utcnow())),
        template_form=template_form, exception_form=exception_form or F.ExceptionForm(
            formdata=None)), status


@bp.route("/counselling/availability")
@requires("counselling.availability")
def availability():
    person = services.default_counsellor(
        current_user, services.manageable_counsellor_list(current_user), int_arg("counsellor"))
    if person is None:          # not a counsellor this user may see, or none yet
        abort(404)
    return _availability_page(person)


def _weekly_time(form) -> tuple:
    """A TemplateForm's answers in the order add_template and change_template take them."""
    return (form.weekday.data, form.start_time.data, form.end_time.data,
            form.session_minutes.data, form.buffer_minutes.data, form.room.data)


@bp.route("/counselling/availability/<int:user_id>/templates", methods=["POST"])
@requires("counselling.availability")
def add_template(user_id: int):
    person = _counsellor(user_id)
    form = F.TemplateForm()
    form.set_choices()
    outcome = submit(form, lambda: services.add_template(person, *_weekly_time(form),
                                                        current_user),
                     _("Availability added."))
    if outcome:
        return see_other("counselling.availability", counsellor=person.id)
    return _availability_page(person, template_form=form, status=outcome.status)


@bp.route("/counselling/availability/<int:user_id>/templates/<int:template_id>/edit",
          methods=["GET", "POST"])
@requires("counselling.availability")
def change_template(user_id: int, template_id: int):
    """Change a weekly time in place of removing it and adding it again."""
    person = _counsellor(user_id)
    row = get_or_404(services.templates_of(person.id), AvailabilityTemplate.id == template_id)
    form = F.TemplateForm(obj=None if request.method == "POST" else _template_values(row))
    form.set_choices()
    if request.method == "POST":
        outcome = submit(form, lambda: services.change_template(row, *_weekly_time(form),
                                                                current_user),
                         _("Weekly time changed."))
        if outcome:
            return see_other("counselling.availability", counsellor=person.id)
        status = outcome.status
    else:
        status = 200
    return render_template("counselling/availability_edit.html", person=person, row=row,
                           form=form), status


def _template_values(row):
    from types import SimpleNamespace
    return SimpleNamespace(weekday=row.weekday, start_time=row.start_time, end_time=row.end_time,
                           session_minutes=row.session_minutes,
                           buffer_minutes=row.buffer_minutes, room=row.room)


@bp.route("/counselling/availability/<int:user_id>/templates/<int:template_id>/remove",
          methods=["POST"])
@requires("counselling.availability")
def remove_template(user_id: int, template_id: int):
    person = _counsellor(user_id)
    row = get_or_404(services.templates_of(person.id), AvailabilityTemplate.id == template_id)
    services.remove_template(row, current_user)
    return see_other("counselling.availability", counsellor=person.id)


@bp.route("/counselling/availability/<int:user_id>/exceptions", methods=["POST"])
@requires("counselling.availability")
def add_exception(user_id: int):
    person = _counsellor(user_id)
    form = F.ExceptionForm()
    outcome = submit(form, lambda: services.add_exception(
        person, form.first_day.data, form.last_day.data, form.kind.data,
        form.start_time.data, form.end_time.data, form.note.data, current_user),
        _("Time away added."))
    if outcome:
        return see_other("counselling.availability", counsellor=person.id)
    return _availability_page(person, exception_form=form, status=outcome.status)


@bp.route("/counselling/availability/<int:user_id>/exceptions/<int:exception_id>/remove",
          methods=["POST"])
@requires("counselling.availability")
def remove_exception(user_id: int, exception_id: int):
    person = _counsellor(user_id)
    row = get_or_404(services.exceptions_of(person.id),
                     AvailabilityException.id == exception_id)
    services.remove_exception(row, current_user)
    return see_other("counselling.availability", counsellor=person.id)


# --- booking rules and public holidays ----------------------------------------------------------

def _settings_page(form=None, holiday_form=None, status=200):
    return render_template("counselling/settings.html",
                           form=form or F.SettingsForm(obj=services.settings()),
                           holidays=holidays.holiday_list(),
                           holiday_form=holiday_form or F.HolidayForm(formdata=None)), status


@bp.route("/counselling/settings", methods=["GET", "POST"])
@requires("counselling.settings")
def settings():
    if request.method == "GET":
        return _settings_page()
    form = F.SettingsForm()
    outcome = submit(form, lambda: services.update_settings(form.data, current_user),
                     _("Booking rules saved."))
    if outcome:
        return see_other("counselling.settings")
    return _settings_page(form=form, status=outcome.status)


@bp.route("/counselling/holidays", methods=["POST"])
@requires("counselling.settings")
def add_holiday():
    form = F.HolidayForm()
    outcome = submit(form, lambda: holidays.add_holiday(form.name.data, form.day.data,
                                                        form.every_year.data, current_user),
                     _("Holiday added."))
    if outcome:
        return see_other("counselling.settings")
    return _settings_page(holiday_form=form, status=outcome.status)


@bp.route("/counselling/holidays/<int:holiday_id>/<any(on, off):action>", methods=["POST"])
@requires("counselling.settings")
def toggle_holiday(holiday_id: int, action: str):
    holidays.set_holiday_active(get_or_404(Holiday, Holiday.id == holiday_id), action == "on",
                                current_user)
    return see_other("counselling.settings")
