"""The register (marks, everyone present, the 7-day window, corrections),
completion evaluated from the course's rules, and certificates."""
import datetime as dt

import pytest

from app.audit import AuditEvent
from app.education import attendance as register, certificates, enrolment, progress, timetable
from app.education.models import Attendance, AttendanceCorrection, Certificate, Enrolment
from app.clock import to_local
from app.rules import RuleError, today
from tests.education_factories import make_class, make_course, make_member
from tests.factories import make_user


def _class_around_today(trainer, capacity=10, **fields):
    """Sessions every day from 3 days ago to 3 days ahead."""
    return make_class(trainer=trainer, first=today() - dt.timedelta(days=3), weeks=1,
                      weekdays=range(7), capacity=capacity, **fields)


def _session_on(klass, day):
    return next(s for s in timetable.sessions_of(klass.id)
                if to_local(s.starts_at).date() == day)


def test_everyone_present_then_one_change(conn):
    trainer = make_user("trainer")
    klass = _class_around_today(trainer)
    people = [enrolment.enrol(klass, make_member(preferred_name=n)) for n in ("Amani", "Baraka", "Chiku")]
    session = _session_on(klass, today())
    assert register.mark_everyone_present(session, trainer) == 3
    register.mark(session, people[1].id, "absent", trainer)
    rows = {r.name: r.status for r in register.roster(session)}
    assert rows == {"Amani": "present", "Baraka": "absent", "Chiku": "present"}
    assert register.mark_everyone_present(session, trainer) == 0     # keeps the exception
    assert {r.name: r.status for r in register.roster(session)}["Baraka"] == "absent"
    assert type(session).get_by_id(session.id).register_taken_at is not None


def test_the_roster_shows_preferred_name_and_code_never_the_legal_name(conn):
    trainer = make_user("trainer")
    klass = _class_around_today(trainer)
    member = make_member(preferred_name="Zawadi", legal_name="Zawadi Wairimu Kamau")
    enrolment.enrol(klass, member)
    row = register.roster(_session_on(klass, today()))[0]
    assert (row.name, row.code) == ("Zawadi", member.code)
    assert "Kamau" not in repr(row)


def test_only_the_class_trainer_marks_and_only_from_the_sessions_day(conn):
    trainer, other = make_user("trainer"), make_user("trainer")
    klass = _class_around_today(trainer)
    person = enrolment.enrol(klass, make_member())
    with pytest.raises(RuleError):
        register.mark(_session_on(klass, today()), person.id, "present", other)
    with pytest.raises(RuleError):
        register.mark(_session_on(klass, today() + dt.timedelta(days=1)), person.id, "present",
                      trainer)
    with pytest.raises(RuleError):
        register.mark(_session_on(klass, today()), person.id, "sleeping", trainer)
    assert Attendance.select().count() == 0


def test_after_seven_days_a_change_is_a_correction_with_a_reason(conn):
    trainer = make_user("trainer")
    klass = make_class(trainer=trainer, first=today() - dt.timedelta(days=20), weeks=1,
                       weekdays=range(7))
    old = timetable.sessions_of(klass.id)[0]
    # enrol straight in the database: the class has ended (no new enrolments)
    member = make_member()
    row = Enrolment.create(klass=klass, member=member, status="enrolled")
    assert not register.is_open(old)
    with pytest.raises(RuleError):
        register.mark(old, row.id, "present", trainer)
    with pytest.raises(RuleError) as refused:
        register.correct(old, row.id, "present", "  ", trainer)
    assert refused.value.field == "reason"
    register.correct(old, row.id, "present", "Was on the paper register", trainer)
    register.correct(old, row.id, "late", "Came at 10:40", trainer)
    corrections = register.corrections_of(old)
    assert [(c.old_status, c.new_status) for c in corrections] == [("", "present"),
                                                                   ("present", "late")]
    assert Attendance.get().status == "late"
    assert register.roster(old)[0].corrected
    assert AuditEvent.select().where(AuditEvent.action == "education.register_corrected").count() == 2


