"""The trainer's register when the centre's Wi-Fi drops (issue #15): a tap
that does not get through says so on its row ("Not saved: no connection",
no "Saved" tick, the saved mark still the pressed one), and once the
connection is back "Try again" saves it, once. The same when the Wi-Fi
drops after the server saved the tap but before the answer came back:
trying again changes nothing twice."""
from playwright.sync_api import expect

from tests.browser.conftest import menu_link, sign_in
from tests.browser.test_education_journey import _setup
from tests.factories import PASSWORD


def _marks(live_server) -> dict[str, list[str]]:
    """preferred name -> the marks stored for today's session."""
    from app.education.models import Attendance, Enrolment
    from app.members.models import Member
    with live_server.db():
        rows = (Attendance.select(Attendance.status, Member.preferred_name)
                .join(Enrolment).join(Member).tuples())
        marks: dict[str, list[str]] = {}
        for status, name in rows:
            marks.setdefault(name, []).append(status)
    return marks


def _to_register(phone, live_server):
    """Sign in as the trainer and open today's register, waiting until its
    scripts run: a tap before htmx has taken the buttons over is a plain
    form post (which works online, as it should without JavaScript, but
    offline it loads the browser's own 'No internet' page, so the tests
    failed under load)."""
    sign_in(phone, live_server.url, "fatuma", PASSWORD)
    menu_link(phone, "Education").click()
    phone.locator("a.big-button").first.click()
    phone.wait_for_load_state("load")


def _open_register(phone, live_server):
    _to_register(phone, live_server)
    phone.get_by_role("button", name="Everyone present").click()
    expect(phone.locator("#register-count")).to_contain_text("5 of 5 marked")


def _shows_not_saved(row, tapped: str, saved: str):
    expect(row).to_have_attribute("data-state", "failed")
    expect(row.locator(".state-failed")).to_be_visible()
    expect(row.locator(".state-failed")).to_contain_text("Not saved: no connection.")
    expect(row.locator(".state-saved")).to_be_hidden()
    expect(row.get_by_role("button", name=tapped)).to_have_attribute("data-pending", "true")
    expect(row.get_by_role("button", name=tapped)).to_have_attribute("aria-pressed", "false")
    expect(row.get_by_role("button", name=saved)).to_have_attribute("aria-pressed", "true")


def _saved_once(phone, live_server, row, name: str, mark: str):
    """The row shows the tap saved, and the database holds one mark per
    person: the tapped one for `name`."""
    expect(row).to_have_attribute("data-state", "saved")
    expect(row.locator(".state-saved")).to_contain_text("Saved")
    expect(row.get_by_role("button", name=mark)).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#register-count")).to_contain_text("5 of 5 marked")
    marks = _marks(live_server)
    assert marks[name] == [mark.lower()]
    assert sum(len(m) for m in marks.values()) == 5


def test_a_tap_while_offline_is_not_saved_until_tried_again(live_server, phone, shot, axe):
    _setup(live_server)
    _open_register(phone, live_server)
    chiku = phone.locator(".register-row", has_text="Chiku")

    phone.context.set_offline(True)
    chiku.get_by_role("button", name="Late").click()
    _shows_not_saved(chiku, "Late", "Present")
    axe(phone)
    shot(phone, "education-register-offline")
    assert _marks(live_server)["Chiku"] == ["present"]
    chiku.get_by_role("button", name="Try again").click()      # still no Wi-Fi
    _shows_not_saved(chiku, "Late", "Present")

    phone.context.set_offline(False)
    chiku.get_by_role("button", name="Try again").click()
    _saved_once(phone, live_server, chiku, "Chiku", "Late")


def test_a_tap_whose_answer_is_lost_is_saved_once(live_server, phone):
    _setup(live_server)
    _open_register(phone, live_server)
    dalia = phone.locator(".register-row", has_text="Dalia")

    def answer_lost(route):
        route.fetch()                          # the server gets the tap and saves it ...
        route.abort("internetdisconnected")    # ... and the answer never arrives
    phone.route("**/register/*", answer_lost)
    dalia.get_by_role("button", name="Absent").click()
    _shows_not_saved(dalia, "Absent", "Present")
    assert _marks(live_server)["Dalia"] == ["absent"]

    phone.unroute("**/register/*")
    dalia.get_by_role("button", name="Try again").click()
    _saved_once(phone, live_server, dalia, "Dalia", "Absent")


def test_everyone_present_while_offline_says_so_and_saves_when_tapped_again(live_server, phone):
    _setup(live_server)
    _to_register(phone, live_server)
    register = phone.locator("#register")

    phone.context.set_offline(True)
    phone.get_by_role("button", name="Everyone present").click()
    expect(register).to_have_attribute("data-state", "failed")
    expect(register.locator(".register-failed")).to_be_visible()
    expect(register.locator(".register-failed")).to_contain_text("Not saved: no connection.")
    expect(phone.locator("#register-count")).to_contain_text("0 of 5 marked")
    assert _marks(live_server) == {}

    phone.context.set_offline(False)
    phone.get_by_role("button", name="Everyone present").click()
    expect(phone.locator("#register-count")).to_contain_text("5 of 5 marked")
    expect(register.locator(".register-failed")).to_be_hidden()
    assert sum(len(m) for m in _marks(live_server).values()) == 5
