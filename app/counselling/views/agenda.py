"""A counsellor's day and week of appointments, and tomorrow's list for
the reminder calls."""
from __future__ import annotations

import datetime as dt

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires
from app.clock import today
from app.counselling import bookings, bp, services
from app.counselling import forms as F
from app.db import utcnow
from app.urls import date_arg, int_arg


@bp.route("/counselling/agenda")
@requires("counselling.agenda")
def agenda():
    people = services.manageable_counsellor_list(current_user)
    chosen = int_arg("counsellor")
    person = services.default_counsellor(current_user, people, chosen)
    if person is None:
        if chosen:                  # not a counsellor this user may see
            abort(404)
        return render_template("counselling/agenda.html", person=None, days=[], view="day")
    view = "week" if request.args.get("view") == "week" else "day"
    day = date_arg("day", today())
    first = services.week_start(day) if view == "week" else day
    count = 7 if view == "week" else 1
    step = dt.timedelta(days=count)
    return render_template("counselling/agenda.html", person=person,
                           days=bookings.agenda(person.id, first, count), view=view,
                           day=first, prev_day=first - step, next_day=first + step,
                           choice=F.CounsellorChoice.of(people, person.id)
                           if len(people) > 1 else None, now=utcnow())


@bp.route("/counselling/tomorrow")
@requires("counselling.reminders")
def tomorrow():
    day, entries = bookings.reminder_list(current_user)
    return render_template("counselling/tomorrow.html", day=day, entries=entries)