def test_another_trainer_cannot_correct(conn):
    trainer, other = make_user("trainer"), make_user("trainer")
    klass = make_class(trainer=trainer, first=today() - dt.timedelta(days=20), weeks=1,
                       weekdays=(0,))
    row = Enrolment.create(klass=klass, member=make_member(), status="enrolled")
    with pytest.raises(RuleError):
        register.correct(timetable.sessions_of(klass.id)[0], row.id, "present", "x", other)
    coordinator = make_user("coordinator")
    register.correct(timetable.sessions_of(klass.id)[0], row.id, "present", "Checked", coordinator)
    assert AttendanceCorrection.select().count() == 1


def test_completion_follows_the_rules(conn):
    trainer = make_user("trainer")
    course = make_course(min_attendance_pct=75, assessment="score", pass_mark=60)
    klass = make_class(course=course, trainer=trainer, first=today() - dt.timedelta(days=3),
                       weeks=1, weekdays=range(7))
    row = enrolment.enrol(klass, make_member())
    sessions = [s for s in timetable.sessions_of(klass.id) if to_local(s.starts_at).date() <= today()]
    for session, status in zip(sessions, ["present", "late", "absent", "excused"]):
        register.mark(session, row.id, status, trainer)
    evaluation = progress.evaluate(row)
    assert (evaluation.attended, evaluation.counted, evaluation.share_pct) == (2, 3, 67)
    assert not evaluation.attendance_ok and not evaluation.meets_rules
    with pytest.raises(RuleError):
        progress.confirm_completion(row, trainer)
    register.mark(sessions[2], row.id, "present", trainer)           # 3 of 3 (excused left out)
    assert progress.evaluate(row).attendance_ok
    units = course.units.order_by("position")
    required = [u for u in units if u.required]
    for unit in required[:-1]:
        progress.set_unit_done(row, unit.id, True, "Good work", trainer)
    assert [u.id for u in progress.evaluate(row).required_missing] == [required[-1].id]
    progress.set_unit_done(row, required[-1].id, True, "", trainer)
    with pytest.raises(RuleError) as refused:
        progress.record_assessment(row, score=101, actor=trainer)
    assert refused.value.field == "score"
    progress.record_assessment(Enrolment.get_by_id(row.id), score=55, note="Retake", actor=trainer)
    assert not progress.evaluate(row).assessment_ok
    progress.record_assessment(progress.load(row.id), score=72, actor=trainer)
    evaluation = progress.evaluate(row)
    assert evaluation.meets_rules and evaluation.units_done == 2
    certificate = progress.confirm_completion(progress.load(row.id), trainer)
    row = Enrolment.get_by_id(row.id)
    assert row.status == "completed" and row.completed_on == today()
    assert certificate.title == "Ushonaji wa msingi" and certificate.language == "sw"
    assert certificate.initials == "W.K."          # Wanjiku Kamau, the factory's legal name
    assert certificates.has_pdf(Certificate.get_by_id(certificate.id))   # worker ran (immediate)


def test_a_course_without_rules_still_needs_confirmation_and_a_class_in_progress(conn):
    trainer = make_user("trainer")
    course = make_course(min_attendance_pct=0, units=())
    klass = make_class(course=course, trainer=trainer, first=today() - dt.timedelta(days=1))
    row = enrolment.enrol(klass, make_member())
    assert progress.evaluate(row).meets_rules
    with pytest.raises(RuleError):
        progress.mark_not_completed(progress.load(row.id), trainer)   # rules met, class running
    progress.confirm_completion(progress.load(row.id), trainer)
    with pytest.raises(RuleError):
        progress.confirm_completion(progress.load(row.id), trainer)   # once only
    assert Certificate.select().count() == 1


def test_did_not_complete_only_after_the_end_and_when_the_rules_are_not_met(conn):
    trainer = make_user("trainer")
    course = make_course(min_attendance_pct=50)
    klass = make_class(course=course, trainer=trainer, first=today() - dt.timedelta(days=30),
                       weeks=2, weekdays=(0,))
    row = Enrolment.create(klass=klass, member=make_member(), status="enrolled")
    progress.mark_not_completed(progress.load(row.id), trainer)
    assert Enrolment.get_by_id(row.id).status == "did_not_complete"


