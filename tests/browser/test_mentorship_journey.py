"""Mentorship and safeguarding as people use them, on a 360 px phone:
a mentor logs a session and raises an urgent concern; a safeguarding lead,
dashboard already open, sees the polled badge appear, acknowledges and
closes the concern; a second mentor tries the first mentor's URLs."""

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, _page, sign_in
from tests.factories import PASSWORD, make_user
from tests.factories import make_member
from tests.mentorship_factories import make_mentor, make_pairing

WORRY = "She said a man from the old agency waited at her gate last night."


def _setup(live_server):
    with live_server.db():
        mentor_a = make_mentor(username="akinyi", areas=["livelihood"])
        pairing = make_pairing(mentor=mentor_a, member=make_member(preferred_name="Zawadi"))
        from app.mentorship import services
        services.add_goal(pairing, "Open a savings account", "livelihood", None, mentor_a)
        mentor_b = make_mentor(username="juma")
        make_pairing(mentor=mentor_b, member=make_member(preferred_name="Neema"))
        make_user("safeguarding_lead", username="grace")
        return pairing


def test_mentor_logs_raises_lead_acknowledges_other_mentor_refused(
        live_server, phone, shot, browser, outside_requests):
    pairing = _setup(live_server)

    # The safeguarding lead has the dashboard open on her phone: nothing urgent.
    lead_context, lead = _page(browser, PHONE, live_server, outside_requests)
    sign_in(lead, live_server.url, "grace", PASSWORD)
    expect(lead.locator("#urgent-badge .badge-none")).to_be_visible()

    # 1. The mentor logs a session from her phone and flags a worry.
    sign_in(phone, live_server.url, "akinyi", PASSWORD)
    phone.get_by_role("link", name="My mentees").first.click()
    expect(phone.locator("#mentees")).to_contain_text("Zawadi")
    shot(phone, "mentor-home")
    phone.get_by_role("button", name="Log a session").or_(
        phone.get_by_role("link", name="Log a session")).first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Log a session")
    phone.locator("fieldset.chips label", has_text="45 min").click()
    phone.locator("fieldset.chips label", has_text="Phone").click()
    phone.locator("fieldset.chips label", has_text="Money").click()
    phone.locator("fieldset.chips label", has_text="Safety").click()
    phone.get_by_label("Notes").fill("Talked about saving for the stall. She seemed afraid.")
    phone.locator(f"#goal-{_goal_id(live_server, pairing)}-status").select_option("in_progress")
    phone.get_by_label("I am worried about their safety").check()
    shot(phone, "session-log-form")
    phone.get_by_role("button", name="Save session").click()

    # ... straight into the pre-filled concern form.
    expect(phone.get_by_role("heading", level=1)).to_have_text("Raise a safeguarding concern")
    expect(phone.locator(".concern-about")).to_contain_text("Zawadi")
    phone.locator("fieldset.chips label", has_text="Urgent: act today").click()
    phone.locator("fieldset.chips label",
                  has_text="Risk of harm or contact from traffickers").click()
    phone.get_by_label("What happened?").fill(WORRY)
    phone.get_by_label("What have you done already?").fill("Walked her to the matatu stage.")
    shot(phone, "concern-form")
    phone.get_by_role("button", name="Send to the safeguarding leads").click()
    expect(phone.locator(".flash-success")).to_contain_text("safeguarding leads have your concern")
    expect(phone.locator("#action-log")).to_have_count(0)
    shot(phone, "concern-raised-own-view")
    concern_url = phone.url
    session_url = _latest_session_url(live_server)

    # 2. The lead's dashboard picks it up by itself (htmx polling), no reload.
    expect(lead.locator("#urgent-badge .badge-count")).to_have_text("1", timeout=15_000)
    shot(lead, "lead-dashboard-urgent-badge")
    lead.locator("#urgent-badge a").click()
    lead.locator("#concern-rows a").first.click()   # the banner above links too
    expect(lead.locator(".notes").first).to_contain_text("old agency")
    lead.get_by_role("button", name="Acknowledge: I am taking this").click()
    expect(lead.locator(".flash-success")).to_contain_text("Acknowledged")
    lead.get_by_label("New status").select_option("closed")
    lead.get_by_label("Outcome").fill("Moved to a partner's safe house; police informed.")
    lead.get_by_role("button", name="Change status").click()
    expect(lead.locator(".page-head")).to_contain_text("Closed")
    shot(lead, "lead-concern-closed")
    lead.goto(live_server.url + "/")
    expect(lead.locator("#urgent-badge .badge-none")).to_be_visible()
    lead_context.close()

    # The mentor sees the status of her own concern, read-only.
    phone.goto(concern_url)
    expect(phone.locator(".page-head")).to_contain_text("Closed")
    expect(phone.get_by_text("Moved to a partner's safe house")).to_have_count(0)

    # 3. A second mentor tries the first mentor's URLs.
    phone.get_by_role("button", name="Sign out").click()
    sign_in(phone, live_server.url, "juma", PASSWORD)
    for url in (f"/mentoring/pairings/{pairing.id}", session_url,
                f"/mentoring/pairings/{pairing.id}/sessions/new", concern_url,
                f"/members/{pairing.mentee_id}"):
        response = phone.goto(url if url.startswith("http") else live_server.url + url)
        assert response.status in (403, 404), url
        expect(phone.locator("body")).not_to_contain_text("Zawadi")
        expect(phone.locator("body")).not_to_contain_text("old agency")
    shot(phone, "other-mentor-refused")


