"""Classes: the trainer's and coordinator's home, the class list, a class
page (sessions, roster with progress, waiting list), planning a class,
changing it, enrolling members, and moving, adding or cancelling sessions."""
from __future__ import annotations

from flask import flash, render_template, request
from flask_login import current_user

from app.access import requires
from app.education import (
    bp, courses as course_rules, enrolment, figures, progress, scope, timetable)
from app.education.forms import (
    CancelSessionForm, ClassEditForm, ClassForm, ConfirmForm, EnrolForm, SessionForm, WithdrawForm)
from app.education.models import ClassSession
from app.education.views import found
from app.forms import submit
from app.htmx import render, see_other
from app.i18n import gettext as _
from app.members.services import member_by_code
from app.rules import RuleError, today
from app.clock import utcnow
from app.urls import int_arg, page_arg

PAGE = 30


def _class(class_id: int):
    return found(scope.visible_class(current_user, class_id))


@bp.route("/education/")
@requires("education.view")
def home():
    """Today's sessions and registers not taken (trainers), figures and
    what needs doing (coordinators), and the classes under way."""
    trainer = current_user.can("education.teach")
    panel = figures.trainer_today(current_user) if trainer else None
    classes = scope.classes_under_way(current_user, PAGE)
    return render_template("education/home.html", panel=panel, classes=classes,
                           counts=timetable.PLACES.counts(c.id for c in classes),
                           figures=figures.coordinator_panel(current_user)
                           if scope.sees_all(current_user) else None)


@bp.route("/education/classes")
@requires("education.view")
def classes():
    when = request.args.get("when", "current")
    if when != "past":
        when = "current"
    page = page_arg()
    rows = scope.class_list(current_user, past=when == "past", page=page, per_page=PAGE)
    return render("education/classes.html", "education/_class_rows.html", when=when,
                  rows=rows[:PAGE], has_next=len(rows) > PAGE, page=page,
                  counts=timetable.PLACES.counts(c.id for c in rows[:PAGE]))


def _course_choices():
    language = current_language()
    return [(c.id, c.title(language)) for c in course_rules.courses()]


def _trainer_choices():
    return [(u.id, u.display_name) for u in timetable.trainers()]


def current_language() -> str:
    from app.i18n import lang_code
    return lang_code()


@bp.route("/education/classes/new", methods=["GET", "POST"])
@requires("education.manage")
def new_class():
    form = ClassForm()
    form.course.choices = _course_choices()
    form.trainers.choices = _trainer_choices()
    if request.method == "GET":
        course = course_rules.course_by_id(int_arg("course"))
        if course:
            form.course.data, form.capacity.data = course.id, course.capacity
            form.language.data = course.language
    outcome = submit(form, lambda: (timetable.create_class(timetable.ClassInput(
        course_id=form.course.data, trainer_ids=form.trainers.data or [], place=form.place.data,
        pattern=timetable.Pattern(form.weekdays.data or [], form.starts_time.data,
                                  form.ends_time.data, form.start_date.data, form.end_date.data),
        capacity=form.capacity.data, label=form.label.data, language=form.language.data,
        open_to_requests=form.open_to_requests.data), current_user)), _("Class planned."))
    if outcome:
        return see_other("education.show_class", class_id=outcome.result.id)
    return render_template("education/class_form.html", form=form), \
        outcome.status


def _class_page(klass, status: int = 200, **forms):
    enrolments = enrolment.enrolments_of_class(klass.id)
    placed = [e for e in enrolments if e.status in ("enrolled", "completed", "did_not_complete")]
    for row in placed:
        row.klass = klass
    evaluations = progress.evaluate_many(placed)
    sessions = timetable.sessions_of(klass.id)
    manage = scope.sees_all(current_user)
    return render_template(
        "education/class.html", klass=klass, course=klass.course, placed=placed,
        evaluations=evaluations, waiting=[e for e in enrolments if e.status == "waitlisted"],
        left=[e for e in enrolments if e.status == "withdrawn"], sessions=sessions,
        trainers=timetable.trainer_names(klass.id), manage=manage,
        today=today(), enrol_form=forms.get("enrol_form") or EnrolForm(formdata=None),
        now_utc=utcnow(),
        error=forms.get("error", ""),
        open_for_enrolment=enrolment.open_for_enrolment(klass),
        marks_taken=sum(1 for s in sessions if s.register_taken_at)), status


@bp.route("/education/classes/<int:class_id>")
@requires("education.view")
def show_class(class_id: int):
    return _class_page(_class(class_id))


@bp.route("/education/classes/<int:class_id>/edit", methods=["GET", "POST"])
@requires("education.manage")
def edit_class(class_id: int):
    klass = _class(class_id)
    form = ClassEditForm(obj=klass if request.method == "GET" else None)
    form.trainers.choices = _trainer_choices()
    if request.method == "GET":
        form.trainers.data = timetable.trainer_ids_of(klass.id)
    outcome = submit(form, lambda: timetable.update_class(
            klass, form.label.data, form.place.data, form.capacity.data, form.trainers.data or [],
            form.open_to_requests.data, current_user), _("Changes saved."))
    if outcome:
        return see_other("education.show_class", class_id=klass.id)
    return render_template("education/class_edit.html", form=form, klass=klass), \
        outcome.status


