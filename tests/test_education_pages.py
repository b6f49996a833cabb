"""The coordinators' and members' other pages end to end: courses and
units, opportunities and applications, follow-ups, the study space (door
and member bookings), CSV downloads, a certificate made again."""
import datetime as dt

from app.audit import AuditEvent
from app.education import certificates, employment, enrolment, progress, study
from app.education.models import Certificate, Course, CourseUnit, ProgrammeArea
from app.education.support_models import Application, FollowUp, Opportunity, StudyBooking
from app.rules import today
from tests.education_factories import make_class, make_course, make_member
from tests.factories import PASSWORD, app_db, centre_open_on, make_user


def test_a_course_with_units_and_rules(app, client, login_as, html):
    login_as("trainer")
    with app_db(app):
        area = ProgrammeArea.get(ProgrammeArea.key == "entrepreneurship")
    data = {"title_en": "Keeping records", "title_sw": "Kuweka kumbukumbu", "area": area.id,
            "language": "sw", "capacity": "15", "min_attendance_pct": "80",
            "assessment": "score", "pass_mark": "", "active": "y"}
    refused = client.post("/education/courses/new", data=data)
    assert refused.status_code == 422 and html(refused).select_one("#pass_mark-error")
    data["pass_mark"] = "60"
    response = client.post("/education/courses/new", data=data)
    assert response.status_code == 303
    course_url = response.headers["Location"]
    for en, sw in (("Sales book", "Daftari la mauzo"), ("Stock", "Bidhaa")):
        assert client.post(course_url + "/units", data={"title_en": en, "title_sw": sw,
                                                        "required_unit": "y"}).status_code == 303
    with app_db(app):
        course = Course.get(Course.title_en == "Keeping records")
        units = list(CourseUnit.select().where(CourseUnit.course == course)
                     .order_by(CourseUnit.position))
    assert client.post(f"/education/units/{units[1].id}/up").status_code == 303
    with app_db(app):
        assert [u.title_en for u in CourseUnit.select().where(CourseUnit.course == course)
                .order_by(CourseUnit.position)] == ["Stock", "Sales book"]
    text = html(client.get(course_url)).get_text()
    assert "80% of the sessions marked" in text and "pass mark 60" in text


def test_an_opportunity_and_an_application_through_its_statuses(app, client, login_as, html):
    login_as("coordinator")
    with app_db(app):
        member = make_member()
    response = client.post("/education/opportunities/new", data={
        "title": "County bursary", "provider": "Nairobi County", "kind": "bursary",
        "amount": "25,000", "deadline": (today() + dt.timedelta(days=5)).isoformat(),
        "documents": ["id_copy", "kcse_certificate"], "active": "y"})
    assert response.status_code == 422 and "no commas" in html(response).select_one(
        "#amount-error").get_text()
    response = client.post("/education/opportunities/new", data={
        "title": "County bursary", "provider": "Nairobi County", "kind": "bursary",
        "amount": "25000", "deadline": (today() + dt.timedelta(days=5)).isoformat(),
        "documents": ["id_copy", "kcse_certificate"], "active": "y"})
    assert response.status_code == 303
    url = response.headers["Location"]
    started = client.post(url + "/applications", data={"member_code": member.code.lower()})
    assert started.status_code == 303
    application_url = started.headers["Location"]
    jump = client.post(application_url, data={"status": "awarded", "documents": ["id_copy"]})
    assert jump.status_code == 422 and html(jump).select_one("#status-error")
    for status in ("preparing", "applied"):
        assert client.post(application_url, data={"status": status,
                                                  "documents": ["id_copy"]}).status_code == 303
    no_amount = client.post(application_url, data={"status": "awarded"})
    assert no_amount.status_code == 422 and html(no_amount).select_one("#awarded-error")
    assert client.post(application_url, data={"status": "awarded", "awarded": "25000",
                                              "documents": ["id_copy", "kcse_certificate"]}
                       ).status_code == 303
    with app_db(app):
        application = Application.get()
        assert (application.status, application.awarded_cents) == ("awarded", 2500000)
        assert Opportunity.get().amount_cents == 2500000
    dashboard = html(client.get("/")).get_text()
    assert "County bursary" in dashboard          # deadline within 14 days


