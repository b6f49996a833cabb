"""Programme areas and courses: the catalogue, a course with its units and
completion rules and its classes, creating and changing them."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from app.access import requires
from app.db import get_or_404
from app.education import bp, courses, scope, timetable
from app.education.forms import AreaForm, ConfirmForm, CourseFilter, CourseForm, UnitForm
from app.education.models import Course, CourseUnit, ProgrammeArea
from app.forms import submit
from app.htmx import see_other
from app.i18n import gettext as _
from app.urls import int_arg

COURSE_CLASSES = 20    # the latest classes a course page lists


@bp.route("/education/courses")
@requires("education.view")
def course_list():
    area = int_arg("area", 0)
    filters = CourseFilter(formdata=None, area=area or None)
    filters.area.choices = [("", _("All"))] + _area_choices()
    return render_template("education/courses.html", filters=filters,
                           rows=list(courses.courses(area or None, include_retired=bool(
                               request.args.get("retired")))))


def _area_choices():
    from app.i18n import lang_code
    return [(a.id, a.name(lang_code())) for a in courses.areas()]


def _input(form) -> courses.CourseInput:
    return courses.CourseInput(
        area_id=form.area.data, title_en=form.title_en.data, title_sw=form.title_sw.data,
        description=form.description.data, language=form.language.data,
        capacity=form.capacity.data, min_attendance_pct=form.min_attendance_pct.data,
        assessment=form.assessment.data, pass_mark=form.pass_mark.data,
        active=form.active.data)


@bp.route("/education/courses/new", methods=["GET", "POST"])
@requires("education.courses")
def new_course():
    form = CourseForm()
    form.area.choices = _area_choices()
    outcome = submit(form, lambda: (courses.create_course(_input(form), (),
                                                                 current_user)),
              _("Course saved. Add its units next."))
    if outcome:
        return see_other("education.show_course", course_id=outcome.result.id)
    return render_template("education/course_form.html", form=form, course=None), \
        outcome.status


def _course(course_id: int) -> Course:
    return get_or_404(courses.courses(include_retired=True), Course.id == course_id)


def _course_page(course, status=200, unit_form=None):
    classes = scope.classes_of_course(current_user, course.id, COURSE_CLASSES)
    return render_template("education/course.html", course=course,
                           units=courses.units_of(course.id, include_retired=True),
                           classes=classes, counts=timetable.PLACES.counts(c.id for c in classes),
                           unit_form=unit_form or UnitForm(formdata=None),
                           may_edit=current_user.can("education.courses")), status


@bp.route("/education/courses/<int:course_id>")
@requires("education.view")
def show_course(course_id: int):
    return _course_page(_course(course_id))


@bp.route("/education/courses/<int:course_id>/edit", methods=["GET", "POST"])
@requires("education.courses")
def edit_course(course_id: int):
    course = _course(course_id)
    form = CourseForm(obj=course if request.method == "GET" else None)
    form.area.choices = _area_choices()
    if request.method == "GET":
        form.area.data = course.area_id
    outcome = submit(form, lambda: courses.update_course(course, _input(form), current_user),
              _("Changes saved."))
    if outcome:
        return see_other("education.show_course", course_id=course.id)
    return render_template("education/course_form.html", form=form, course=course), \
        outcome.status


@bp.route("/education/courses/<int:course_id>/units", methods=["POST"])
@requires("education.courses")
def add_unit(course_id: int):
    course = _course(course_id)
    form = UnitForm()
    outcome = submit(form, lambda: courses.save_unit(course, None, form.title_en.data, form.title_sw.data,
                                              form.required_unit.data, current_user),
              _("Unit added."))
    if outcome:
        return see_other("education.show_course", course_id=course.id, _anchor="units")
    return _course_page(course, 422, unit_form=form)


def _unit(unit_id: int) -> CourseUnit:
    return get_or_404(CourseUnit, CourseUnit.id == unit_id)


@bp.route("/education/units/<int:unit_id>/edit", methods=["GET", "POST"])
@requires("education.courses")
def edit_unit(unit_id: int):
    unit = _unit(unit_id)
    form = UnitForm(obj=unit if request.method == "GET" else None)
    if request.method == "GET":
        form.required_unit.data = unit.required
    outcome = submit(form, lambda: courses.save_unit(_course(unit.course_id), unit, form.title_en.data,
                                              form.title_sw.data, form.required_unit.data,
                                              current_user), _("Changes saved."))
    if outcome:
        return see_other("education.show_course", course_id=unit.course_id, _anchor="units")
    return render_template("education/unit_form.html", form=form, unit=unit), \
        outcome.status


@bp.route("/education/units/<int:unit_id>/<any(up, down, retire, restore):action>",
          methods=["POST"])
@requires("education.courses")
def change_unit(unit_id: int, action: str):
    unit = _unit(unit_id)
    form = ConfirmForm()

    def act():
        if action in ("up", "down"):
            courses.move_unit(unit, -1 if action == "up" else 1, current_user)
        else:
            courses.set_unit_active(unit, action == "restore", current_user)

    if not submit(form, act):
        abort(404)
    return see_other("education.show_course", course_id=unit.course_id, _anchor="units")


@bp.route("/education/areas", methods=["GET", "POST"])
@requires("education.manage")
def areas():
    form = AreaForm()
    outcome = submit(form, lambda: courses.save_area(None, form.name_en.data, form.name_sw.data,
                                              actor=current_user), _("Programme area added."))
    if outcome:
        return see_other("education.areas")
    return render_template("education/areas.html", form=form,
                           rows=list(courses.areas(include_retired=True))), \
        outcome.status


@bp.route("/education/areas/<int:area_id>/edit", methods=["GET", "POST"])
@requires("education.manage")
def edit_area(area_id: int):
    area = get_or_404(ProgrammeArea, ProgrammeArea.id == area_id)
    form = AreaForm(obj=area if request.method == "GET" else None)
    outcome = submit(form, lambda: courses.save_area(area, form.name_en.data, form.name_sw.data,
                                              form.active.data, current_user),
              _("Changes saved."))
    if outcome:
        return see_other("education.areas")
    return render_template("education/area_form.html", form=form, area=area), \
        outcome.status
