"""Programme areas (seeded from the work plan) and courses with their units
and completion rules."""
from __future__ import annotations

from dataclasses import dataclass

from app import audit
from app.db import db
from app.education.models import ASSESSMENTS, LANGUAGES, Course, CourseUnit, ProgrammeArea
from app.education.timetable import check_capacity
from app.i18n import lazy_gettext as _l
from app.rules import RuleError

# The work plan's programme areas (000_*: Objectives 1-3), in both languages.
DEFAULT_AREAS = [
    ("employment", "Skills for employment", "Ujuzi wa ajira"),
    ("entrepreneurship", "Entrepreneurship and economic justice",
     "Ujasiriamali na haki ya kiuchumi"),
    ("formal_education", "Formal education support", "Msaada wa elimu rasmi"),
    ("mental_health", "Mental-health training", "Mafunzo ya afya ya akili"),
    ("leadership", "Survivor leadership", "Uongozi wa walionusurika"),
    ("outreach", "Community outreach and ethical storytelling",
     "Uhamasishaji wa jamii na usimulizi wa hadithi kwa maadili"),
    ("citizenry", "Active citizenry", "Uraia hai"),
]


def ensure_areas() -> None:
    """Seed the programme areas once per database (from its schema step):
    a list that holds anything is the coordinators' and stays as they left it."""
    with db.atomic():
        if not ProgrammeArea.select().exists():
            ProgrammeArea.insert_many(
                [{"key": k, "name_en": en, "name_sw": sw, "position": i}
                 for i, (k, en, sw) in enumerate(DEFAULT_AREAS)]).execute()


def areas(include_retired: bool = False):
    query = ProgrammeArea.select().order_by(ProgrammeArea.position, ProgrammeArea.id)
    return query if include_retired else query.where(ProgrammeArea.active == True)  # noqa: E712


def save_area(area: ProgrammeArea | None, name_en: str, name_sw: str, active: bool = True,
              actor=None) -> ProgrammeArea:
    name_en, name_sw = (name_en or "").strip(), (name_sw or "").strip()
    if not name_en:
        raise RuleError(_l("Give the name in English."), "name_en")
    if not name_sw:
        raise RuleError(_l("Give the name in Kiswahili."), "name_sw")
    with db.atomic():
        if area is None:
            position = (ProgrammeArea.select().count())
            area = ProgrammeArea.create(name_en=name_en[:120], name_sw=name_sw[:120],
                                        position=position)
        else:
            area.name_en, area.name_sw, area.active = name_en[:120], name_sw[:120], active
            area.save()
        audit.record("education.area_saved", "education_area", area.id, actor=actor)
    return area


@dataclass
class CourseInput:
    area_id: int
    title_en: str
    title_sw: str
    description: str = ""
    language: str = "sw"
    capacity: int = 15
    min_attendance_pct: int = 75
    assessment: str = "none"
    pass_mark: int | None = None
    active: bool = True


def _clean(data: CourseInput) -> dict:
    title_en, title_sw = (data.title_en or "").strip(), (data.title_sw or "").strip()
    if not title_en:
        raise RuleError(_l("Give the title in English."), "title_en")
    if not title_sw:
        raise RuleError(_l("Give the title in Kiswahili."), "title_sw")
    area = ProgrammeArea.get_or_none(ProgrammeArea.id == data.area_id)
    if area is None:
        raise RuleError(_l("Choose from the list."), "area")
    if data.language not in LANGUAGES:
        raise RuleError(_l("Choose from the list."), "language")
    check_capacity(data.capacity)
    if data.min_attendance_pct is None or not 0 <= data.min_attendance_pct <= 100:
        raise RuleError(_l("A share between 0 and 100 per cent."), "min_attendance_pct")
    if data.assessment not in ASSESSMENTS:
        raise RuleError(_l("Choose from the list."), "assessment")
    pass_mark = None
    if data.assessment == "score":
        if data.pass_mark is None or not 0 <= data.pass_mark <= 100:
            raise RuleError(_l("A pass mark between 0 and 100."), "pass_mark")
        pass_mark = data.pass_mark
    return {"area": area.id, "title_en": title_en[:160], "title_sw": title_sw[:160],
            "description": (data.description or "").strip(), "language": data.language,
            "capacity": data.capacity, "min_attendance_pct": data.min_attendance_pct,
            "assessment": data.assessment, "pass_mark": pass_mark, "active": data.active}