@bp.route("/education/classes/<int:class_id>/cancel", methods=["GET", "POST"])
@requires("education.manage")
def cancel_class(class_id: int):
    klass = _class(class_id)
    form = ConfirmForm()
    outcome = submit(form, lambda: timetable.cancel_class(klass, current_user), _("Class cancelled."))
    if outcome:
        return see_other("education.show_class", class_id=klass.id)
    return render_template("education/confirm.html", form=form, klass=klass,
                           title=_("Cancel this class?"),
                           question=_("Its sessions still ahead are cancelled and its members "
                                      "see it on their home page.")), \
        outcome.status


def member_for_code(code: str):
    """A member this user may see, by the code typed; RuleError otherwise."""
    member = member_by_code(code, current_user)
    if member is None:
        raise RuleError(_("No member with this code."), "member_code")
    return member


@bp.route("/education/classes/<int:class_id>/enrol", methods=["POST"])
@requires("education.manage")
def enrol(class_id: int):
    klass = _class(class_id)
    form = EnrolForm()

    def act():
        member = member_for_code(form.member_code.data)
        try:
            row = enrolment.enrol(klass, member, current_user)
        except RuleError as refused:
            raise RuleError(refused.message, "member_code") from None
        if row.status == "waitlisted":
            flash(_("The class is full: %(code)s is on the waiting list.", code=member.code),
                  "info")
        else:
            flash(_("%(code)s is in the class.", code=member.code), "success")

    outcome = submit(form, act)
    if outcome:
        return see_other("education.show_class", class_id=klass.id, _anchor="roster")
    return _class_page(klass, 422, enrol_form=form)


@bp.route("/education/classes/<int:class_id>/withdraw", methods=["POST"])
@requires("education.manage")
def withdraw(class_id: int):
    """Take someone off the class or its waiting list (one form for the
    whole list: each person's button sends their enrolment)."""
    klass = _class(class_id)
    form = WithdrawForm()

    def act():
        row = enrolment.class_enrolment(klass.id, form.enrolment.data)
        if row is None:
            raise RuleError(_("Choose from the list."), "enrolment")
        return enrolment.withdraw(row, current_user)

    outcome = submit(form, act, _("Taken off the class."))
    if outcome:
        return see_other("education.show_class", class_id=klass.id, _anchor="roster")
    return _class_page(klass, 422, error=" ".join(
        str(e) for e in form.form_errors + form.enrolment.errors))


# --- single sessions -----------------------------------------------------------------------

def _session(session_id: int) -> ClassSession:
    return found(scope.visible_session(current_user, session_id))


@bp.route("/education/classes/<int:class_id>/sessions/new", methods=["GET", "POST"])
@requires("education.manage")
def add_session(class_id: int):
    klass = _class(class_id)
    form = SessionForm(data={"place": klass.place, "starts_time": klass.starts_time,
                             "ends_time": klass.ends_time} if request.method == "GET" else None)
    outcome = submit(form, lambda: timetable.add_session(klass, form.day.data, form.starts_time.data,
                                                  form.ends_time.data, form.place.data,
                                                  current_user), _("Session added."))
    if outcome:
        return see_other("education.show_class", class_id=klass.id, _anchor="sessions")
    return render_template("education/session_form.html", form=form, klass=klass,
                           session=None), outcome.status


@bp.route("/education/sessions/<int:session_id>/move", methods=["GET", "POST"])
@requires("education.manage")
def move_session(session_id: int):
    session = _session(session_id)
    if request.method == "GET":
        from app.clock import to_local
        start = to_local(session.starts_at)
        form = SessionForm(data={"day": start.date(), "starts_time": start.time(),
                                 "ends_time": to_local(session.ends_at).time(),
                                 "place": session.place})
    else:
        form = SessionForm()
    outcome = submit(form, lambda: timetable.move_session(session, form.day.data, form.starts_time.data,
                                                   form.ends_time.data, form.place.data,
                                                   current_user),
              _("Session moved. Its members see the change on their home page."))
    if outcome:
        return see_other("education.show_class", class_id=session.klass_id, _anchor="sessions")
    return render_template("education/session_form.html", form=form, klass=session.klass,
                           session=session), outcome.status


@bp.route("/education/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@requires("education.manage")
def cancel_session(session_id: int):
    session = _session(session_id)
    form = CancelSessionForm()
    outcome = submit(form, lambda: timetable.cancel_session(session, form.reason.data, current_user),
              _("Session cancelled. Its members see it on their home page."))
    if outcome:
        return see_other("education.show_class", class_id=session.klass_id, _anchor="sessions")
    return render_template("education/session_cancel.html", form=form, session=session,
                           klass=session.klass), outcome.status
