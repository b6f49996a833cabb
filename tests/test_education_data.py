"""Follow-ups that catch up after the Pi was off, the member's data export
and anonymisation, the aggregate CSV files, the dashboard panels."""
import csv
import datetime as dt
import io

from app.education import employment, enrolment, figures, formal, opportunities, progress, study
from app.education.models import Certificate, Enrolment
from app.education.support_models import FollowUp, Placement, Referral
from app.members import services as members
from app.members.models import Member
from app.rules import RuleError, today
from tests.education_factories import make_class, make_course, make_member, next_weekday
from tests.factories import app_db, centre_open_on, make_user

import pytest


def test_follow_ups_are_due_at_3_6_and_12_months(conn):
    member = make_member()
    placement = employment.record_placement(member, employment.PlacementInput(
        "formal", "Lakeview Hotel", "Cook", dt.date(2026, 1, 31)))
    due = {f.months: f.due_on for f in FollowUp.select().where(FollowUp.placement == placement)}
    assert due == {3: dt.date(2026, 4, 30), 6: dt.date(2026, 7, 31), 12: dt.date(2027, 1, 31)}


def test_follow_ups_missed_while_the_pi_was_off_all_show_when_it_is_back(conn):
    """Nothing has to run at the right time: a placement that started seven
    months ago, recorded (or seen) only now, has both its 3- and 6-month
    follow-ups due; its 12-month one is not yet."""
    member = make_member()
    start = today() - dt.timedelta(days=215)
    employment.record_placement(member, employment.PlacementInput("informal", "Market", "",
                                                                   start))
    rows = list(employment.due_follow_ups())
    assert sorted(f.months for f in rows) == [3, 6] and employment.due_count() == 2
    with pytest.raises(RuleError):
        employment.answer_follow_up(FollowUp.get(FollowUp.months == 12), True)
    employment.answer_follow_up(rows[0], False, "Moved to Mombasa")
    placement = Placement.get()
    assert placement.ended_on == rows[0].due_on
    assert employment.due_count() == 0          # the 6-month one closed with the work
    assert FollowUp.get(FollowUp.months == 12).closed


def test_placement_refusals_name_the_field(conn):
    member = make_member()
    for data, field in (
            (employment.PlacementInput("boss", "X", "", today()), "kind"),
            (employment.PlacementInput("formal", "", "", today()), "employer"),
            (employment.PlacementInput("formal", "X", "", None), "start_date"),
            (employment.PlacementInput("formal", "X", "", dt.date(1990, 1, 1)), "start_date")):
        with pytest.raises(RuleError) as refused:
            employment.record_placement(member, data)
        assert refused.value.field == field
    employment.record_placement(member, employment.PlacementInput("self_employed", "", "Tailor",
                                                                   today()))


def test_self_employed_work_names_one_of_the_members_own_businesses(conn):
    from app.loans.models import Business
    member, other = make_member(), make_member()
    own = Business.create(member=member.id, name="Mama Rehema Tailoring", status="running")
    theirs = Business.create(member=other.id, name="Other Kiosk", status="running")
    assert [b.id for b in employment.businesses_to_choose(member)] == [own.id]
    for data, field in (
            (employment.PlacementInput("self_employed", "", "", today(), business_id=theirs.id),
             "business"),
            (employment.PlacementInput("formal", "Hotel", "", today(), business_id=own.id),
             "business")):
        with pytest.raises(RuleError) as refused:
            employment.record_placement(member, data)
        assert refused.value.field == field
    assert Placement.select().count() == 0
    placement = employment.record_placement(member, employment.PlacementInput(
        "self_employed", "", "Tailor", today(), business_id=own.id))
    assert Placement.get_by_id(placement.id).business_id == own.id
    assert employment.business_names([placement]) == {placement.id: "Mama Rehema Tailoring"}


def _learner_with_everything(trainer):
    centre_open_on(today() + dt.timedelta(days=1))     # a free study hour tomorrow
    member = make_member(preferred_name="Zawadi", legal_name="Zawadi Wairimu", language="en")
    klass = make_class(course=make_course(min_attendance_pct=0, units=()), trainer=trainer,
                       first=today() - dt.timedelta(days=1))
    row = enrolment.enrol(klass, member)
    Enrolment.update(assessment_note="Needs help reading").where(Enrolment.id == row.id).execute()
    progress.confirm_completion(progress.load(row.id), trainer)
    later = make_class(first=next_weekday(0), trainer=trainer, place="Hall", starts=dt.time(14),
                       ends=dt.time(16))
    enrolment.enrol(later, member)
    f = formal.save_formal(member, None, "Mathare Secondary", "Form 2", "secondary", 2, None, None)
    formal.add_result(f, "Term 1", "Good term", "kcse", "B")
    formal.add_fee(f, "Term 1", 1500000, 750000, None, "Paid by bank")
    opportunity = opportunities.save_opportunity(None, opportunities.OpportunityInput(
        "Bursary", "County", "bursary", 100000, None))
    opportunities.start_application(opportunity, member)
    employment.record_placement(member, employment.PlacementInput("formal", "Lakeview Hotel",
                                                                   "Cook", today()))
    employment.record_referral(member, "employer", "City Catering", today(), "Interview")
    resource = study.save_resource(None, "Study room", "Chumba", "seats", 2, 60,
                                   {d: (dt.time(0), dt.time(23, 59)) for d in range(7)})
    study.book(resource, member, study.day_slots(resource, today() + dt.timedelta(days=1))[2]
               .starts_at)
    return Member.get_by_id(member.id), later