def test_certificate_verification_and_revocation(conn):
    trainer = make_user("trainer")
    klass = make_class(course=make_course(min_attendance_pct=0, units=()), trainer=trainer,
                       first=today() - dt.timedelta(days=1))
    row = enrolment.enrol(klass, make_member(language="en", legal_name="Amina Wanjiru"))
    certificate = progress.confirm_completion(progress.load(row.id), trainer)
    assert len(certificate.code) == 8 and set(certificate.code) <= set(certificates.ALPHABET)
    typed = certificates.display_code(certificate.code).lower().replace("0", "o")
    assert certificates.valid_by_code(typed).id == certificate.id
    assert certificate.title == "Tailoring basics" and certificate.initials == "A.W."
    with pytest.raises(RuleError) as refused:
        certificates.revoke(certificate, "", trainer)
    assert refused.value.field == "reason"
    certificates.revoke(certificate, "Issued to the wrong person", trainer)
    assert certificates.valid_by_code(certificate.code) is None
    assert not certificates.pdf_path(certificate).exists()
    assert AuditEvent.select().where(AuditEvent.action == "education.certificate_revoked").count() == 1


def test_verification_is_rate_limited_per_address(conn):
    for _ in range(certificates.VERIFY_LIMIT):
        assert certificates.verify_allowed("10.0.0.7")
    assert not certificates.verify_allowed("10.0.0.7")
    assert certificates.verify_allowed("10.0.0.8")


@pytest.mark.parametrize("language, words", [
    ("sw", ["Cheti cha kukamilisha", "Ushonaji wa msingi"]),
    ("en", ["Certificate of completion", "Tailoring basics"]),
])
def test_the_certificate_pdf_in_the_members_language_under_the_issuer(conn, app, language, words,
                                                                     pdf_text):
    app.config["CERTIFICATE_ISSUER"] = "Tumaini Skills Centre"
    trainer = make_user("trainer")
    klass = make_class(course=make_course(min_attendance_pct=0, units=()), trainer=trainer,
                       first=today() - dt.timedelta(days=1))
    row = enrolment.enrol(klass, make_member(language=language, legal_name="Amina Wanjiru"))
    certificate = progress.confirm_completion(progress.load(row.id), trainer)
    text = pdf_text(certificates.pdf_path(certificate).read_bytes())
    for word in words + ["Tumaini Skills Centre", "Amina Wanjiru",
                         certificates.display_code(certificate.code)]:
        assert word in text
    for never in ("traffick", "usafirishaji", "ulanguzi", "Azadi", "survivor", "walionusurika"):
        assert never.lower() not in text.lower()


def test_the_certificate_prints_where_to_check_it(conn, app, pdf_text):
    """Without KITUO_CERTIFICATE_VERIFY_URL the certificate prints this Pi's
    own /verify address (from KITUO_HOSTNAME, never a request's Host) and
    says it opens on the issuer's network; with it, the public address."""
    app.config.update(HOSTNAME="kituo.local", HTTPS=False, CERTIFICATE_VERIFY_URL="",
                      CERTIFICATE_ISSUER="Tumaini Skills Centre")
    assert certificates.verify_address() == ("http://kituo.local/verify", False)
    trainer = make_user("trainer")
    klass = make_class(course=make_course(min_attendance_pct=0, units=()), trainer=trainer,
                       first=today() - dt.timedelta(days=1))
    row = enrolment.enrol(klass, make_member(language="en"))
    certificate = progress.confirm_completion(progress.load(row.id), trainer)
    text = " ".join(pdf_text(certificates.render(certificate)).split())
    assert "http://kituo.local/verify" in text and "issuer's own network" in text
    assert "ask Tumaini Skills Centre" in text
    app.config["CERTIFICATE_VERIFY_URL"] = "https://skills.example.org/verify"
    assert certificates.verify_address() == ("https://skills.example.org/verify", True)
    text = " ".join(pdf_text(certificates.render(certificate)).split())
    assert "open https://skills.example.org/verify and type the code" in text
    assert "kituo.local" not in text and "network" not in text
