"""What members see of education on their own pages, and what other
modules ask about a member: the schedule provider ("My classes" on /me),
the home sections, progress rows for the member page, their data export
and anonymisation. Member-facing words are discreet (a class is "a class
at the centre"; nothing names the centre's work)."""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from app.clock import utcnow
from app.db import Prepared, whole_rows
from app.education import certificates, study
from app.education.models import ClassSession, Course, Enrolment, TrainingClass
from app.education.progress import evaluate_many
from app.education.support_models import (
    Application, EducationProfile, FeeRecord, FollowUp, FormalEnrolment, Opportunity, Placement,
    Referral, StudyBooking, StudyResource, TermResult)
from app.i18n import bilingual, gettext as _
from app.members.models import Member
from app.registry import HomeSection, ScheduleItem
from app.rules import today

CHANGES_AHEAD = dt.timedelta(days=21)
LIVE = ("enrolled", "waitlisted")


def _language() -> str:
    from app.i18n import lang_code
    return lang_code()


# The schedule and "My classes" of the member's home (/me, a key page): their
# queries are built once (app.db.Prepared; README, performance).
_class_sessions = Prepared(lambda param: (
    ClassSession.select(ClassSession.id, ClassSession.starts_at, ClassSession.ends_at,
                        ClassSession.place, ClassSession.original_starts_at, Course.title_en,
                        Course.title_sw, Enrolment.klass, Enrolment.status)
    .join(TrainingClass).join(Course)
    .switch(TrainingClass).join(Enrolment, on=(Enrolment.klass == TrainingClass.id))
    .where((Enrolment.member == param("member")) & Enrolment.status.in_(LIVE)
           & ClassSession.cancelled_at.is_null() & TrainingClass.cancelled_at.is_null()
           & (ClassSession.starts_at >= param("start", ClassSession.starts_at))
           & (ClassSession.starts_at < param("end", ClassSession.starts_at)))
    .order_by(ClassSession.starts_at)))


def class_sessions(member, start, end) -> list[ScheduleItem]:
    """Schedule provider: the sessions of the member's classes, each with
    its end and a stable id (a moved session stays one calendar event). A
    class she waits for shows its next session only, tentative, as
    counselling's waiting list does: her place is not hers yet, and "My
    classes" says where she stands."""
    sw = _language() == "sw"
    items, waiting_shown = [], set()
    rows = _class_sessions.all(member=member.id, start=start, end=end)
    for session_id, starts_at, ends_at, place, original, title_en, title_sw, klass_id, status \
            in rows:
        waiting = status == "waitlisted"
        if waiting:
            if klass_id in waiting_shown:
                continue
            waiting_shown.add(klass_id)
        detail = (_("You are on the waiting list.") if waiting
                  else _("New time") if original else "")
        items.append(ScheduleItem(starts_at, _("Class: %(title)s", title=title_sw if sw
                                               else title_en), place, detail, ends_at=ends_at,
                                  uid=f"class-session-{session_id}", tentative=waiting))
    return items


class ChangedSession(NamedTuple):
    """A moved, cancelled or re-placed session as the member is told of it."""
    starts_at: dt.datetime
    place: str
    original_starts_at: dt.datetime | None
    original_place: str | None
    cancelled_at: dt.datetime | None
    title_en: str
    title_sw: str
    title = bilingual("title")


_session_changes = Prepared(lambda param: (
    ClassSession.select(ClassSession.starts_at, ClassSession.place,
                        ClassSession.original_starts_at, ClassSession.original_place,
                        ClassSession.cancelled_at, Course.title_en, Course.title_sw)
    .join(TrainingClass).join(Course)
    .switch(TrainingClass).join(Enrolment, on=(Enrolment.klass == TrainingClass.id))
    .where((Enrolment.member == param("member")) & Enrolment.status.in_(LIVE)
           & ClassSession.changed_at.is_null(False)
           & ((ClassSession.starts_at > param("now", ClassSession.starts_at))
              | (ClassSession.original_starts_at > param("now", ClassSession.starts_at)))
           & (ClassSession.starts_at < param("until", ClassSession.starts_at)))
    .order_by(ClassSession.starts_at)), row=ChangedSession)


def session_changes(member) -> list[dict]:
    """Sessions of the member's classes moved, cancelled or in another
    place, while the old or new time is still ahead (shown until then)."""
    now = utcnow()
    language = _language()
    return [{"session": s, "title": s.title(language)}
            for s in _session_changes.all(member=member.id, now=now, until=now + CHANGES_AHEAD)]


JOINABLE_WEEKS = 8


# The member's classes and the classes they may join are on /me/learning (a
# key page) and the member page: built once (app.db.Prepared; README,
# performance). Whole rows, linked as a join links them.
_member_enrolments = Prepared(lambda param: (
    Enrolment.select(Enrolment, TrainingClass, Course).join(TrainingClass).join(Course)
    .where((Enrolment.member == param("member")) & (Enrolment.status != "withdrawn"))
    .order_by(Enrolment.created_at.desc())))


