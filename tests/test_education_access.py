"""Who may open what in education: every route is listed here (a new route
without a line fails), roles without education see none of it, a trainer
opening another trainer's class by id gets a 404, a member another
member's things too."""
import datetime as dt

import pytest

from app.education import certificates, employment, enrolment, formal, opportunities, progress, study
from app.education import timetable
from app.education.models import Certificate, CourseUnit, ProgrammeArea
from app.education.support_models import FollowUp
from app.rules import today
from tests.education_factories import make_class, make_course, make_member
from tests.factories import app_db, centre_open_on, make_user

# endpoint -> (method, url template). Ids come from the world below.
ROUTES = {
    "education.home": ("GET", "/education/"),
    "education.classes": ("GET", "/education/classes"),
    "education.new_class": ("GET", "/education/classes/new"),
    "education.show_class": ("GET", "/education/classes/{klass}"),
    "education.edit_class": ("GET", "/education/classes/{klass}/edit"),
    "education.cancel_class": ("GET", "/education/classes/{klass}/cancel"),
    "education.enrol": ("POST", "/education/classes/{klass}/enrol"),
    "education.withdraw": ("POST", "/education/classes/{klass}/withdraw"),
    "education.add_session": ("GET", "/education/classes/{klass}/sessions/new"),
    "education.move_session": ("GET", "/education/sessions/{session}/move"),
    "education.cancel_session": ("GET", "/education/sessions/{session}/cancel"),
    "education.register": ("GET", "/education/sessions/{session}/register"),
    "education.mark": ("POST", "/education/sessions/{session}/register/{enrolment}"),
    "education.everyone_present": ("POST", "/education/sessions/{session}/register/everyone-present"),
    "education.correct": ("GET", "/education/sessions/{old_session}/register/{old_enrolment}/correct"),
    "education.show_enrolment": ("GET", "/education/enrolments/{enrolment}"),
    "education.unit_done": ("POST", "/education/enrolments/{enrolment}/units/{unit}"),
    "education.assessment": ("POST", "/education/enrolments/{enrolment}/assessment"),
    "education.confirm_completion": ("POST", "/education/enrolments/{enrolment}/complete"),
    "education.not_completed": ("POST", "/education/enrolments/{enrolment}/not-completed"),
    "education.certificate_pdf": ("GET", "/education/certificates/{certificate}.pdf"),
    "education.make_certificate": ("POST", "/education/certificates/{certificate}/make"),
    "education.revoke_certificate": ("GET", "/education/certificates/{certificate}/revoke"),
    "education.course_list": ("GET", "/education/courses"),
    "education.new_course": ("GET", "/education/courses/new"),
    "education.show_course": ("GET", "/education/courses/{course}"),
    "education.edit_course": ("GET", "/education/courses/{course}/edit"),
    "education.add_unit": ("POST", "/education/courses/{course}/units"),
    "education.edit_unit": ("GET", "/education/units/{unit}/edit"),
    "education.change_unit": ("POST", "/education/units/{unit}/down"),
    "education.areas": ("GET", "/education/areas"),
    "education.edit_area": ("GET", "/education/areas/{area}/edit"),
    "education.member_record": ("GET", "/education/members/{member}"),
    "education.set_level": ("POST", "/education/members/{member}/level"),
    "education.add_formal": ("POST", "/education/members/{member}/formal"),
    "education.edit_formal": ("GET", "/education/formal/{formal}/edit"),
    "education.add_result": ("POST", "/education/formal/{formal}/results"),
    "education.add_fee": ("POST", "/education/formal/{formal}/fees"),
    "education.add_placement": ("POST", "/education/members/{member}/placements"),
    "education.end_placement": ("POST", "/education/placements/{placement}/end"),
    "education.add_referral": ("POST", "/education/members/{member}/referrals"),
    "education.referral_outcome": ("POST", "/education/referrals/{referral}/outcome"),
    "education.opportunity_list": ("GET", "/education/opportunities"),
    "education.new_opportunity": ("GET", "/education/opportunities/new"),
    "education.show_opportunity": ("GET", "/education/opportunities/{opportunity}"),
    "education.edit_opportunity": ("GET", "/education/opportunities/{opportunity}/edit"),
    "education.start_application": ("POST", "/education/opportunities/{opportunity}/applications"),
    "education.show_application": ("GET", "/education/applications/{application}"),
    "education.follow_ups": ("GET", "/education/follow-ups"),
    "education.answer_follow_up": ("POST", "/education/follow-ups/{follow_up}"),
    "education.reports": ("GET", "/education/reports"),
    "education.report_csv": ("GET", "/education/reports/courses.csv?first=2026-01-01&last=2026-12-31"),
    "education.study_home": ("GET", "/education/study"),
    "education.new_resource": ("GET", "/education/study/new"),
    "education.edit_resource": ("GET", "/education/study/{resource}/edit"),
    "education.door": ("GET", "/education/study/{resource}/door"),
    "education.check_in": ("POST", "/education/study/{resource}/door/{booking}/check-in"),
    "education.walk_in": ("POST", "/education/study/{resource}/door/walk-in"),
    "education.my_learning": ("GET", "/me/learning"),
    "education.join_class": ("POST", "/me/learning/classes/{klass}/join"),
    "education.leave_class": ("POST", "/me/learning/enrolments/{enrolment}/leave"),
    "education.my_certificate": ("GET", "/me/learning/certificates/{certificate}.pdf"),
    "education.make_my_certificate": ("POST", "/me/learning/certificates/{certificate}/make"),
    "education.my_study": ("GET", "/me/study"),
    "education.book_study": ("POST", "/me/study/book"),
    "education.cancel_study": ("POST", "/me/study/bookings/{booking}/cancel"),
    "education.verify_form": ("GET", "/verify"),
    "education.verify": ("GET", "/verify/{code}"),
}
PUBLIC = {"education.verify_form", "education.verify"}
MEMBER_ONLY = {e for e, (_m, url) in ROUTES.items() if url.startswith("/me/")}
# Routes about one class (or its sessions, people, certificates): another trainer gets a 404.
CLASS_SCOPED = {e for e, (_m, url) in ROUTES.items()
                if any(k in url for k in ("{klass}", "{session}", "{enrolment}", "{certificate}",
                                          "{old_session}"))} - MEMBER_ONLY


