"""Members through HTTP: who sees what, forms, jobs, import, /me."""
import datetime as dt
import io
import json

import pytest

from app.audit import AuditEvent
from app.auth.models import User
from app.db import db
from app.jobs.models import Job
from app.members import services
from app.members.models import ConsentEvent, InductionStep, Member, MemberImport
from tests.factories import PASSWORD, app_db, make_user
from tests.factories import make_member
from tests.conftest import parse_html

IDENTITY_VALUES = ("Wanjiku Kamau", "0712 345678", "Kawangware", "Sleeps at her aunt")


@pytest.fixture
def member(app):
    with app.app_context(), app.test_request_context(), db.connection_context():
        return make_member()


def _audits(app, action):
    with app_db(app):
        return AuditEvent.select().where(AuditEvent.action == action).count()


# --- register, list, search --------------------------------------------------------------

def test_coordinator_registers_a_member(app, client, login_as):
    login_as("coordinator")
    response = client.post("/members/new", data={
        "preferred_name": "Akinyi", "legal_name": "Akinyi Otieno", "gender": "female",
        "birth_year": "1997", "age_band": "", "phone": "0711 000111", "language": "sw",
        "county": "Kisumu", "location": "Nyalenda", "referral_source": "1",
        "referring_org": "", "joined_on": "2026-01-10", "needs": ["housing", "legal"],
        "notes": ""})
    assert response.status_code == 303
    with app_db(app):
        member = Member.get(Member.preferred_name == "Akinyi")
        assert response.headers["Location"] == f"/members/{member.id}"
        assert (member.code, member.needs, member.phone) == ("AZ-0001", ["housing", "legal"],
                                                             "0711 000111")


def test_invalid_registration_keeps_values_and_writes_nothing(app, client, login_as):
    login_as("coordinator")
    response = client.post("/members/new", data={
        "preferred_name": "Akinyi", "gender": "female", "birth_year": "97",
        "phone": "not a phone", "language": "sw", "joined_on": "2026-01-10"})
    assert response.status_code == 422
    page = parse_html(response)
    assert page.select_one("#birth_year-error")
    assert page.find("input", {"name": "preferred_name"})["value"] == "Akinyi"
    with app_db(app):
        assert Member.select().count() == 0


def test_phone_error_is_next_to_the_phone_field(app, client, login_as):
    login_as("coordinator")
    response = client.post("/members/new", data={
        "preferred_name": "Akinyi", "gender": "female", "phone": "call me",
        "language": "sw", "joined_on": "2026-01-10"})
    assert response.status_code == 422
    assert parse_html(response).select_one("#phone-error")