def member_enrolments(member) -> list[Enrolment]:
    """The member's classes (not those they left), newest first, each with
    its class and course."""
    result = []
    for row in _member_enrolments.all(member=member.id):
        enrolment, klass, course = whole_rows(row, Enrolment, TrainingClass, Course)
        klass.course = course
        enrolment.klass = klass
        result.append(enrolment)
    return result


def learning_rows(member, enrolments=None) -> list[dict]:
    """The member's courses with their progress (latest class per course)."""
    if enrolments is None:
        enrolments = member_enrolments(member)
    seen, latest = set(), []
    for row in enrolments:
        if row.klass.course_id not in seen:
            seen.add(row.klass.course_id)
            latest.append(row)
    evaluations = evaluate_many(latest)
    return [{"enrolment": row, "evaluation": evaluations[row.id]} for row in latest]


_joinable = Prepared(lambda param: (
    TrainingClass.select(TrainingClass, Course).join(Course)
    .where((TrainingClass.open_to_requests == True)  # noqa: E712
           & TrainingClass.cancelled_at.is_null()
           & (TrainingClass.end_date >= param("today", TrainingClass.end_date))
           & (TrainingClass.start_date <= param("until", TrainingClass.start_date))
           & TrainingClass.id.not_in(Enrolment.select(Enrolment.klass).where(
               (Enrolment.member == param("member")) & (Enrolment.status != "withdrawn"))))
    .order_by(TrainingClass.start_date).limit(param("limit"))))


def joinable_classes(member, limit: int = 10) -> list[TrainingClass]:
    """Classes under way or starting in the next weeks that take requests
    and the member is not in, soonest first, each with its course."""
    on = today()
    result = []
    for row in _joinable.all(member=member.id, today=on,
                             until=on + dt.timedelta(weeks=JOINABLE_WEEKS), limit=limit):
        klass, course = whole_rows(row, TrainingClass, Course)
        klass.course = course
        result.append(klass)
    return result


class LiveEnrolment(NamedTuple):
    """A class the member is in or waiting for, as /me names it."""
    id: int
    status: str
    label: str
    title_en: str
    title_sw: str
    title = bilingual("title")


_live_enrolments = Prepared(lambda param: (
    Enrolment.select(Enrolment.id, Enrolment.status, TrainingClass.label, Course.title_en,
                     Course.title_sw)
    .join(TrainingClass).join(Course)
    .where((Enrolment.member == param("member")) & Enrolment.status.in_(LIVE)
           & TrainingClass.cancelled_at.is_null())
    .order_by(TrainingClass.start_date, Enrolment.created_at.desc())), row=LiveEnrolment)


def live_enrolments(member) -> list[LiveEnrolment]:
    """The member's classes they are in or waiting for, soonest first: the
    status, the class's label and its course's titles (what /me shows)."""
    return _live_enrolments.all(member=member.id)


def home_classes(member) -> HomeSection | None:
    """"My classes" on /me: changes to sessions first, then the classes,
    and the way to ask to join one."""
    if member.status != "active":
        return None
    changes = session_changes(member)
    order = 5 if changes else 30
    return HomeSection("my_classes", "education/_home_classes.html",
                       {"changes": changes, "rows": live_enrolments(member),
                        "language": _language()}, order)


def home_learning(member) -> HomeSection | None:
    """"My learning": certificates to download, and the way to progress."""
    certs = list(certificates.certificates_of_member(member))
    if not certs:
        return None
    return HomeSection("my_learning", "education/_home_learning.html",
                       {"certificates": certs}, 31)


def home_study(member) -> HomeSection | None:
    """"My study space bookings"."""
    if member.status not in study.MAY_USE or not study.is_set_up():
        return None
    return HomeSection("my_study", "education/_home_study.html",
                       {"bookings": study.member_bookings(member, limit=5),
                        "language": _language()}, 32)


# --- the member page (staff) ----------------------------------------------------------------

def _sees_every_course_of(user, member) -> bool:
    """Coordinators, and a mentor for their own mentees."""
    from app.education.scope import sees_all
    if sees_all(user):
        return True
    from app.mentorship.services import mentee_ids_of
    mentees = mentee_ids_of(user)
    return mentees is not None and mentees.where(
        mentees.model.mentee == member.id).exists()


def progress_for_member_page(user, member) -> HomeSection | None:
    """Every course as a progress bar on the member page: a coordinator or
    the member's mentor sees all, a trainer only their own classes."""
    if not user.can("education.progress"):
        return None
    enrolments = member_enrolments(member)
    if not _sees_every_course_of(user, member):
        if not user.can("education.teach"):
            return None
        from app.education.scope import teaches
        enrolments = [e for e in enrolments if teaches(user, e.klass_id)]
    rows = learning_rows(member, enrolments)
    return HomeSection("education_progress", "education/_member_progress.html",
                       {"rows": rows, "member": member}, 40, title=_("Courses"))


# --- data rights ------------------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value else None