def _world(app):
    """Trainer A's classes with member A in them (with a login), and one of
    everything else."""
    with app_db(app):
        centre_open_on(today() + dt.timedelta(days=1))    # a free study hour tomorrow
        trainer = make_user("trainer")
        member_user = make_user("member")
        member = make_member(user=member_user, language="en")
        course = make_course(min_attendance_pct=0)
        klass = make_class(course=course, trainer=trainer, first=today() - dt.timedelta(days=1),
                           weekdays=range(7))
        row = enrolment.enrol(klass, member)
        session = timetable.sessions_of(klass.id)[1]
        old = make_class(course=course, trainer=trainer, first=today() - dt.timedelta(days=30),
                         weeks=1, weekdays=(0,))
        from app.education.models import Enrolment
        old_row = Enrolment.create(klass=old, member=make_member(), status="enrolled")
        done = Enrolment.create(klass=old, member=member, status="enrolled")
        certificate = progress.confirm_completion(progress.load(done.id), trainer) \
            if progress.evaluate(done).meets_rules else None
        for unit in CourseUnit.select().where(CourseUnit.course == course):
            progress.set_unit_done(progress.load(done.id), unit.id, True, "", trainer)
        certificate = certificate or progress.confirm_completion(progress.load(done.id), trainer)
        resource = study.save_resource(None, "Study room", "Chumba", "seats", 4, 60,
                                       {d: (dt.time(0), dt.time(23, 59)) for d in range(7)})
        tomorrow = today() + dt.timedelta(days=1)
        booking = study.book(resource, member, study.day_slots(resource, tomorrow)[3].starts_at)
        formal_row = formal.save_formal(member, None, "Mathare Secondary", "", "secondary", 1,
                                        None, None)
        opportunity = opportunities.save_opportunity(None, opportunities.OpportunityInput(
            "Bursary", "County", "bursary", 100000, today() + dt.timedelta(days=5)))
        application = opportunities.start_application(opportunity, member)
        placement = employment.record_placement(member, employment.PlacementInput(
            "formal", "Hotel", "Cook", today() - dt.timedelta(days=200)))
        referral = employment.record_referral(member, "employer", "Hotel", today())
        ids = dict(klass=klass.id, session=session.id, enrolment=row.id, old_session=timetable
                   .sessions_of(old.id)[0].id, old_enrolment=old_row.id,
                   certificate=certificate.id, course=course.id,
                   unit=CourseUnit.select().where(CourseUnit.course == course).first().id,
                   area=ProgrammeArea.select().first().id, member=member.id, formal=formal_row.id,
                   placement=placement.id, referral=referral.id, opportunity=opportunity.id,
                   application=application.id, follow_up=FollowUp.select().first().id,
                   resource=resource.id, booking=booking.id, code=certificate.code)
    return trainer, member_user, ids


def _call(client, endpoint, ids):
    method, template = ROUTES[endpoint]
    url = template.format(**ids)
    return client.post(url, data={}) if method == "POST" else client.get(url)


def test_every_education_route_is_listed_here(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("education.")}
    assert endpoints == set(ROUTES)


@pytest.mark.parametrize("role", ["counsellor", "finance", "safeguarding_lead"])
def test_roles_without_education_see_none_of_it(app, client, login_as, role):
    _trainer, _member, ids = _world(app)
    login_as(role)
    for endpoint in set(ROUTES) - PUBLIC:
        assert _call(client, endpoint, ids).status_code == 403, endpoint


def test_staff_do_not_open_member_pages_and_members_not_staff_pages(app, client, login_as,
                                                                   sign_in):
    _trainer, member_user, ids = _world(app)
    login_as("coordinator")
    for endpoint in MEMBER_ONLY:
        assert _call(client, endpoint, ids).status_code == 403, endpoint
    client.post("/logout")
    sign_in(member_user)
    for endpoint in set(ROUTES) - MEMBER_ONLY - PUBLIC:
        assert _call(client, endpoint, ids).status_code == 403, endpoint