def test_a_follow_up_answered_from_the_list(app, client, login_as, html):
    login_as("coordinator")
    with app_db(app):
        employment.record_placement(make_member(preferred_name="Rehema"), employment.PlacementInput(
            "formal", "Lakeview Hotel", "Cook", today() - dt.timedelta(days=100)))
        due = FollowUp.get(FollowUp.months == 3)
    listing = html(client.get("/education/follow-ups"))
    assert "Rehema" in listing.get_text() and listing.select_one(f"#follow-up-{due.id}")
    refused = client.post(f"/education/follow-ups/{due.id}", data={})
    assert refused.status_code == 422
    assert html(refused).select_one(f"#follow{due.id}-still_working-error")
    wrong = client.post(f"/education/follow-ups/{due.id}",
                        data={f"follow{due.id}-still_working": "maybe"})
    assert wrong.status_code == 422
    assert "choose from the list" in html(wrong).select_one(
        f"#follow{due.id}-still_working-error").get_text()
    assert client.post(f"/education/follow-ups/{due.id}",
                       data={f"follow{due.id}-still_working": "1"}).status_code == 303
    with app_db(app):
        assert FollowUp.get_by_id(due.id).still_working is True


def _room(app):
    """Open all day, every day; today and tomorrow are working days."""
    with app_db(app):
        centre_open_on(today(), today() + dt.timedelta(days=1))
        return study.save_resource(None, "Study room", "Chumba cha kusomea", "seats", 2, 60,
                                   {d: (dt.time(0), dt.time(23, 59)) for d in range(7)})


def test_a_member_books_and_cancels_a_seat(app, client, html):
    room = _room(app)
    with app_db(app):
        user = make_user("member")
        make_member(user=user)
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    slots = html(client.get(f"/me/study?place={room.id}&day={tomorrow}"))
    form = slots.select(".slots form")[3]
    starts_at = form.select_one('input[name="starts_at"]')["value"]
    assert client.post("/me/study/book", data={"resource": room.id,
                                               "starts_at": starts_at}).status_code == 303
    again = client.post("/me/study/book", data={"resource": room.id, "starts_at": starts_at})
    assert again.status_code == 422 and "Already booked" in html(again).get_text()
    bad = client.post("/me/study/book", data={"resource": "99999999999999999999999",
                                              "starts_at": "tomorrow"})
    assert bad.status_code == 422
    home = html(client.get("/me")).select_one("#my-study").get_text()
    assert "Study room" in home or "Chumba cha kusomea" in home
    with app_db(app):
        booking = StudyBooking.get()
    assert client.post(f"/me/study/bookings/{booking.id}/cancel").status_code == 303
    with app_db(app):
        assert StudyBooking.get().cancelled_at is not None


def test_the_door_checks_in_and_takes_walk_ins(app, client, login_as, html):
    room = _room(app)
    with app_db(app):
        booked = make_member(preferred_name="Neema")
        now_slot = study.current_slot(room)
        later = study.day_slots(room, today() + dt.timedelta(days=1))[0].starts_at
        booking = study.book(room, booked, later)
        walker = make_member(preferred_name="Zuri")
    login_as("trainer")
    response = client.post(f"/education/study/{room.id}/door/walk-in",
                           data={"member_code": walker.code})
    assert response.status_code == 303
    door = html(client.get(f"/education/study/{room.id}/door")).get_text()
    assert "Zuri" in door and now_slot is not None
    refused = client.post(f"/education/study/{room.id}/door/{booking.id}/check-in")
    assert refused.status_code == 422                       # tomorrow's booking
    assert client.post(f"/education/study/{room.id}/door/walk-in",
                       data={"member_code": "AZ-0000"}).status_code == 422


