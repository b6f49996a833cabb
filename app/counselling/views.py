"""Counselling pages: staff booking and agendas, availability, settings,
group sessions, notes, the member's own appointments, calendar feeds."""
from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from app.i18n import gettext as _
from flask_login import current_user

from app import audit
from app.access import public, requires, user_can
from app.counselling import bp, feeds, groups, notes, schedule, services
from app.counselling import forms as F
from app.counselling.models import (
    ATTENDED, BOOKED, AvailabilityException, AvailabilityTemplate, Booking, GroupFacilitator,
    GroupNotice, GroupSession, GroupSignup, Holiday, SessionNote)
from app.counselling.services import CounsellingError, SlotTaken
from app.counselling.slots import to_local
from app.db import db, utcnow
from app.forms import add_error, submit
from app.htmx import render, see_other
from app.urls import external_url
from app.members.models import Member
from app.members.services import member_for_user, contact_phone


def _parse_start(value) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value or ""))
    except ValueError:
        return None


def _parse_day(value, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _member_by_code(code: str) -> Member | None:
    code = (code or "").strip().upper()
    return Member.get_or_none(Member.code == code) if code else None


def _counsellor_in_scope(user_id) -> object:
    """A counsellor this user may manage (availability, agenda), else 404."""
    person = services.manageable_counsellors(current_user).where(
        services.User.id == user_id).first()
    if person is None:
        abort(404)
    return person


def _default_counsellor():
    """Oneself if a counsellor, else the first counsellor (coordinators)."""
    chosen = request.args.get("counsellor", type=int)
    if chosen:
        return _counsellor_in_scope(chosen)
    person = services.manageable_counsellors(current_user).where(
        services.User.id == current_user.id).first()
    return person or services.manageable_counsellors(current_user).first()


def _booking_or_404(booking_id: int) -> Booking:
    booking = services.visible_booking(current_user, booking_id)
    if booking is None:
        abort(404)
    return booking


# --- slot finder and booking (staff) ------------------------------------------------------------

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
        after = services.local_range(_parse_day(day, services.local_today()),
                                     services.local_today())[0]
    slots = services.next_free_slots(chosen, limit=12, after=after)
    names = {p.id: p.display_name for p in people}
    return render("counselling/slot_finder.html", "counselling/_slot_results.html",
                  people=people, chosen=chosen, slots=slots, names=names,
                  member=request.args.get("member", "")[:24], day=day or "")


@bp.route("/counselling/counsellors/<int:user_id>/week")
@requires("counselling.book")
def counsellor_week(user_id: int):
    person = services.counsellor_or_none(user_id)
    if person is None:
        abort(404)
    monday = services.week_start(_parse_day(request.args.get("week"), services.local_today()))
    days = services.week_view(person, monday)
    show_bookings = user_can(current_user, "counselling.manage") or person.id == current_user.id
    return render_template("counselling/week.html", person=person, days=days, monday=monday,
                           show_bookings=show_bookings, member=request.args.get("member", ""),
                           prev_week=monday - dt.timedelta(days=7),
                           next_week=monday + dt.timedelta(days=7))


def _book_form_context(form, status=200, alternatives=()):
    counsellor = services.counsellor_or_none(form.counsellor_id.data)
    start = _parse_start(form.starts_at.data)
    if counsellor is None or start is None:
        abort(404)
    names = {p.id: p.display_name for p in services.counsellors()}
    return render_template("counselling/book.html", form=form, counsellor=counsellor,
                           start=start, alternatives=alternatives, names=names), status


@bp.route("/counselling/bookings/new", methods=["GET", "POST"])
@requires("counselling.book")
def new_booking():
    form = F.BookForm() if request.method == "POST" else F.BookForm(
        formdata=None, counsellor_id=request.args.get("counsellor_id"),
        starts_at=request.args.get("starts_at"), member_code=request.args.get("member", ""))
    if request.method == "GET" or not form.validate():
        return _book_form_context(form, 200 if request.method == "GET" else 422)
    member = _member_by_code(form.member_code.data)
    start = _parse_start(form.starts_at.data)
    if member is None:
        add_error(form, "member_code", _("No member has this code."))
        return _book_form_context(form, 422)
    try:
        with db.atomic():
            booking = services.book(member, int(form.counsellor_id.data), start, current_user)
    except SlotTaken as taken:
        add_error(form, None, taken.message)
        return _book_form_context(form, 409, taken.alternatives)
    except CounsellingError as error:
        add_error(form, error.field if error.field == "member_code" else None, error.message)
        return _book_form_context(form, 422)
    flash(_("Appointment booked for %(code)s.", code=member.code), "success")
    if services.visible_booking(current_user, booking.id):
        return see_other("counselling.booking", booking_id=booking.id)
    return see_other("counselling.slot_finder")


@bp.route("/counselling/bookings/<int:booking_id>")
@requires("counselling.book")
def booking(booking_id: int):
    item = _booking_or_404(booking_id)
    note = notes.note_for(item)
    return render_template(
        "counselling/booking.html", booking=item, history=list(services.history(item)),
        counsellor=services.User.get_by_id(item.counsellor_id), note=note,
        may_write=notes.may_write(current_user, item),
        may_read=note is not None and notes.may_read(current_user, note),
        cancel_form=F.CancelForm(), now=utcnow())


@bp.route("/counselling/bookings/<int:booking_id>/cancel", methods=["POST"])
@requires("counselling.book")
def cancel_booking(booking_id: int):
    item = _booking_or_404(booking_id)
    form = F.CancelForm()
    if form.validate():
        try:
            with db.atomic():
                services.cancel(item, form.reason.data, current_user)
            flash(_("Appointment cancelled."), "success")
            return see_other("counselling.booking", booking_id=item.id)
        except CounsellingError as error:
            add_error(form, error.field, error.message)
    note = notes.note_for(item)
    return render_template(
        "counselling/booking.html", booking=item, history=list(services.history(item)),
        counsellor=services.User.get_by_id(item.counsellor_id), note=note,
        may_write=notes.may_write(current_user, item), may_read=False, cancel_form=form,
        now=utcnow()), 422


@bp.route("/counselling/bookings/<int:booking_id>/mark", methods=["POST"])
@requires("counselling.book")
def mark_booking(booking_id: int):
    item = _booking_or_404(booking_id)
    try:
        with db.atomic():
            services.mark(item, request.form.get("status", ""), current_user)
    except CounsellingError as error:
        flash(str(error.message), "error")
        return redirect(url_for("counselling.booking", booking_id=item.id), code=303)
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
        start = _parse_start(form.starts_at.data)
        try:
            with db.atomic():
                services.reschedule(item, int(form.counsellor_id.data), start, current_user)
            flash(_("Appointment moved."), "success")
            return see_other("counselling.booking", booking_id=item.id)
        except SlotTaken as taken:
            status, error_message = 409, taken.message
        except (CounsellingError, TypeError, ValueError) as error:
            status, error_message = 422, getattr(error, "message", _("Choose a time."))
    chosen = request.args.get("counsellor", type=int) or item.counsellor_id
    slots = services.next_free_slots(chosen, limit=12, ignore_booking=item)
    names = {p.id: p.display_name for p in services.counsellors()}
    return render_template("counselling/move.html", booking=item, slots=slots, names=names,
                           people=list(services.counsellors()), chosen=chosen,
                           error_message=error_message), status


# --- notes ------------------------------------------------------------------------------------

@bp.route("/counselling/bookings/<int:booking_id>/note", methods=["GET", "POST"])
@requires("counselling.notes")
def note(booking_id: int):
    item = services.visible_bookings(current_user).where(
        (Booking.id == booking_id) & (Booking.counsellor == current_user.id)).first()
    if item is None or item.status != ATTENDED:
        abort(404)
    existing = notes.note_for(item)
    if existing is not None and existing.author_id != current_user.id:
        abort(404)
    if request.method == "GET":
        form = F.NoteForm(obj=notes.read(current_user, existing)) if existing else F.NoteForm()
        return render_template("counselling/note_form.html", form=form, booking=item,
                               released=existing is not None and existing.released_at is not None)
    form = F.NoteForm()
    if form.validate():
        try:
            with db.atomic():
                saved = notes.save(current_user, item, form.text.data, form.concerns.data,
                                   form.risk_level.data, form.follow_up.data)
            flash(_("Note saved."), "success")
            return see_other("counselling.note_saved", note_id=saved.id)
        except CounsellingError as error:
            add_error(form, error.field, error.message)
    return render_template("counselling/note_form.html", form=form, booking=item,
                           released=existing is not None and existing.released_at is not None), 422


@bp.route("/counselling/notes/<int:note_id>")
@requires("counselling.notes")
def note_saved(note_id: int):
    """The author's view of a note (with the safeguarding prompt on high risk)."""
    item = SessionNote.get_or_none((SessionNote.id == note_id)
                                   & (SessionNote.author == current_user.id))
    if item is None:
        abort(404)
    return _show_note(item)


def _show_note(item: SessionNote):
    from app.counselling.concerns import concern_url
    notes.read(current_user, item)
    booking_ = Booking.get_by_id(item.booking_id)
    member = Member.get_by_id(item.member_id)
    prompt = concern_url(member, booking_) if item.risk_level == "high" else None
    response = render_template("counselling/note.html", note=item, booking=booking_,
                               member=member, author=services.User.get_by_id(item.author_id),
                               concern_prompt=item.risk_level == "high", concern_link=prompt,
                               released_by=services.User.get_or_none(
                                   services.User.id == item.released_by_id)
                               if item.released_by_id else None,
                               release_url=_release_url(item))
    return response


def _release_url(item: SessionNote) -> str | None:
    """The author decides through their own page, a supervisor through
    supervision (each route declares its own capability)."""
    if item.author_id == current_user.id and user_can(current_user, "counselling.notes"):
        return url_for("counselling.note_release", note_id=item.id)
    if user_can(current_user, "counselling.supervise"):
        return url_for("counselling.supervise_note_release", note_id=item.id)
    return None


def _set_release(item: SessionNote, endpoint: str):
    """Release the note to the member's own data export, or withdraw it."""
    action = request.form.get("action")
    if action not in ("release", "withdraw"):
        abort(400)
    try:
        with db.atomic():
            notes.set_release(current_user, item, action == "release")
    except CounsellingError as error:
        flash(str(error.message), "error")
        return see_other(endpoint, note_id=item.id)
    flash(_("The note is released to the member's own data export.") if action == "release"
          else _("The note is withdrawn from the member's own data export."), "success")
    return see_other(endpoint, note_id=item.id)


@bp.route("/counselling/notes/<int:note_id>/release", methods=["POST"])
@requires("counselling.notes")
def note_release(note_id: int):
    item = SessionNote.get_or_none((SessionNote.id == note_id)
                                   & (SessionNote.author == current_user.id))
    if item is None:
        abort(404)
    return _set_release(item, "counselling.note_saved")


@bp.route("/counselling/supervision")
@requires("counselling.supervise")
def supervision():
    rows = (notes.readable_notes(current_user)
            .select_extend(Booking.starts_at, Member.code, services.User.display_name)
            .join(Booking, on=(SessionNote.booking == Booking.id))
            .switch(SessionNote).join(Member, on=(SessionNote.member == Member.id))
            .switch(SessionNote).join(services.User, on=(SessionNote.author == services.User.id))
            .limit(100))
    return render_template("counselling/supervision.html", rows=list(rows))


@bp.route("/counselling/supervision/notes/<int:note_id>")
@requires("counselling.supervise")
def supervise_note(note_id: int):
    item = SessionNote.get_or_none(SessionNote.id == note_id)
    if item is None:
        abort(404)
    return _show_note(item)


@bp.route("/counselling/supervision/notes/<int:note_id>/release", methods=["POST"])
@requires("counselling.supervise")
def supervise_note_release(note_id: int):
    item = SessionNote.get_or_none(SessionNote.id == note_id)
    if item is None:
        abort(404)
    return _set_release(item, "counselling.supervise_note")


# --- agenda and reminders ---------------------------------------------------------------------

@bp.route("/counselling/agenda")
@requires("counselling.agenda")
def agenda():
    people = services.manageable_counsellor_list(current_user)
    chosen = request.args.get("counsellor", type=int)
    if chosen:      # as _default_counsellor, from the one list
        person = next((p for p in people if p.id == chosen), None)
        if person is None:
            abort(404)
    else:
        person = next((p for p in people if p.id == current_user.id),
                      people[0] if people else None)
    if person is None:
        return render_template("counselling/agenda.html", person=None, days=[],
                               people=[], view="day")
    view = "week" if request.args.get("view") == "week" else "day"
    day = _parse_day(request.args.get("day"), services.local_today())
    first = services.week_start(day) if view == "week" else day
    count = 7 if view == "week" else 1
    rows = services.agenda(person.id, first, count)
    days = [{"date": first + dt.timedelta(days=i), "bookings": []} for i in range(count)]
    for row in rows:
        days[(to_local(row.starts_at).date() - first).days]["bookings"].append(row)
    step = dt.timedelta(days=count)
    return render_template("counselling/agenda.html", person=person, days=days, view=view,
                           day=first, prev_day=first - step, next_day=first + step,
                           people=people, now=utcnow())


@bp.route("/counselling/tomorrow")
@requires("counselling.reminders")
def tomorrow():
    day, rows = services.tomorrows_appointments()
    entries = [{"booking": b, "member": b.member, "counsellor": b.counsellor,
                "phone": contact_phone(b.member)} for b in rows]
    audit.record("counselling.reminder_list", "booking", None, f"{len(entries)} appointments")
    return render_template("counselling/tomorrow.html", day=day, entries=entries)


# --- availability -----------------------------------------------------------------------------

def _availability_page(person, template_form=None, exception_form=None, status=200):
    template_form = template_form or F.TemplateForm(formdata=None)
    template_form.set_choices()
    return render_template(
        "counselling/availability.html", person=person,
        people=list(services.manageable_counsellors(current_user)),
        templates=list(services.templates_of(person.id)),
        exceptions=list(services.exceptions_of(person.id, since=utcnow())),
        template_form=template_form, exception_form=exception_form or F.ExceptionForm(
            formdata=None)), status


def _availability_row_or_404(model, row_id: int, person):
    """A template or a time away of `person` (the counsellor in scope)."""
    row = model.get_or_none((model.id == row_id) & (model.counsellor == person.id))
    return row if row is not None else abort(404)


def _in_one_transaction(call):
    """For app.forms.submit: the service call inside db.atomic()."""
    def run():
        with db.atomic():
            return call()
    return run


@bp.route("/counselling/availability")
@requires("counselling.availability")
def availability():
    person = _default_counsellor()
    if person is None:
        abort(404)
    return _availability_page(person)


@bp.route("/counselling/availability/<int:user_id>/templates", methods=["POST"])
@requires("counselling.availability")
def add_template(user_id: int):
    person = _counsellor_in_scope(user_id)
    form = F.TemplateForm()
    form.set_choices()
    if submit(form, _in_one_transaction(lambda: services.add_template(
            person, form.weekday.data, form.start_time.data, form.end_time.data,
            form.session_minutes.data, form.buffer_minutes.data, form.room.data, current_user)),
            _("Availability added.")):
        return see_other("counselling.availability", counsellor=person.id)
    return _availability_page(person, template_form=form, status=422)


@bp.route("/counselling/availability/<int:user_id>/templates/<int:template_id>/remove",
          methods=["POST"])
@requires("counselling.availability")
def remove_template(user_id: int, template_id: int):
    person = _counsellor_in_scope(user_id)
    row = _availability_row_or_404(AvailabilityTemplate, template_id, person)
    with db.atomic():
        services.remove_template(row, current_user)
    return see_other("counselling.availability", counsellor=person.id)


@bp.route("/counselling/availability/<int:user_id>/exceptions", methods=["POST"])
@requires("counselling.availability")
def add_exception(user_id: int):
    person = _counsellor_in_scope(user_id)
    form = F.ExceptionForm()
    if submit(form, _in_one_transaction(lambda: services.add_exception(
            person, form.first_day.data, form.last_day.data, form.kind.data,
            form.start_time.data, form.end_time.data, form.note.data, current_user)),
            _("Time away added.")):
        return see_other("counselling.availability", counsellor=person.id)
    return _availability_page(person, exception_form=form, status=422)


@bp.route("/counselling/availability/<int:user_id>/exceptions/<int:exception_id>/remove",
          methods=["POST"])
@requires("counselling.availability")
def remove_exception(user_id: int, exception_id: int):
    person = _counsellor_in_scope(user_id)
    row = _availability_row_or_404(AvailabilityException, exception_id, person)
    with db.atomic():
        services.remove_exception(row, current_user)
    return see_other("counselling.availability", counsellor=person.id)


# --- settings and holidays -------------------------------------------------------------------

def _settings_page(form=None, holiday_form=None, status=200):
    current = services.settings()
    form = form or F.SettingsForm(obj=current)
    holidays = Holiday.select().order_by(Holiday.year.is_null(False), Holiday.month, Holiday.day)
    return render_template("counselling/settings.html", form=form, holidays=list(holidays),
                           holiday_form=holiday_form or F.HolidayForm(formdata=None)), status


@bp.route("/counselling/settings", methods=["GET", "POST"])
@requires("counselling.settings")
def settings():
    if request.method == "GET":
        return _settings_page()
    form = F.SettingsForm()
    if submit(form, _in_one_transaction(lambda: services.update_settings(form.data, current_user)),
              _("Booking rules saved.")):
        return see_other("counselling.settings")
    return _settings_page(form=form, status=422)


@bp.route("/counselling/holidays", methods=["POST"])
@requires("counselling.settings")
def add_holiday():
    form = F.HolidayForm()
    if form.validate():
        with db.atomic():
            services.add_holiday(form.name.data, form.day.data, form.every_year.data,
                                 current_user)
        flash(_("Holiday added."), "success")
        return see_other("counselling.settings")
    return _settings_page(holiday_form=form, status=422)


@bp.route("/counselling/holidays/<int:holiday_id>/<any(on, off):action>", methods=["POST"])
@requires("counselling.settings")
def toggle_holiday(holiday_id: int, action: str):
    row = Holiday.get_or_none(Holiday.id == holiday_id)
    if row is None:
        abort(404)
    with db.atomic():
        services.set_holiday_active(row, action == "on", current_user)
    return see_other("counselling.settings")


# --- group sessions (staff) -------------------------------------------------------------------

def _group_or_404(session_id: int) -> GroupSession:
    session = GroupSession.get_or_none(GroupSession.id == session_id)
    if session is None:
        abort(404)
    return session


def _facilitator_choices(session: GroupSession | None = None):
    """Active staff who may facilitate; when changing a session, also its
    current facilitators (so keeping them is always a valid choice)."""
    from app.auth.models import User, UserRole
    people = (User.select().join(UserRole, on=(UserRole.user == User.id))
              .where(UserRole.role.in_(["counsellor", "trainer", "coordinator", "mentor"])
                     & (User.active == True)).distinct().order_by(User.display_name))  # noqa: E712
    choices = [(p.id, p.display_name) for p in people]
    if session is not None:
        known = {pid for pid, _name in choices}
        extra = (User.select().join(GroupFacilitator, on=(GroupFacilitator.user == User.id))
                 .where((GroupFacilitator.session == session) & User.id.not_in(list(known))
                        & (User.active == True)))  # noqa: E712
        choices += [(p.id, p.display_name) for p in extra]
    return choices


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
    form.facilitators.choices = _facilitator_choices()
    if request.method == "GET":
        form.facilitators.data = [current_user.id]
        return render_template("counselling/group_form.html", form=form)
    if form.validate():
        start = services.local_range(form.day.data, form.day.data, form.start_time.data,
                                     form.start_time.data)[0]
        try:
            with db.atomic():
                created = groups.create_sessions(
                    form.title.data, start, form.minutes.data, form.room.data,
                    form.capacity.data, form.facilitators.data, form.weeks.data,
                    form.description.data, current_user)
            flash(_("%(n)d session(s) planned.", n=len(created)), "success")
            return see_other("counselling.group", session_id=created[0].id)
        except CounsellingError as error:
            add_error(form, error.field, error.message)
    return render_template("counselling/group_form.html", form=form), 422


def _group_page(session, signup_form=None, capacity_form=None, status=200):
    may_manage = groups.may_manage(current_user, session)
    rows = list(groups.signups(session))
    return render_template(
        "counselling/group.html", session=session, rows=rows, may_manage=may_manage,
        facilitators=groups.facilitator_names([session])[session.id],
        signup_form=signup_form or F.SignupForm(formdata=None),
        capacity_form=capacity_form or F.CapacityForm(formdata=None, capacity=session.capacity),
        booked=[r for r in rows if r.status == GroupSignup.BOOKED],
        waiting=[r for r in rows if r.status == GroupSignup.WAITLISTED],
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
        member = _member_by_code(form.member_code.data)
        if member is None:
            add_error(form, "member_code", _("No member has this code."))
        else:
            try:
                with db.atomic():
                    signup = groups.sign_up(session, member, current_user)
                flash(_("Place confirmed.") if signup.status == GroupSignup.BOOKED
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
    signup = GroupSignup.get_or_none((GroupSignup.id == signup_id)
                                     & (GroupSignup.session == session))
    if signup is None or signup.status == GroupSignup.CANCELLED:
        abort(404)
    with db.atomic():
        groups.cancel_signup(signup, current_user, tell_member=True)
    return see_other("counselling.group", session_id=session.id)


@bp.route("/counselling/groups/<int:session_id>/capacity", methods=["POST"])
@requires("counselling.groups")
def group_capacity(session_id: int):
    session = _group_or_404(session_id)
    if not groups.may_manage(current_user, session):
        abort(403)
    form = F.CapacityForm()
    if submit(form, _in_one_transaction(lambda: groups.set_capacity(
            session, form.capacity.data, current_user))):
        return see_other("counselling.group", session_id=session.id)
    return _group_page(_group_or_404(session_id), capacity_form=form, status=422)


def _group_edit_page(session, form, status=200):
    return render_template("counselling/group_edit.html", session=session, form=form,
                           booked=groups.booked_count(session),
                           series=bool(session.series)), status


@bp.route("/counselling/groups/<int:session_id>/edit", methods=["GET", "POST"])
@requires("counselling.groups")
def group_edit(session_id: int):
    session = _group_or_404(session_id)
    if not groups.may_manage(current_user, session):
        abort(403)
    if not groups.editable(session):
        abort(404)
    if request.method == "GET":
        local = to_local(session.starts_at)
        form = F.GroupEditForm(formdata=None, title=session.title,
                               description=session.description, day=local.date(),
                               start_time=local.time().replace(second=0, microsecond=0),
                               minutes=groups.minutes_of(session), room=session.room,
                               capacity=session.capacity)
        form.facilitators.choices = _facilitator_choices(session)
        form.facilitators.data = [f.user_id for f in session.facilitators]
        return _group_edit_page(session, form)
    form = F.GroupEditForm()
    form.facilitators.choices = _facilitator_choices(session)
    if form.validate():
        start = services.local_range(form.day.data, form.day.data, form.start_time.data,
                                     form.start_time.data)[0]
        try:
            with db.atomic():
                changed = groups.update_session(
                    session, form.title.data, start, form.minutes.data, form.room.data,
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
    session = _group_or_404(session_id)
    if not groups.may_manage(current_user, session):
        abort(403)
    try:
        with db.atomic():
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
    session = _group_or_404(session_id)
    if not groups.may_manage(current_user, session):
        abort(403)
    if not groups.editable(session):
        abort(404)
    if request.method == "GET":
        count = groups.counts([session])[session.id]
        return render_template("counselling/group_cancel.html", session=session,
                               booked=count[groups.BOOKED], waiting=count[groups.WAITLISTED])
    with db.atomic():
        groups.cancel_session(session, current_user)
    flash(_("Session cancelled."), "success")
    return see_other("counselling.groups_index")


# --- the member's own appointments ------------------------------------------------------------

def _me_or_404() -> Member:
    member = member_for_user(current_user)
    if member is None or member.anonymised_at:
        abort(404)
    return member


def _own_booking_or_404(member, booking_id) -> Booking:
    item = Booking.get_or_none((Booking.id == booking_id) & (Booking.member == member))
    if item is None or item.status != BOOKED:
        abort(404)
    return item


@bp.route("/counselling/me")
@requires("counselling.self_book")
def my_appointments():
    member = member_for_user(current_user)
    if member is None or member.anonymised_at:
        return render_template("counselling/me.html", member=None)
    bookings = list(services.member_bookings(member))
    return render_template(
        "counselling/me.html", member=member, bookings=bookings,
        locked={b.id for b in bookings if services.within_member_cutoff(b)},
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
        start = _parse_start(form.starts_at.data)
        try:
            with db.atomic():
                services.book(member, int(form.counsellor_id.data), start, current_user,
                              by_member=True)
            flash(_("Your appointment is booked."), "success")
            return see_other("counselling.my_appointments")
        except SlotTaken as taken:
            status, message, alternatives = 409, taken.message, taken.alternatives
        except (CounsellingError, TypeError, ValueError) as error:
            status, message = 422, getattr(error, "message", _("Choose a time."))
    people = list(services.counsellors())
    chosen = request.args.get("counsellor", type=int)
    slots = alternatives if alternatives is not None else services.next_free_slots(
        chosen if chosen in {p.id for p in people} else None, limit=10, by_member=True)
    return render_template("counselling/self_book.html", off=False, slots=slots, people=people,
                           chosen=chosen, message=message,
                           names={p.id: p.display_name for p in people}), status


@bp.route("/counselling/me/appointments/<int:booking_id>/cancel", methods=["GET", "POST"])
@requires("counselling.self_book")
def self_cancel(booking_id: int):
    member = _me_or_404()
    item = _own_booking_or_404(member, booking_id)
    locked = services.within_member_cutoff(item)
    form = F.MemberCancelForm()
    if request.method == "POST" and not locked and form.validate():
        try:
            with db.atomic():
                services.cancel(item, form.reason.data, current_user, by_member=True)
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
    member = _me_or_404()
    item = _own_booking_or_404(member, booking_id)
    locked = services.within_member_cutoff(item) or not services.self_booking_on()
    form = F.SlotForm()
    status, message = 200, None
    if request.method == "POST" and not locked and form.validate():
        try:
            with db.atomic():
                services.reschedule(item, int(form.counsellor_id.data),
                                    _parse_start(form.starts_at.data), current_user,
                                    by_member=True)
            flash(_("Your appointment is moved."), "success")
            return see_other("counselling.my_appointments")
        except (CounsellingError, TypeError, ValueError) as error:
            status, message = 409, getattr(error, "message", _("Choose a time."))
    elif request.method == "POST":
        status = 409 if locked else 422
    slots = [] if locked else services.next_free_slots(item.counsellor_id, limit=10,
                                                       by_member=True, ignore_booking=item)
    names = {p.id: p.display_name for p in services.counsellors()}
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
    session = _group_or_404(session_id)
    try:
        with db.atomic():
            if action == "join":
                signup = groups.sign_up(session, member, current_user)
                flash(_("You have a place.") if signup.status == GroupSignup.BOOKED else
                      _("The session is full: you are on the waiting list. If a place becomes "
                        "free, it is yours and you will see it on your home page."), "success")
            else:
                signup = GroupSignup.get_or_none((GroupSignup.session == session)
                                                 & (GroupSignup.member == member)
                                                 & (GroupSignup.status != GroupSignup.CANCELLED))
                if signup is None:
                    abort(404)
                groups.cancel_signup(signup, current_user)
                flash(_("You have left this session."), "success")
    except CounsellingError as error:
        flash(str(error.message), "error")
    return see_other("counselling.my_groups")


@bp.route("/counselling/me/notices/<int:notice_id>/dismiss", methods=["POST"])
@requires("counselling.group_signup")
def dismiss_notice(notice_id: int):
    member = _me_or_404()
    notice = GroupNotice.get_or_none((GroupNotice.id == notice_id)
                                     & (GroupNotice.member == member))
    if notice is None:
        abort(404)
    with db.atomic():
        schedule.dismiss_notice(member, notice.id)
    from flask import current_app
    home = "members.me" if "members.me" in current_app.view_functions \
        else "counselling.my_appointments"
    return see_other(home)


# --- calendar feeds -----------------------------------------------------------------------------

@bp.route("/counselling/calendar")
@requires("counselling.feed")
def calendar():
    return render_template("counselling/calendar.html", feed=feeds.feed_of(current_user),
                           new_url=None)


@bp.route("/counselling/calendar/new", methods=["POST"])
@requires("counselling.feed")
def calendar_new():
    with db.atomic():
        token = feeds.issue(current_user)
    url = external_url("counselling.calendar_feed", token=token)
    response = render_template("counselling/calendar.html", feed=feeds.feed_of(current_user),
                               new_url=url)
    return response


@bp.route("/counselling/calendar/revoke", methods=["POST"])
@requires("counselling.feed")
def calendar_revoke():
    with db.atomic():
        feeds.revoke(current_user)
    flash(_("Your calendar address no longer works."), "success")
    return see_other("counselling.calendar")


@bp.route("/calendar/<token>.ics")
@public
def calendar_feed(token: str):
    """Public by design: the unguessable token is the key (404 when unknown)."""
    with db.atomic():
        user = feeds.user_for_token(token)
    if user is None or not user_can_feed(user):
        abort(404)
    body = feeds.build(user)
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "no-store"
    return response


def user_can_feed(user) -> bool:
    return "counselling.feed" in user.capabilities