def test_another_trainer_gets_not_found_for_every_class_url(app, client, login_as):
    _trainer, _member, ids = _world(app)
    login_as("trainer")
    for endpoint in CLASS_SCOPED:
        status = _call(client, endpoint, ids).status_code
        assert status in (403, 404), (endpoint, status)
        if endpoint.startswith(("education.show_", "education.register", "education.mark",
                                "education.certificate_pdf", "education.unit_done",
                                "education.confirm_completion")):
            assert status == 404, endpoint


def test_the_classes_trainer_opens_them(app, client, sign_in):
    trainer, _member, ids = _world(app)
    sign_in(trainer)
    for endpoint in ("education.show_class", "education.register", "education.show_enrolment",
                     "education.certificate_pdf"):
        assert _call(client, endpoint, ids).status_code in (200, 303), endpoint


def test_another_member_gets_not_found_for_a_members_things(app, client, sign_in):
    _trainer, _member, ids = _world(app)
    with app_db(app):
        other = make_user("member")
        make_member(user=other)
    sign_in(other)
    for endpoint in ("education.leave_class", "education.my_certificate",
                     "education.make_my_certificate", "education.cancel_study"):
        assert _call(client, endpoint, ids).status_code == 404, endpoint


def test_the_member_downloads_their_own_certificate(app, client, sign_in):
    _trainer, member_user, ids = _world(app)
    sign_in(member_user)
    response = client.get(f"/me/learning/certificates/{ids['certificate']}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    with app_db(app):
        certificates.revoke(Certificate.get_by_id(ids["certificate"]), "Mistake")
    assert client.get(f"/me/learning/certificates/{ids['certificate']}.pdf").status_code == 404


def test_a_mentor_sees_mentees_progress_without_assessment_notes(app, client, sign_in):
    from tests.mentorship_factories import make_pairing
    _trainer, _member, ids = _world(app)
    with app_db(app):
        from app.education.models import Enrolment
        from app.members.models import Member
        Enrolment.update(assessment_note="Struggles with reading").execute()
        mentor = make_user("mentor")
        make_pairing(member=Member.get_by_id(ids["member"]), mentor=mentor)
    sign_in(mentor)
    response = client.get(f"/members/{ids['member']}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Tailoring basics" in text and "Struggles" not in text
    assert _call(client, "education.show_enrolment", ids).status_code == 403


def test_a_trainer_sees_on_the_member_page_only_the_courses_they_teach(app, client, sign_in):
    trainer, _member, ids = _world(app)
    with app_db(app):
        other_trainer = make_user("trainer")
        from app.members.models import Member
        member = Member.get_by_id(ids["member"])
        hall = make_class(course=make_course(title="Bookkeeping", title_sw="Hesabu"),
                          trainer=other_trainer, first=today() + dt.timedelta(days=3),
                          place="Hall", starts=dt.time(16), ends=dt.time(17))
        enrolment.enrol(hall, member)
    sign_in(other_trainer)
    section = client.get(f"/members/{ids['member']}").get_data(as_text=True)
    assert "Bookkeeping" in section and "Tailoring basics" not in section
    client.post("/logout")
    sign_in(trainer)
    section = client.get(f"/members/{ids['member']}").get_data(as_text=True)
    assert "Tailoring basics" in section and "Bookkeeping" not in section


def test_class_lists_show_a_trainer_only_their_classes_and_split_past_from_current(conn):
    """scope's class lists (the home, the classes list, a course page)
    keep to what the user may see, without HTTP."""
    from app.education import scope
    from app.education.models import TrainingClass
    from tests.factories import shift_time
    course = make_course()
    mine, theirs = make_user("trainer"), make_user("trainer")
    coordinator = make_user("coordinator")
    current = make_class(course=course, trainer=mine)
    finished = make_class(course=course, trainer=mine, starts=dt.time(14), ends=dt.time(16),
                          place="Room B")
    other = make_class(course=course, trainer=theirs, place="Room C")
    for field in ("start_date", "end_date"):        # ended 20 days ago
        shift_time(TrainingClass, field, dt.timedelta(days=-20) - (finished.end_date - today()),
                   TrainingClass.id == finished.id)

    def ids(rows):
        return [row.id for row in rows]
    assert ids(scope.class_list(mine, past=False, page=1, per_page=30)) == [current.id]
    assert ids(scope.class_list(mine, past=True, page=1, per_page=30)) == [finished.id]
    assert set(ids(scope.class_list(coordinator, past=False, page=1, per_page=30))) == {
        current.id, other.id}
    assert len(scope.class_list(coordinator, past=False, page=1, per_page=1)) == 2  # one more
    assert ids(scope.classes_under_way(mine, 30)) == [current.id]   # ended over 14 days ago
    assert set(ids(scope.classes_of_course(mine, course.id, 20))) == {current.id, finished.id}
    assert ids(scope.classes_of_course(make_user("counsellor"), course.id, 20)) == []
