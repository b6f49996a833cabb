"""On a 360 px phone: a mentor changes the goal progress of a session log
she wrote this week; a safeguarding lead, on another page, follows the
urgent banner to the list and reopens a closed concern with a reason."""
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_user
from tests.factories import make_member
from tests.mentorship_factories import make_mentor, make_pairing, session_input


def test_mentor_changes_the_goal_progress_of_this_weeks_log(live_server, phone, shot):
    with live_server.db():
        from app.mentorship import services
        mentor = make_mentor(username="akinyi")
        pairing = make_pairing(mentor=mentor, member=make_member(preferred_name="Zawadi"))
        goal = services.add_goal(pairing, "Open a savings account", "livelihood", None, mentor)
        log = services.log_session(pairing, mentor, session_input(
            goal_updates={goal.id: ("in_progress", "Asked at the bank")}))
    sign_in(phone, live_server.url, "akinyi", PASSWORD)
    phone.goto(f"{live_server.url}/mentoring/sessions/{log.id}")
    phone.get_by_role("button", name="Change this log").or_(
        phone.get_by_role("link", name="Change this log")).first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Change session log")
    status = phone.locator(f"#goal-{goal.id}-status")
    expect(status).to_have_value("in_progress")
    expect(phone.locator(f"#goal-{goal.id}-note")).to_have_value("Asked at the bank")
    status.select_option("achieved")
    phone.locator(f"#goal-{goal.id}-note").fill("Account open, first deposit made")
    shot(phone, "session-edit-goal-progress")
    phone.get_by_role("button", name="Save changes").click()
    expect(phone.locator(".flash-success")).to_contain_text("Changes saved")
    expect(phone.locator(".goal-notes")).to_contain_text("Account open, first deposit made")
    expect(phone.locator(".goal-notes .edited")).to_be_visible()
    shot(phone, "session-goal-progress-changed")
    phone.goto(f"{live_server.url}/mentoring/pairings/{pairing.id}")
    expect(phone.locator(f"#goal-{goal.id} header")).to_contain_text("Achieved")
    shot(phone, "pairing-goal-progress-changed")


def test_lead_follows_the_banner_and_reopens_a_closed_concern(live_server, phone, shot):
    with live_server.db():
        from app.safeguarding import services
        from app.safeguarding.models import Concern
        pairing = make_pairing(member=make_member(preferred_name="Neema"))
        lead = make_user("safeguarding_lead", username="grace")
        closed = services.raise_concern(pairing.mentee, pairing.mentor, "housing_crisis", "soon",
                                        "Landlord asked her to leave by Friday.")
        services.acknowledge(closed, lead)
        services.set_status(Concern.get_by_id(closed.id), lead, "closed",
                            "Found a room through the partner shelter.")
        urgent = services.raise_concern(pairing.mentee, pairing.mentor, "trafficker_contact",
                                        "urgent", "A man from the old agency called her.")
    sign_in(phone, live_server.url, "grace", PASSWORD)
    phone.goto(f"{live_server.url}/safeguarding/mine")
    banner = phone.locator(".banner-danger a")
    expect(banner).to_contain_text("1 urgent safeguarding concern")
    shot(phone, "lead-banner-on-another-page")
    banner.click()
    expect(phone.locator("#concern-rows tr").first).to_have_class("row-urgent")
    expect(phone.locator(f"#concern-rows a[href='/safeguarding/concerns/{urgent.id}']")) \
        .to_be_visible()

    phone.goto(f"{live_server.url}/safeguarding/concerns/{closed.id}")
    expect(phone.locator(".page-head")).to_contain_text("Closed")
    phone.locator("#reopen summary").click()
    phone.get_by_role("button", name="Reopen the concern").click()
    expect(phone.locator("#reason-error")).to_be_visible()
    phone.get_by_label("Why reopen it?").fill("The landlord changed the locks again.")
    shot(phone, "concern-reopen-form")
    phone.get_by_role("button", name="Reopen the concern").click()
    expect(phone.locator(".flash-success")).to_contain_text("in progress again")
    expect(phone.locator(".page-head")).to_contain_text("In progress")
    expect(phone.locator("#action-log li").last).to_contain_text("Reopened")
    expect(phone.locator("#action-log li").last).to_contain_text("changed the locks again")
    shot(phone, "concern-reopened")
    phone.goto(f"{live_server.url}/safeguarding/?status=in_progress")
    expect(phone.locator(f"#concern-rows a[href='/safeguarding/concerns/{closed.id}']")) \
        .to_be_visible()