def create_course(data: CourseInput, units=(), actor=None) -> Course:
    """`units`: (title_en, title_sw, required) in their order."""
    values = _clean(data)
    with db.atomic():
        course = Course.create(**values, created_by=actor)
        for position, (title_en, title_sw, required) in enumerate(units):
            CourseUnit.create(course=course, position=position, title_en=title_en,
                              title_sw=title_sw, required=required)
        audit.record("education.course_created", "education_course", course.id, actor=actor)
    return course


def update_course(course: Course, data: CourseInput, actor=None) -> Course:
    values = _clean(data)
    with db.atomic():
        for name, value in values.items():
            setattr(course, name if name != "area" else "area_id", value)
        course.save()
        audit.record("education.course_changed", "education_course", course.id, actor=actor)
    return course


def units_of(course_id: int, include_retired: bool = False) -> list[CourseUnit]:
    query = (CourseUnit.select().where(CourseUnit.course == course_id)
             .order_by(CourseUnit.position, CourseUnit.id))
    if not include_retired:
        query = query.where(CourseUnit.active == True)  # noqa: E712
    return list(query)


def save_unit(course: Course, unit: CourseUnit | None, title_en: str, title_sw: str,
              required: bool, actor=None) -> CourseUnit:
    title_en, title_sw = (title_en or "").strip(), (title_sw or "").strip()
    if not title_en:
        raise RuleError(_l("Give the title in English."), "title_en")
    if not title_sw:
        raise RuleError(_l("Give the title in Kiswahili."), "title_sw")
    with db.atomic():
        if unit is None:
            position = CourseUnit.select().where(CourseUnit.course == course).count()
            unit = CourseUnit.create(course=course, position=position, title_en=title_en[:160],
                                     title_sw=title_sw[:160], required=required)
        else:
            unit.title_en, unit.title_sw, unit.required = title_en[:160], title_sw[:160], required
            unit.save()
        audit.record("education.unit_saved", "education_course", course.id, actor=actor)
    return unit


def set_unit_active(unit: CourseUnit, active: bool, actor=None) -> None:
    """Retire a unit (it stays, with what was done, for the record) or bring it back."""
    with db.atomic():
        unit.active = active
        unit.save(only=[CourseUnit.active])
        audit.record("education.unit_" + ("on" if active else "off"), "education_course",
                     unit.course_id, actor=actor)


def move_unit(unit: CourseUnit, direction: int, actor=None) -> None:
    """One place up (-1) or down (+1) in the course's order."""
    with db.atomic():
        units = units_of(unit.course_id, include_retired=True)
        index = next(i for i, u in enumerate(units) if u.id == unit.id)
        other = index + direction
        if not 0 <= other < len(units):
            return
        units[index], units[other] = units[other], units[index]
        for position, row in enumerate(units):
            if row.position != position:
                CourseUnit.update(position=position).where(CourseUnit.id == row.id).execute()
        audit.record("education.unit_moved", "education_course", unit.course_id, actor=actor)


def course_by_id(course_id: int | None) -> Course | None:
    return Course.get_or_none(Course.id == course_id) if course_id else None


def courses(area_id: int | None = None, include_retired: bool = False):
    query = (Course.select(Course, ProgrammeArea).join(ProgrammeArea)
             .order_by(ProgrammeArea.position, Course.title_en))
    if area_id:
        query = query.where(Course.area == area_id)
    if not include_retired:
        query = query.where(Course.active == True)  # noqa: E712
    return query