def test_the_members_export_holds_their_education(conn):
    member, _later = _learner_with_everything(make_user("trainer"))
    data = members.export_data(member)
    learning, support = data["learning"], data["education_support"]
    assert {r.get("course") for r in learning} >= {"Tailoring basics"}
    assert any(r.get("certificate") == "Tailoring basics" for r in learning)
    assert any(r.get("institution") == "Mathare Secondary" for r in support)
    assert any(r.get("opportunity") == "Bursary" for r in support)
    assert any(r.get("work") == "Lakeview Hotel" for r in support)
    assert any(r.get("study_space") for r in support)
    assert "Needs help reading" not in repr(data)        # trainers' notes stay with them


def test_anonymising_keeps_pseudonymous_records_and_removes_the_rest(conn):
    trainer = make_user("trainer")
    member, later = _learner_with_everything(trainer)
    waiting = make_member()
    Enrolment.update(status="enrolled").where(Enrolment.klass == later).execute()
    from app.education.models import TrainingClass
    TrainingClass.update(capacity=1).where(TrainingClass.id == later.id).execute()
    waiting_row = enrolment.enrol(TrainingClass.get_by_id(later.id), waiting)
    assert waiting_row.status == "waitlisted"
    members.anonymise(member, member.code, make_user("admin"))
    completed = Enrolment.get((Enrolment.member == member) & (Enrolment.status == "completed"))
    assert completed.assessment_note == ""
    assert Certificate.get().initials == "" and Certificate.get().revoked_at is None
    assert Referral.get().to_name == "—" and Placement.get().employer == ""
    assert Placement.get().kind == "formal"                # statistics stay
    assert Enrolment.get(Enrolment.id == waiting_row.id).status == "enrolled"   # their place moved on
    assert not study.member_bookings(member)


def test_the_csv_files_hold_counts_only_and_hide_small_numbers(conn):
    trainer = make_user("trainer")
    course = make_course(min_attendance_pct=0, units=())
    klass = make_class(course=course, trainer=trainer, first=today() - dt.timedelta(days=1),
                       capacity=20)
    people = [make_member(preferred_name=f"Person{i}") for i in range(7)]
    rows = [enrolment.enrol(klass, p) for p in people]
    for row in rows[:6]:
        progress.confirm_completion(progress.load(row.id), trainer)
    text = figures.courses_csv(today() - dt.timedelta(days=30), today())
    table = list(csv.DictReader(io.StringIO(text)))
    assert table == [{"programme_area": "Skills for employment", "course": "Tailoring basics",
                      "classes": "1", "enrolled": "7", "completed": "6",
                      "did_not_complete": "0", "attendance_rate": ""}]
    assert "Person" not in text and "AZ-" not in text
    outcomes = figures.outcomes_csv(today() - dt.timedelta(days=30), today())
    assert "AZ-" not in outcomes


def test_panels(conn):
    trainer = make_user("trainer")
    klass = make_class(trainer=trainer, first=today() - dt.timedelta(days=3), weeks=1,
                       weekdays=range(7))
    enrolment.enrol(klass, make_member())
    today_panel = figures.trainer_today(trainer)
    assert len(today_panel["today"]) == 1 and len(today_panel["missing"]) == 3
    assert figures.coordinator_panel(make_user("coordinator"))["running"] == 1
    opportunities.save_opportunity(None, opportunities.OpportunityInput(
        "Soon", "County", "bursary", None, today() + dt.timedelta(days=10)))
    opportunities.save_opportunity(None, opportunities.OpportunityInput(
        "Later", "County", "bursary", None, today() + dt.timedelta(days=40)))
    assert [o.title for o in figures.deadlines_panel(None)["rows"]] == ["Soon"]


def test_the_dashboard_shows_the_education_panels(app, client, login_as):
    login_as("coordinator")
    with app_db(app):
        opportunities.save_opportunity(None, opportunities.OpportunityInput(
            "Technical college scholarship", "Fund", "scholarship", None,
            today() + dt.timedelta(days=3)))
    text = client.get("/").get_data(as_text=True)
    assert "Technical college scholarship" in text


def test_the_members_export_pdf_shows_their_education_in_their_language(conn, pdf_text):
    from app.pdf import render_pdf
    member, _later = _learner_with_everything(make_user("trainer"))
    Member.update(language="sw").where(Member.id == member.id).execute()
    member = Member.get_by_id(member.id)
    pdf = render_pdf("members/pdf/export.html", locale="sw", member=member,
                     data=members.export_data(member))
    text = pdf_text(pdf)
    assert "Kozi na vyeti" in text and "Mathare Secondary" in text
    assert "Masomo, maombi, kazi na eneo la kujisomea" in text