def test_list_search_and_filters(app, client, login_as):
    with app_db(app):
        make_member(preferred_name="Akinyi", legal_name="Akinyi Otieno", phone="0700 111222")
        b = make_member(preferred_name="Neema", needs=["health"])
        services.complete_step(b, services.checklist()[0])
    login_as("coordinator")
    rows = parse_html(client.get("/members/?q=neema")).select("#member-results tbody tr")
    assert [r.td.get_text(strip=True) for r in rows] == ["AZ-0002"]
    rows = parse_html(client.get("/members/?q=otieno")).select("tbody tr a")
    assert [a.get_text() for a in rows] == ["AZ-0001"]            # legal name: identity holder
    rows = parse_html(client.get("/members/?status=inducting")).select("tbody tr a")
    assert [a.get_text() for a in rows] == ["AZ-0002"]
    rows = parse_html(client.get("/members/?need=health")).select("tbody tr a")
    assert [a.get_text() for a in rows] == ["AZ-0002"]
    partial = client.get("/members/?q=AZ-0001", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and b"<html" not in partial.data
    assert "HX-Request" in partial.headers["Vary"]


def test_pagination_counts_cheaply(app, client, login_as):
    with app_db(app):
        for i in range(30):
            services.create_member({"preferred_name": f"M{i}"})
    login_as("coordinator")
    page = parse_html(client.get("/members/"))
    assert len(page.select("tbody tr")) == services.PAGE_SIZE
    assert "30" in page.select_one(".result-count").get_text()
    page2 = parse_html(client.get("/members/?page=2"))
    assert len(page2.select("tbody tr")) == 5


def test_identity_search_is_audited_and_others_cannot_search_identity(app, client, login_as):
    with app_db(app):
        make_member()
        app.extensions["kituo"].member_scopes.append(lambda user: Member.select(Member.id))
    login_as("mentor")
    assert parse_html(client.get("/members/?q=Kamau")).select("tbody tr a") == []
    assert parse_html(client.get("/members/?q=0712")).select("tbody tr a") == []
    assert [a.get_text() for a in parse_html(client.get("/members/?q=wanjiku")).select("tbody a")] \
        == ["AZ-0001"]


# --- profile and privacy ----------------------------------------------------------------

def test_coordinator_profile_hides_identity_until_asked_and_audits_the_view(
        app, client, login_as, member):
    login_as("coordinator")
    page = client.get(f"/members/{member.id}").get_data(as_text=True)
    for value in IDENTITY_VALUES:
        assert value not in page
    assert _audits(app, "member.identity_viewed") == 0
    response = client.get(f"/members/{member.id}/identity", headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Wanjiku Kamau" in text and "0712 345678" in text
    assert "do not call" in text                       # no contact consent yet
    assert _audits(app, "member.identity_viewed") == 1
    with app_db(app):
        event = AuditEvent.get(AuditEvent.action == "member.identity_viewed")
        assert event.object_id == str(member.id) and "Wanjiku" not in event.summary


@pytest.mark.parametrize("role", ["mentor", "counsellor", "finance", "trainer",
                                  "safeguarding_lead"])
def test_other_staff_never_see_identity(app, client, login_as, member, role):
    with app_db(app):
        app.extensions["kituo"].member_scopes.append(lambda user: Member.select(Member.id))
    login_as(role)
    response = client.get(f"/members/{member.id}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for value in IDENTITY_VALUES:
        assert value not in text
    assert "AZ-0001" in text and "Wanjiku" in text         # code + preferred name
    for url in (f"/members/{member.id}/identity", f"/members/{member.id}/edit",
                f"/members/{member.id}/export.json", f"/members/{member.id}/consents"):
        assert client.get(url).status_code == 403, url
    history = client.get(f"/members/{member.id}/history").get_data(as_text=True)
    assert "0712" not in history


@pytest.mark.parametrize("role", ["mentor", "counsellor"])
def test_mentors_and_counsellors_only_see_members_scoped_to_them(app, client, login_as, role):
    with app_db(app):
        mine, other = make_member(preferred_name="Mine"), make_member(preferred_name="Other")
        app.extensions["kituo"].member_scopes.append(
            lambda user: Member.select(Member.id).where(Member.id == mine.id))
    login_as(role)
    codes = [a.get_text() for a in parse_html(client.get("/members/")).select("tbody a")]
    assert codes == [mine.code]
    assert client.get(f"/members/{mine.id}").status_code == 200
    assert client.get(f"/members/{other.id}").status_code == 404
    assert client.get(f"/members/{other.id}/history").status_code == 404


def test_mentor_without_any_scope_sees_nobody(app, client, login_as, member):
    login_as("mentor")
    assert parse_html(client.get("/members/")).select("tbody a") == []
    assert client.get(f"/members/{member.id}").status_code == 404


def test_edit_records_history_shown_to_coordinator(app, client, login_as, member):
    login_as("coordinator")
    form = parse_html(client.get(f"/members/{member.id}/edit"))
    assert form.find("input", {"name": "legal_name"})["value"] == "Wanjiku Kamau"
    data = {i["name"]: i.get("value", "") for i in form.select("input[name]")
            if i.get("type") not in ("checkbox",)}
    data.update({s["name"]: (s.find("option", selected=True) or {}).get("value", "")
                 for s in form.select("select")})
    data["notes"] = "Prefers afternoons"
    data["phone"] = "0733 000999"
    response = client.post(f"/members/{member.id}/edit", data=data)
    assert response.status_code == 303
    history = parse_html(client.get(f"/members/{member.id}/history"))
    cells = [td.get_text(strip=True) for td in history.select("tbody td")]
    assert "0712 345678" in cells and "0733 000999" in cells


# --- status, consent, induction ----------------------------------------------------------

def test_exit_needs_a_reason(app, client, login_as, member):
    login_as("coordinator")
    response = client.post(f"/members/{member.id}/status", data={"status": "exited"})
    assert response.status_code == 422
    assert parse_html(response).select_one("#exit_reason-error")
    response = client.post(f"/members/{member.id}/status",
                           data={"status": "exited", "exit_reason": "moved_away"})
    assert response.status_code == 303
    with app_db(app):
        assert Member.get_by_id(member.id).status == "exited"


def test_consent_recorded_and_withdrawn_through_the_form(app, client, login_as, member):
    login_as("coordinator")
    data = {"answer_processing": "yes", "answer_contact": "yes", "method": "signed", "language": "sw",
            "recorded_on": "2026-01-10", "note": ""}
    assert client.post(f"/members/{member.id}/consents", data=data).status_code == 303
    with app_db(app):
        assert services.may(member.id, "contact")
    data["answer_contact"] = "no"
    assert client.post(f"/members/{member.id}/consents", data=data).status_code == 303
    with app_db(app):
        assert not services.may(member.id, "contact")
        assert ConsentEvent.select().where(ConsentEvent.purpose == "contact").count() == 2
    page = parse_html(client.get(f"/members/{member.id}/consents"))
    assert len(page.select("table")[-1].select("tbody tr")) == 3
    bad = client.post(f"/members/{member.id}/consents", data={**data, "answer_contact": "gossip"})
    assert bad.status_code == 422


def test_induction_through_http_to_active(app, client, login_as, member):
    login_as("coordinator")
    with app_db(app):
        steps = [s.id for s in services.checklist()]
    for step_id in steps:
        response = client.post(f"/members/{member.id}/induction/{step_id}", data={"note": "ok"})
        assert response.status_code == 303
    page = parse_html(client.get(f"/members/{member.id}"))
    assert page.select_one("#induction-progress")["value"] == "100"
    assert client.post(f"/members/{member.id}/induction/confirm").status_code == 303
    with app_db(app):
        assert Member.get_by_id(member.id).status == "active"


def test_step_without_consent_is_refused_with_422(app, client, login_as):
    with app_db(app):
        member = make_member(consent=False)
        step = services.checklist()[0].id
    login_as("coordinator")
    response = client.post(f"/members/{member.id}/induction/{step}", data={"note": ""})
    assert response.status_code == 422
    assert "consent" in parse_html(response).select_one(".form-error").get_text()


def test_pdfs_run_as_jobs_in_the_members_language(app, client, login_as, member):
    login_as("coordinator")
    for url in (f"/members/{member.id}/consent-form", f"/members/{member.id}/induction-pack",
                f"/members/{member.id}/export.pdf"):
        response = client.post(url)
        assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
        download = client.get(response.headers["Location"] + "/download")
        assert download.status_code == 200 and download.data.startswith(b"%PDF")
    with app_db(app):
        names = [j.result_name for j in Job.select().order_by(Job.created_at)]
    assert names[0] == "fomu-ya-ridhaa-AZ-0001.pdf"       # member's language: sw


def test_the_induction_pack_lists_the_planned_meetings(app, conn, pdf_text):
    import datetime as dt
    from app.clock import utcnow
    from app.pdf import render_pdf
    from tests.page_checks import only_selected_fields
    member = make_member()
    services.assign_buddy(member, make_member(status="active").code)
    member = Member.get_by_id(member.id)
    services.schedule_meeting(member, utcnow() + dt.timedelta(days=3), True)
    with only_selected_fields():      # the meetings are read narrowly
        pdf = render_pdf("members/pdf/induction_pack.html", locale="en", member=member,
                         consents=services.latest_consents(member), buddy=None,
                         meetings=list(services.upcoming_meetings(member)),
                         today=services.today())
    assert "Meeting with your buddy" in " ".join(pdf_text(pdf).split())


def test_pdf_text_is_in_swahili_and_discreet(app, conn, pdf_text):
    from app.pdf import render_pdf
    member = make_member()
    pdf = render_pdf("members/pdf/induction_pack.html", locale="sw", member=member,
                     consents=services.latest_consents(member), buddy=None, meetings=[],
                     today=services.today())
    text = pdf_text(pdf)
    assert "Karibu" in text and "Rafiki rika wako" in text
    # the pack names the exit button as the button reads (Toka), not another word
    from app.i18n import gettext
    from flask_babel import force_locale
    with force_locale("sw"):
        button = gettext("Exit")
    assert button == "Toka" and f"“{button}”" in " ".join(text.split())
    assert "Ondoka" not in text
    assert "http://kituo.local/" in text      # the address to open: the configured host name
    assert "traffick" not in text.lower() and "counsel" not in text.lower()


def test_buddy_and_meeting_forms(app, client, login_as, member):
    with app_db(app):
        buddy = make_member(status="active", preferred_name="Neema")
    login_as("coordinator")
    bad = client.post(f"/members/{member.id}/buddy", data={"buddy_code": "AZ-9999"})
    assert bad.status_code == 422 and parse_html(bad).select_one("#buddy_code-error")
    assert client.post(f"/members/{member.id}/buddy",
                       data={"buddy_code": buddy.code}).status_code == 303
    # the page shows the current buddy, with Change (prefilled) and a Remove that asks first
    page = parse_html(client.get(f"/members/{member.id}"))
    section = page.select_one("section#buddy")
    assert buddy.code in section.get_text()
    assert section.select_one("input#buddy_code")["value"] == buddy.code
    assert [s.get_text(strip=True) for s in section.select("summary")] == [
        "Change buddy", "Remove buddy"]
    emptied = client.post(f"/members/{member.id}/buddy", data={"buddy_code": ""})
    assert emptied.status_code == 422 and parse_html(emptied).select_one("#buddy_code-error")
    with app_db(app):
        assert Member.get_by_id(member.id).buddy_id == buddy.id
    when = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/members/{member.id}/meetings",
                       data={"starts_at": when, "with_buddy": "y"}).status_code == 303
    past = client.post(f"/members/{member.id}/meetings", data={"starts_at": "2020-01-01T10:00"})
    assert past.status_code == 422
    assert client.post(f"/members/{member.id}/buddy/remove").status_code == 303
    with app_db(app):
        assert Member.get_by_id(member.id).buddy_id is None


# --- accounts and /me -----------------------------------------------------------------------

def test_coordinator_creates_member_login_and_slip(app, client, login_as, member):
    login_as("coordinator")
    response = client.post(f"/members/{member.id}/account")
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
    assert client.get(response.headers["Location"] + "/download").data.startswith(b"%PDF")
    with app_db(app):
        user = User.get(User.username == "az-0001")
        assert user.role_names == ["member"] and Member.get_by_id(member.id).user_id == user.id


def _member_with_login(app, **fields):
    with app_db(app):
        m = make_member(**fields)
        user = services.create_account(m)
        from app.auth import services as auth
        auth._store_password(user, PASSWORD)
        return m, user


def test_member_home_shows_only_themself(app, client):
    me, user = _member_with_login(app, preferred_name="Halima")
    with app_db(app):
        other = make_member(preferred_name="Zawadi", status="active")
        services.assign_buddy(me, other.code)
        services.schedule_meeting(Member.get_by_id(me.id),
                                  services.utcnow() + dt.timedelta(days=1), True)
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    response = client.get("/")
    assert response.status_code == 303 and response.headers["Location"] == "/me"
    page = parse_html(client.get("/me"))
    assert page.h1.get_text(strip=True) == "Habari, Halima"           # member language: sw
    assert "Mkutano na rafiki rika wako" in page.select_one("#my-schedule").get_text()
    assert other.code in page.select_one("#my-buddy").get_text()
    consents = page.select_one("#my-consents").get_text()
    assert "Ulikubali kwamba kituo kinaweza kuhifadhi na kutumia taarifa zako" in consents
    assert page.select_one("#quick-exit")
    assert page.select_one("a[href='/account/password']")
    text = page.get_text()
    assert "Wanjiku Kamau" not in text and "0712" not in text


def test_member_cannot_reach_any_member_scoped_url(app, client):
    me, user = _member_with_login(app)
    with app_db(app):
        other = make_member(preferred_name="Zawadi")
        step = services.checklist()[0].id
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    gets = ["/members/", "/members/new", "/members/retention", "/members/import",
            "/members/settings", "/members/import/template.csv"]
    posts = []
    for target in (other.id, me.id):
        gets += [f"/members/{target}", f"/members/{target}/identity",
                 f"/members/{target}/history", f"/members/{target}/edit",
                 f"/members/{target}/consents", f"/members/{target}/export.json",
                 f"/members/{target}/anonymise"]
        posts += [f"/members/{target}/status", f"/members/{target}/consents",
                  f"/members/{target}/consent-form", f"/members/{target}/induction/{step}",
                  f"/members/{target}/induction/confirm", f"/members/{target}/induction-pack",
                  f"/members/{target}/meetings", f"/members/{target}/meetings/1/cancel",
                  f"/members/{target}/buddy", f"/members/{target}/account",
                  f"/members/{target}/account/slip", f"/members/{target}/export.pdf",
                  f"/members/{target}/anonymise", f"/members/{target}/edit"]
    for url in gets:
        assert client.get(url).status_code in (403, 404), url
    for url in posts:
        assert client.post(url, data={"status": "exited", "exit_reason": "other"}
                           ).status_code in (403, 404), url
    with app_db(app):
        assert Member.get_by_id(other.id).status == "referred"
    assert "Zawadi" not in client.get("/me").get_data(as_text=True)


def test_member_without_record_gets_a_plain_message(app, client, login_as):
    login_as("member")
    page = parse_html(client.get("/me"))
    assert page.h1.get_text(strip=True) == "Welcome"


# --- data rights ---------------------------------------------------------------------------

def test_export_json_is_audited(app, client, login_as, member):
    login_as("coordinator")
    response = client.get(f"/members/{member.id}/export.json")
    assert response.status_code == 200
    assert json.loads(response.data)["member"]["legal_name"] == "Wanjiku Kamau"
    assert _audits(app, "member.exported") == 1


def test_anonymise_needs_the_typed_code(app, client, login_as, member):
    login_as("coordinator")
    wrong = client.post(f"/members/{member.id}/anonymise", data={"confirm": "yes"})
    assert wrong.status_code == 422 and parse_html(wrong).select_one("#confirm-error")
    with app_db(app):
        assert Member.get_by_id(member.id).legal_name == "Wanjiku Kamau"
    right = client.post(f"/members/{member.id}/anonymise", data={"confirm": "az-0001"})
    assert right.status_code == 303
    with app_db(app):
        assert Member.get_by_id(member.id).legal_name == ""
    assert client.get(f"/members/{member.id}").status_code == 200


def test_retention_page_lists_due_members(app, client, login_as):
    from tests.factories import shift_time
    with app_db(app):
        old = make_member(status="exited")
        shift_time(Member, "exited_on", -dt.timedelta(days=2000), Member.id == old.id)
    login_as("coordinator")
    page = parse_html(client.get("/members/retention"))
    assert [a.get_text() for a in page.select("tbody td:first-child a")] == [old.code]


# --- import ------------------------------------------------------------------------------------

def test_import_dry_run_then_confirm(app, client, login_as):
    login_as("coordinator")
    template = client.get("/members/import/template.csv")
    assert template.status_code == 200 and b"preferred_name" in template.data
    csv_data = ("preferred_name,phone,status\nAkinyi,0711 222333,active\n"
                ",0711 999888,\nNeema,bad phone,sleeping\n").encode()
    response = client.post("/members/import", data={"file": (io.BytesIO(csv_data), "x.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    show = client.get(response.headers["Location"])
    page = parse_html(show)
    rows = page.select(".import-problems tbody tr")
    assert {r.td.get_text() for r in rows} == {"3", "4"}
    assert len(rows) == 3            # row 3: name; row 4: status and phone
    with app_db(app):
        assert Member.select().count() == 0
        batch = MemberImport.get()
    confirm = client.post(f"/members/import/{batch.id}/confirm")
    assert confirm.status_code == 303
    with app_db(app):
        assert [m.preferred_name for m in Member.select()] == ["Akinyi"]
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 303
    with app_db(app):
        assert Member.select().count() == 1


def test_someone_elses_import_is_404(app, client, login_as):
    with app_db(app):
        from app.members import imports
        batch = imports.store_upload(b"preferred_name\nA\n", "x.csv", make_user("coordinator"))
    login_as("coordinator")
    assert client.get(f"/members/import/{batch.id}").status_code == 404
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 404


# --- settings and dashboard --------------------------------------------------------------------

def test_admin_edits_the_checklist_coordinator_cannot(app, client, login_as):
    login_as("coordinator")
    assert client.get("/members/settings").status_code == 403
    client.post("/logout")
    login_as("admin")
    response = client.post("/members/settings", data={
        "form": "step", "step-title_en": "Visit the garden", "step-title_sw": "Tembelea bustani",
        "step-required_step": ""})
    assert response.status_code == 303
    with app_db(app):
        step = InductionStep.get(InductionStep.title_en == "Visit the garden")
        assert not step.required
    bad = client.post("/members/settings", data={"form": "step", "step-title_en": "x"})
    assert bad.status_code == 422


def test_dashboard_panels_for_coordinator(app, client, login_as, member):
    login_as("coordinator")
    page = parse_html(client.get("/"))
    for key in ("inductions", "members_by_status", "new_members"):
        assert page.select_one(f"#panel-{key}"), key
    client.post("/logout")
    login_as("mentor")
    assert not parse_html(client.get("/")).select_one("#panel-members_by_status")


def test_members_nav_follows_roles(client, login_as):
    login_as("coordinator")
    links = {a["href"] for a in parse_html(client.get("/")).select(".module-nav a")}
    assert "/members/" in links and "/me" not in links


def test_export_pdf_speaks_to_the_member_in_their_time(app, conn, pdf_text):
    """The data-export PDF is handed to the member: consents under the
    titles the member reads on /me, meetings in Nairobi time, not UTC."""
    from app.members.models import InductionMeeting
    from app.pdf import render_pdf
    member = make_member()
    services.record_consent(member, "story", True, "verbal", "en", make_user("coordinator"))
    InductionMeeting.create(member=member, starts_at=dt.datetime(2026, 12, 1, 21, 30),
                            with_buddy=True)       # 00:30 on 2 December in Nairobi
    pdf = render_pdf("members/pdf/export.html", locale="en", member=member,
                     data=services.export_data(member))
    text = pdf_text(pdf)
    assert "Your story" in text and "Sharing their story" not in text
    assert "02/12/2026, 00:30" in text and "UTC" not in text
    assert "with your peer buddy" in text


def test_gender_starts_blank_and_left_blank_is_not_female(app, client, login_as):
    """#12: the gender choice had no blank, so every new member was
    "Female" unless someone changed it."""
    login_as("coordinator")
    select = parse_html(client.get("/members/new")).select_one("select#gender")
    options = select.select("option")
    assert options[0]["value"] == "" and not select.select("option[selected]")
    response = client.post("/members/new", data={
        "preferred_name": "Baraka", "gender": "", "age_band": "", "county": "", "referral_source": "",
        "language": "sw", "joined_on": "2026-01-10"})
    assert response.status_code == 303
    with app_db(app):
        assert Member.get(Member.preferred_name == "Baraka").gender == "undisclosed"
    edit = parse_html(client.get(response.headers["Location"] + "/edit")).select_one("select#gender")
    assert edit.select_one("option[selected]")["value"] == "undisclosed"