def export_learning(member) -> list[dict]:
    rows = (Enrolment.select(Enrolment, TrainingClass, Course).join(TrainingClass).join(Course)
            .where(Enrolment.member == member).order_by(Enrolment.created_at))
    evaluations = evaluate_many(rows)
    language = member.language if member.language in ("en", "sw") else "sw"
    result = []
    for e in rows:
        ev = evaluations[e.id]
        result.append({
            "course": e.klass.course.title(language), "class_start": _iso(e.klass.start_date),
            "class_end": _iso(e.klass.end_date), "status": e.status,
            "sessions_attended": ev.attended, "sessions_marked": ev.counted,
            "units_done": ev.units_done, "units": ev.units_total,
            "assessment_result": e.assessment_result, "assessment_score": e.assessment_score,
            "completed_on": _iso(e.completed_on)})
    for c in certificates.certificates_of_member(member, include_revoked=True):
        result.append({"certificate": c.title, "code": certificates.display_code(c.code),
                       "completed_on": _iso(c.completed_on),
                       "revoked": c.revoked_at is not None})
    return result


def export_support(member) -> list[dict]:
    result = []
    profile = EducationProfile.get_or_none(EducationProfile.member == member)
    if profile:
        result.append({"highest_level": profile.highest_level})
    for f in FormalEnrolment.select().where(FormalEnrolment.member == member):
        result.append({"institution": f.institution, "programme": f.programme, "level": f.level,
                       "year_of_study": f.year_of_study, "status": f.status,
                       "expected_completion": _iso(f.expected_completion),
                       "results": [{"term": r.term, "result": r.result_text, "grade": r.grade}
                                   for r in f.results],
                       "fees": [{"term": x.term, "fee_cents": x.fee_cents,
                                 "support_cents": x.support_cents} for x in f.fees]})
    for a in Application.select(Application, Opportunity).join(Opportunity).where(
            Application.member == member):
        result.append({"opportunity": a.opportunity.title, "provider": a.opportunity.provider,
                       "status": a.status, "awarded_cents": a.awarded_cents})
    for p in Placement.select().where(Placement.member == member):
        result.append({"work": p.employer, "kind": p.kind, "role": p.role,
                       "start_date": _iso(p.start_date), "ended_on": _iso(p.ended_on)})
    for r in Referral.select().where(Referral.member == member):
        result.append({"referred_to": r.to_name, "kind": r.kind, "date": _iso(r.referred_on),
                       "outcome": r.outcome})
    for b in StudyBooking.select(StudyBooking, StudyResource).join(StudyResource).where(
            StudyBooking.member == member):
        result.append({"study_space": b.resource.name(member.language),
                       "starts_at": b.starts_at.isoformat(timespec="minutes") + "Z",
                       "came": b.checked_in_at is not None, "cancelled": b.cancelled_at is not None})
    return result


def scrub_member(member: Member) -> None:
    """Anonymisation (inside its transaction): the free text about them
    goes; the pseudonymous records stay for statistics (attendance,
    completions, placements by kind and band, amounts)."""
    Enrolment.update(assessment_note="").where(Enrolment.member == member).execute()
    from app.education.models import Certificate, UnitDone
    UnitDone.update(note="").where(UnitDone.enrolment.in_(
        Enrolment.select(Enrolment.id).where(Enrolment.member == member))).execute()
    Certificate.update(initials="").where(Certificate.enrolment.in_(
        Enrolment.select(Enrolment.id).where(Enrolment.member == member))).execute()
    formal = FormalEnrolment.select(FormalEnrolment.id).where(FormalEnrolment.member == member)
    FormalEnrolment.update(institution="—", programme="").where(
        FormalEnrolment.member == member).execute()
    TermResult.update(result_text="").where(TermResult.formal.in_(formal)).execute()
    FeeRecord.update(note="").where(FeeRecord.formal.in_(formal)).execute()
    Application.update(note="").where(Application.member == member).execute()
    Placement.update(employer="", role="").where(Placement.member == member).execute()
    FollowUp.update(note="").where(FollowUp.placement.in_(
        Placement.select(Placement.id).where(Placement.member == member))).execute()
    Referral.update(to_name="—", purpose="").where(Referral.member == member).execute()
    StudyBooking.update(cancelled_at=utcnow()).where(
        (StudyBooking.member == member) & StudyBooking.cancelled_at.is_null()
        & (StudyBooking.starts_at > utcnow())).execute()
    for certificate in Certificate.select().where(Certificate.enrolment.in_(
            Enrolment.select(Enrolment.id).where(Enrolment.member == member))):
        try:
            certificates.pdf_path(certificate).unlink()
        except FileNotFoundError:
            pass
    Certificate.update(pdf_ready_at=None).where(Certificate.enrolment.in_(
        Enrolment.select(Enrolment.id).where(Enrolment.member == member))).execute()
    from app.education.enrolment import withdraw
    for row in Enrolment.select().where((Enrolment.member == member)
                                        & Enrolment.status.in_(LIVE)):
        withdraw(row)            # their place goes to the first person waiting
