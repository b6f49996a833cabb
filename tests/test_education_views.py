"""Education pages through the test client: the register taps (htmx and
plain), refusals with 422 naming the field, /me, verification."""
import datetime as dt
import re

from app.education import enrolment, progress, timetable
from app.education.models import Attendance, Certificate, ClassSession, Enrolment, TrainingClass
from app.clock import to_local
from app.rules import today
from tests.education_factories import make_class, make_course, make_member, next_weekday
from tests.factories import PASSWORD, app_db, make_user, sql_statements

HX = {"HX-Request": "true"}


def _todays_register(app, trainer, people=("Amani", "Baraka")):
    with app_db(app):
        klass = make_class(trainer=trainer, first=today() - dt.timedelta(days=3), weeks=1,
                           weekdays=range(7))
        rows = [enrolment.enrol(klass, make_member(preferred_name=n)) for n in people]
        session = next(s for s in timetable.sessions_of(klass.id)
                       if to_local(s.starts_at).date() == today())
    return klass, session, rows


def test_a_tap_saves_and_returns_the_row_in_its_saved_state(app, client, login_as, html):
    trainer = login_as("trainer")
    _klass, session, rows = _todays_register(app, trainer)
    url = f"/education/sessions/{session.id}/register/{rows[0].id}"
    response = client.post(url, data={"status": "late"}, headers=HX)
    assert response.status_code == 200
    row = html(response).select_one(f"#row-{rows[0].id}")
    assert row["data-state"] == "saved"
    assert row.select_one('button[value="late"]')["aria-pressed"] == "true"
    assert html(response).select_one("#register-count")["hx-swap-oob"] == "true"
    with app_db(app):
        assert Attendance.get().status == "late"
    plain = client.post(url, data={"status": "present"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith(f"#row-{rows[0].id}")


def test_everyone_present_then_one_exception(app, client, login_as, html):
    trainer = login_as("trainer")
    _klass, session, rows = _todays_register(app, trainer, ("Amani", "Baraka", "Chiku"))
    response = client.post(f"/education/sessions/{session.id}/register/everyone-present",
                           headers=HX)
    assert response.status_code == 200
    assert "3 of 3 marked" in html(response).select_one("#register-count").get_text()
    client.post(f"/education/sessions/{session.id}/register/{rows[1].id}",
                data={"status": "absent"}, headers=HX)
    with app_db(app):
        marks = {a.enrolment_id: a.status for a in Attendance.select()}
    assert marks == {rows[0].id: "present", rows[1].id: "absent", rows[2].id: "present"}


def test_a_refused_tap_is_a_422_row_with_its_message(app, client, login_as, html):
    trainer = login_as("trainer")
    _klass, session, rows = _todays_register(app, trainer)
    response = client.post(f"/education/sessions/{session.id}/register/{rows[0].id}",
                           data={"status": "asleep"}, headers=HX)
    assert response.status_code == 422
    assert html(response).select_one(".row-state .field-error")
    with app_db(app):
        assert Attendance.select().count() == 0


def test_the_register_shows_preferred_names_and_codes_only(app, client, login_as, html):
    trainer = login_as("trainer")
    _klass, session, rows = _todays_register(app, trainer)
    text = html(client.get(f"/education/sessions/{session.id}/register")).get_text()
    assert "Amani" in text and "Kamau" not in text       # legal name: Wanjiku Kamau


def test_another_trainers_register_is_not_found(app, client, login_as):
    with app_db(app):
        owner = make_user("trainer")
    _klass, session, rows = _todays_register(app, owner)
    login_as("trainer")
    assert client.get(f"/education/sessions/{session.id}/register").status_code == 404
    response = client.post(f"/education/sessions/{session.id}/register/{rows[0].id}",
                           data={"status": "present"}, headers=HX)
    assert response.status_code == 404
    with app_db(app):
        assert Attendance.select().count() == 0


def test_a_locked_register_offers_a_correction_with_a_reason(app, client, login_as, html):
    trainer = login_as("trainer")
    with app_db(app):
        klass = make_class(trainer=trainer, first=today() - dt.timedelta(days=20), weeks=1,
                           weekdays=(today().weekday(),))
        row = Enrolment.create(klass=klass, member=make_member(), status="enrolled")
        session = timetable.sessions_of(klass.id)[0]
    register = html(client.get(f"/education/sessions/{session.id}/register"))
    assert not register.select("form.marks")
    link = register.select_one(f"#row-{row.id} a")["href"]
    assert client.post(link, data={"status": "present", "reason": ""}).status_code == 422
    response = client.post(link, data={"status": "present", "reason": "From the paper list"})
    assert response.status_code == 303
    with app_db(app):
        assert Attendance.get().status == "present"


def _class_form(course_id, trainer_id, **changes):
    data = {"course": course_id, "trainers": [trainer_id], "place": "Room A",
            "start_date": "2027-02-01", "end_date": "2027-03-28", "weekdays": ["1", "3"],
            "starts_time": "10:00", "ends_time": "12:00", "capacity": "12", "language": "sw",
            "open_to_requests": "y"}
    data.update(changes)
    return data


def test_planning_a_class_and_its_refusals_name_the_field(app, client, login_as, html):
    login_as("coordinator")
    with app_db(app):
        trainer = make_user("trainer", username="fatuma")
        course = make_course()
    cases = [({"end_date": "2027-01-01"}, "end_date", "before the start"),
             ({"weekdays": ["4"], "start_date": "2026-12-21", "end_date": "2026-12-24"},
              "weekdays", "no sessions"),
             ({"start_date": "1999-02-01"}, "start_date", "between"),
             ({"ends_time": "09:00"}, "ends_time", "before the start"),
             ({"capacity": "0"}, "capacity", "")]
    for change, field, words in cases:
        response = client.post("/education/classes/new",
                               data=_class_form(course.id, trainer.id, **change))
        assert response.status_code == 422, change
        error = html(response).select_one(f"#{field}-error")
        assert error is not None and words in error.get_text(), (change, error)
    response = client.post("/education/classes/new", data=_class_form(course.id, trainer.id))
    assert response.status_code == 303
    clash = client.post("/education/classes/new",
                        data=_class_form(course.id, trainer.id, place="Room B"))
    assert clash.status_code == 422
    assert "Fatuma already teaches Tailoring basics on" in html(clash).select_one(
        "#weekdays-error").get_text()
    with app_db(app):
        assert TrainingClass.select().count() == 1
        assert ClassSession.select().count() == 16


def test_places_below_the_people_enrolled_is_a_422_on_capacity(app, client, login_as, html):
    login_as("coordinator")
    with app_db(app):
        klass = make_class(first=next_weekday(0), capacity=3)
        for _ in range(3):
            enrolment.enrol(klass, make_member())
        trainers = timetable.trainer_ids_of(klass.id)
    response = client.post(f"/education/classes/{klass.id}/edit", data={
        "label": "", "trainers": trainers, "place": "Room A", "capacity": "2"})
    assert response.status_code == 422
    assert "fewer than the people" in html(response).select_one("#capacity-error").get_text()


def test_enrolling_someone_not_active_is_a_422_on_the_code(app, client, login_as, html):
    login_as("coordinator")
    with app_db(app):
        klass = make_class(first=next_weekday(0))
        waiting = make_member(status="inducting")
    response = client.post(f"/education/classes/{klass.id}/enrol",
                           data={"member_code": waiting.code})
    assert response.status_code == 422
    assert "Only active members" in html(response).select_one("#member_code-error").get_text()
    response = client.post(f"/education/classes/{klass.id}/enrol", data={"member_code": "ZZ-1"})
    assert response.status_code == 422
    with app_db(app):
        assert Enrolment.select().count() == 0


def test_a_grade_outside_its_scale_is_a_422_on_the_grade(app, client, login_as, html):
    login_as("coordinator")
    with app_db(app):
        member = make_member()
        from app.education import formal
        row = formal.save_formal(member, None, "Mathare Secondary", "Form 3", "secondary", 3,
                                 None, None)
    url = f"/education/formal/{row.id}/results"
    prefix = f"result{row.id}-"
    for scale, grade in (("kcse", "F"), ("percent", "120"), ("gpa", "4.5")):
        response = client.post(url, data={prefix + "term": "Term 1", prefix + "grade_scale": scale,
                                          prefix + "grade": grade})
        assert response.status_code == 422, (scale, grade)
        assert html(response).select_one(f"#{prefix}grade-error")
    ok = client.post(url, data={prefix + "term": "Term 1", prefix + "grade_scale": "kcse",
                                prefix + "grade": "b+"})
    assert ok.status_code == 303


def test_a_placement_links_only_the_members_own_business(app, client, login_as, html):
    login_as("coordinator")
    with app_db(app):
        from app.loans.models import Business
        from app.education.support_models import Placement
        member, other = make_member(), make_member()
        own = Business.create(member=member.id, name="Mama Rehema Tailoring", status="running")
        theirs = Business.create(member=other.id, name="Other Kiosk", status="running")
    url = f"/education/members/{member.id}"
    options = [o.get_text(strip=True) for o in html(client.get(url)).select(
        "select[name=business] option")]
    assert options == ["None", "Mama Rehema Tailoring"]
    work = {"kind": "self_employed", "employer": "", "role": "Tailor",
            "start_date": today().isoformat(), "income_band": "none", "course": ""}
    refused = client.post(f"{url}/placements", data={**work, "business": str(theirs.id)})
    assert refused.status_code == 422 and html(refused).select_one("#business-error")
    wrong_kind = client.post(f"{url}/placements", data={**work, "kind": "formal",
                                                         "employer": "Hotel",
                                                         "business": str(own.id)})
    assert wrong_kind.status_code == 422 and html(wrong_kind).select_one("#business-error")
    with app_db(app):
        assert Placement.select().count() == 0
    saved = client.post(f"{url}/placements", data={**work, "business": str(own.id)})
    assert saved.status_code == 303
    link = html(client.get(url)).select_one("#work a[href='/businesses/%d']" % own.id)
    assert link and link.get_text(strip=True) == "Mama Rehema Tailoring"
    assert client.get(link["href"]).status_code == 200
    assert "Other Kiosk" not in client.get(url).get_data(as_text=True)


def test_the_certificate_page_says_where_employers_can_check_it(app, client, login_as, html):
    app.config.update(HOSTNAME="kituo.local", HTTPS=False, CERTIFICATE_VERIFY_URL="")
    trainer = login_as("trainer")
    with app_db(app):
        klass = make_class(course=make_course(min_attendance_pct=0, units=()), trainer=trainer,
                           first=today() - dt.timedelta(days=1))
        row = enrolment.enrol(klass, make_member())
        progress.confirm_completion(progress.load(row.id), trainer)
    note = html(client.get(f"/education/enrolments/{row.id}")).select_one("#verify-note")
    assert "http://kituo.local/verify" in note.get_text() and "only inside" in note.get_text()
    assert "KITUO_CERTIFICATE_VERIFY_URL" in note.get_text()
    app.config["CERTIFICATE_VERIFY_URL"] = "https://skills.example.org/verify"
    note = html(client.get(f"/education/enrolments/{row.id}")).select_one("#verify-note")
    assert "https://skills.example.org/verify" in note.get_text()
    assert "only inside" not in note.get_text()


def _member_login(app, client, **fields):
    with app_db(app):
        user = make_user("member")
        member = make_member(user=user, **fields)
    assert client.post("/login", data={"username": user.username,
                                       "password": PASSWORD}).status_code == 303
    return member


def test_a_member_asks_to_join_and_sees_the_class(app, client, html):
    member = _member_login(app, client)
    with app_db(app):
        klass = make_class(first=next_weekday(0), capacity=1)
        enrolment.enrol(klass, make_member())            # the class is full
    learning = html(client.get("/me/learning"))
    join = learning.select_one(f'form[action="/me/learning/classes/{klass.id}/join"]')
    response = client.post(join["action"])
    assert response.status_code == 303
    with app_db(app):
        row = Enrolment.get(Enrolment.member == member.id)
    assert row.status == "waitlisted" and row.by_member
    text = html(client.get("/me/learning")).get_text()
    assert "number 1 on the waiting list" in text


def test_me_learning_reads_the_member_once_and_still_shows_a_group_promotion(app, client, html):
    """The page loads the member's record once; the banner of a waiting-list
    place that became theirs (counselling) finds the member by the signed-in
    user inside its own one query (f641ae7: the same query on every member
    page), never by loading the record a second time."""
    from app.counselling import groups
    from tests.counselling_helpers import days_ahead, local, no_holidays
    member = _member_login(app, client)
    with app_db(app):
        no_holidays()
        enrolment.enrol(make_class(first=next_weekday(0)), member)
        session = groups.create_sessions("Circle", local(days_ahead(4), 15), 90, "Hall", 1,
                                         [make_user("trainer").id])[0]
        first = groups.sign_up(session, make_member())
        groups.sign_up(session, member)                  # waiting
        groups.cancel_signup(first)                      # the place is hers now
    with sql_statements() as statements:
        page = html(client.get("/me/learning"))
    assert "a place became free for you" in page.get_text()
    loads = [s for s in statements if s.split(" FROM ", 1)[-1].startswith('"member"')]
    assert len(loads) == 1, loads
    other = html(client.get("/account/password"))        # a page that does not read it
    assert "a place became free for you" in other.get_text()


def test_a_member_sees_a_moved_session_on_me(app, client, html):
    member = _member_login(app, client)
    with app_db(app):
        klass = make_class(first=next_weekday(0))
        enrolment.enrol(klass, member)
        session = timetable.sessions_of(klass.id)[1]
        day = to_local(session.starts_at).date() + dt.timedelta(days=1)
        timetable.move_session(session, day, dt.time(14), dt.time(16), "Hall")
    home = html(client.get("/me"))
    changes = home.select_one("#my-classes .notice-box").get_text()
    assert "moves to" in changes and "Hall" in changes


def test_verification_shows_only_what_is_allowed(app, client, html):
    with app_db(app):
        trainer = make_user("trainer")
        klass = make_class(course=make_course(min_attendance_pct=0, units=()), trainer=trainer,
                           first=today() - dt.timedelta(days=1))
        row = enrolment.enrol(klass, make_member(language="en", legal_name="Amina Wanjiru",
                                                 preferred_name="Mina"))
        certificate = progress.confirm_completion(progress.load(row.id), trainer)
        code = certificate.code
    response = client.get(f"/verify/{code[:4]}-{code[4:]}".lower())
    assert response.status_code == 200
    text = html(response).select_one(".verify-result").get_text(" ")
    assert "Tailoring basics" in text and "A.W." in text
    assert "Amina" not in text and "Mina" not in text and "AZ-" not in text
    assert client.get("/verify/ZZZZ-ZZZZ").status_code == 404
    with app_db(app):
        from app.education import certificates
        certificates.revoke(Certificate.get(), "Wrong person", trainer)
    revoked = client.get(f"/verify/{code}")
    assert revoked.status_code == 404 and "Tailoring" not in revoked.get_data(as_text=True)


def test_verification_is_rate_limited(app, client):
    from app.education.certificates import VERIFY_LIMIT
    for _ in range(VERIFY_LIMIT):
        client.get("/verify/AAAA-AAAA")
    assert client.get("/verify/AAAA-AAAA").status_code == 429


def test_taking_someone_off_moves_the_first_waiting_up(app, client, login_as, html):
    login_as("coordinator")
    with app_db(app):
        klass = make_class(first=next_weekday(0), capacity=1)
        other = make_class(first=next_weekday(0), capacity=1, place="Hall", starts=dt.time(14),
                           ends=dt.time(16))
        first = enrolment.enrol(klass, make_member())
        waiting = enrolment.enrol(klass, make_member())
        elsewhere = enrolment.enrol(other, make_member())
    form = html(client.get(f"/education/classes/{klass.id}")).select_one("form#withdraw")
    assert form is not None
    refused = client.post(form["action"], data={"enrolment": elsewhere.id})
    assert refused.status_code == 422
    response = client.post(form["action"], data={"enrolment": first.id})
    assert response.status_code == 303
    with app_db(app):
        assert Enrolment.get_by_id(first.id).status == "withdrawn"
        assert Enrolment.get_by_id(waiting.id).status == "enrolled"
        assert Enrolment.get_by_id(elsewhere.id).status == "enrolled"


def test_ending_a_placement_with_a_wrong_date_says_why_next_to_the_field(app, client, login_as,
                                                                          html):
    login_as("coordinator")
    with app_db(app):
        from app.education import employment
        from app.education.support_models import Placement
        member = make_member()
        placement = employment.record_placement(member, employment.PlacementInput(
            "formal", "Lakeview Hotel", "Cook", today() - dt.timedelta(days=30)))
    url = f"/education/placements/{placement.id}/end"
    field = f"end{placement.id}-ended_on"
    for value, words in (((today() - dt.timedelta(days=31)).isoformat(), "before the start"),
                         ("", "")):
        refused = client.post(url, data={field: value})
        assert refused.status_code == 422, value
        error = html(refused).select_one(f"#{field}-error")
        assert error and words in error.get_text(), value
    with app_db(app):
        assert Placement.get_by_id(placement.id).ended_on is None
    assert client.post(url, data={field: today().isoformat()}).status_code == 303


def test_a_members_attendance_share_says_what_it_counts(app, client, html):
    """"Attended 3 of 7 sessions (100%)" read as a sum gone wrong: the share
    counts only the sessions marked so far (excused ones left out), the 7
    is every session of the class. The page says so."""
    from app.education import attendance as register
    member = _member_login(app, client, language="en")
    with app_db(app):
        trainer = make_user("trainer")
        klass = make_class(trainer=trainer, first=today() - dt.timedelta(days=3), weeks=1,
                           weekdays=range(7))
        row = enrolment.enrol(klass, member)
        sessions = timetable.sessions_of(klass.id)
        for session in [s for s in sessions if to_local(s.starts_at).date() < today()]:
            register.mark(session, row.id, "present", trainer)
    text = " ".join(html(client.get("/me/learning")).get_text().split())
    assert f"Attended 3 of {len(sessions)} sessions (attendance so far: 100%)" in text