def _goal_id(live_server, pairing):
    with live_server.db():
        from app.mentorship.models import Goal
        return Goal.get(Goal.pairing == pairing.id).id


def _latest_session_url(live_server):
    with live_server.db():
        from app.mentorship.models import SessionLog
        log = SessionLog.select().order_by(SessionLog.id.desc()).first()
        return f"/mentoring/sessions/{log.id}"


def test_coordinator_pairs_from_suggestions_and_mentee_sees_goals(live_server, phone, shot):
    with live_server.db():
        from app.members.models import Member
        make_mentor(username="wambui", areas=["education", "business"], languages=["sw"])
        make_mentor(username="kevin", areas=["leadership"], languages=["en"])
        mentee = make_member(preferred_name="Rehema", needs=["education"], language="sw")
        member_user = make_user("member", username="rehema", language="sw")
        Member.update(user=member_user.id).where(Member.id == mentee.id).execute()
        make_user("coordinator", username="baraka")
    sign_in(phone, live_server.url, "baraka", PASSWORD)
    phone.goto(live_server.url + "/mentoring/overview")
    phone.get_by_role("button", name="Propose a pairing").click()
    phone.get_by_label("Member code").fill(mentee.code)
    phone.get_by_role("button", name="Find mentors").click()
    expect(phone.locator("ol.suggestions > li").first).to_contain_text("Wambui")
    shot(phone, "pairing-suggestions")
    phone.get_by_role("button", name="Propose Wambui").click()
    phone.get_by_role("button", name="Start the pairing").click()
    expect(phone.locator(".page-head")).to_contain_text("Active")
    phone.locator("summary", has_text="Add a goal").click()
    phone.locator("#title").fill("Apply for a scholarship")
    phone.locator("#area").select_option("education")
    phone.get_by_role("button", name="Add goal").click()
    expect(phone.locator("#goals")).to_contain_text("Apply for a scholarship")
    shot(phone, "pairing-coordinator")
    phone.goto(live_server.url + "/")
    expect(phone.locator("#panel-mentoring_figures")).to_contain_text("1")
    shot(phone, "dashboard-coordinator-mentoring")
    phone.get_by_role("button", name="Sign out").click()

    sign_in(phone, live_server.url, "rehema", PASSWORD)
    phone.goto(live_server.url + "/me/mentoring")
    expect(phone.locator("html")).to_have_attribute("lang", "sw")
    expect(phone.locator("#my-mentoring")).to_contain_text("Apply for a scholarship")
    expect(phone.locator("#my-mentoring form")).to_have_count(0)
    shot(phone, "mentee-my-mentor-sw")