def test_csv_downloads_are_audited_and_hold_no_member(app, client, login_as):
    login_as("coordinator")
    with app_db(app):
        trainer = make_user("trainer")
        klass = make_class(course=make_course(min_attendance_pct=0, units=()), trainer=trainer,
                           first=today() - dt.timedelta(days=1))
        for i in range(3):
            row = enrolment.enrol(klass, make_member(preferred_name=f"Person{i}"))
            progress.confirm_completion(progress.load(row.id), trainer)
    first, last = (today() - dt.timedelta(days=10)).isoformat(), today().isoformat()
    response = client.get(f"/education/reports/courses.csv?first={first}&last={last}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert "Tailoring basics" in body and ",<5," in body and "Person" not in body
    assert client.get(f"/education/reports/outcomes.csv?first={last}&last={first}"
                      ).status_code == 422
    with app_db(app):
        assert AuditEvent.select().where(AuditEvent.action == "education.report_exported").count() == 1


def test_a_missing_certificate_pdf_is_made_again_for_the_member(app, client, html):
    with app_db(app):
        trainer = make_user("trainer")
        user = make_user("member")
        member = make_member(user=user)
        klass = make_class(course=make_course(min_attendance_pct=0, units=()), trainer=trainer,
                           first=today() - dt.timedelta(days=1))
        row = enrolment.enrol(klass, member)
        certificate = progress.confirm_completion(progress.load(row.id), trainer)
        certificates.pdf_path(certificate).unlink()            # e.g. after a restore
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    url = f"/me/learning/certificates/{certificate.id}.pdf"
    prepare = html(client.get(url))
    action = prepare.select_one("form")["action"]
    job = client.post(action)
    assert job.status_code == 303 and job.headers["Location"].startswith("/jobs/")
    assert client.get(url).data.startswith(b"%PDF")
    with app_db(app):
        assert Certificate.get().pdf_ready_at is not None


def test_a_referral_outcome_not_in_the_list_is_refused_in_swahili(app, client, login_as, html):
    login_as("coordinator", language="sw")
    with app_db(app):
        member = make_member(preferred_name="Rehema")
        referral = employment.record_referral(member, "business", "Duka la Mama", today(), "")
    wrong = client.post(f"/education/referrals/{referral.id}/outcome",
                        data={f"outcome{referral.id}-outcome": "vanished"})
    assert wrong.status_code == 422
    error = html(wrong).select_one(f"#outcome{referral.id}-outcome-error").get_text(strip=True)
    assert error.endswith(": chagua kutoka kwenye orodha.")
    assert client.post(f"/education/referrals/{referral.id}/outcome",
                       data={f"outcome{referral.id}-outcome": "taken_up"}).status_code == 303
    page = html(client.get(f"/education/members/{member.id}"))
    chosen = page.select_one(f"select#outcome{referral.id}-outcome option[selected]")
    assert chosen["value"] == "taken_up"
    assert page.select_one(f'label[for="outcome{referral.id}-outcome"]')


def test_the_list_filters_are_labelled_fields_and_fall_back_on_a_wrong_value(
        app, client, login_as, html):
    login_as("coordinator")
    with app_db(app):
        area = ProgrammeArea.get(ProgrammeArea.key == "entrepreneurship")
    page = html(client.get(f"/education/courses?area={area.id}"))
    assert page.select_one('label[for="area"]')
    assert page.select_one("select#area option[selected]")["value"] == str(area.id)
    assert client.get("/education/courses?area=abc").status_code == 200
    page = html(client.get("/education/opportunities?kind=job&closed=1"))
    assert page.select_one("select#kind option[selected]")["value"] == "job"
    assert page.select_one("input#closed[type=checkbox]").has_attr("checked")
    fallback = client.get("/education/opportunities?kind=lottery")
    assert fallback.status_code == 200
    assert html(fallback).select_one("select#kind option[selected]")["value"] == ""
