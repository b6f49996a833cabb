"""A coordinator inducts a new member; the member signs in on a phone."""
import re
import subprocess

from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, menu_link, print_document, sign_in
from tests.factories import PASSWORD, make_user
from tests.factories import make_member


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_induction_journey_to_member_home_and_quick_exit(live_server, desktop, browser,
                                                         shot, tmp_path, axe):
    with live_server.db():
        make_user("coordinator", username="baraka")
        buddy = make_member(preferred_name="Zawadi", status="active", phone="0700 123123")
    page = desktop
    base = live_server.url
    sign_in(page, base, "baraka", PASSWORD)

    # 1. Register the member.
    menu_link(page, "Members").click()
    page.get_by_role("button", name="Register a member").click()
    page.get_by_label("Preferred name").fill("Amani")
    page.get_by_label("Gender").select_option("female")
    page.get_by_label("Year of birth").fill("1999")
    page.get_by_label("County").select_option("Mombasa")
    page.get_by_label("Housing").check()
    page.get_by_label("Legal name").fill("Amani Mwende")
    page.get_by_label("Phone").fill("0722 555666")
    shot(page, "member-register")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("AZ-0002 · Amani")

    # 2. Record consent in one form, as the paper form reads: a yes or no
    #    per purpose (keeping their information and calls: yes; media: no).
    page.get_by_role("button", name="Record consent").click()
    expect(page.locator("fieldset.yes-no")).to_have_count(8)
    page.get_by_role("group", name="Keeping and using their information").get_by_label(
        "Yes").check()
    page.get_by_role("group", name="Being contacted by phone or SMS").get_by_label("Yes").check()
    page.get_by_role("group", name="Photos and media").get_by_label("No").check()
    page.get_by_label("Signed form").check()
    axe(page)
    shot(page, "member-consent")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    yes = page.get_by_role("group", name="Photos and media").locator("label").first.bounding_box()
    assert yes["height"] >= 44, "a yes/no choice is a thumb-sized target"
    shot(page, "member-consent")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Save the answers").click()
    expect(page.locator(".flash-success")).to_contain_text("Consent recorded")
    consent = page.locator("#consent")
    expect(consent.get_by_role("row", name=re.compile("Being contacted"))).to_contain_text("Given")
    expect(consent.get_by_role("row", name=re.compile("Photos and media"))).to_contain_text(
        "Withdrawn or refused")
    expect(consent.get_by_role("row", name=re.compile("Taking part in research"))).to_contain_text(
        "Not asked yet")
    axe(page)

    # 3. Buddy, then every induction step, then confirm.
    page.get_by_label("Buddy's member code").fill(buddy.code)
    page.get_by_role("button", name="Save buddy").click()
    expect(page.locator("#buddy")).to_contain_text("Zawadi")
    for _ in range(6):
        page.locator("#induction").get_by_role("button", name="Mark done").first.click()
        expect(page.locator(".flash-success")).to_contain_text("Step done")
    expect(page.locator("#induction-progress")).to_have_attribute("value", "100")
    shot(page, "member-induction-done")
    # the member page on a phone: the summary first, a menu to each section
    page.set_viewport_size(PHONE)
    page.goto(page.url.split("#")[0])
    expect(page.locator("#summary")).to_contain_text("Zawadi")
    assert page.locator("#summary").bounding_box()["y"] < PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("nav.section-menu").get_by_role("link", name="Peer buddy").click()
    expect(page).to_have_url(re.compile("#buddy$"))
    axe(page)
    shot(page, "member-page")
    page.set_viewport_size(DESKTOP)
    shot(page, "member-page")
    page.get_by_role("button", name="Confirm induction: make active").click()
    expect(page.locator(".flash-success")).to_contain_text("now an active member")

    # 4. Print the induction pack (worker job with progress, then download).
    pack = print_document(page, page.get_by_role("button", name="Print induction pack"),
                          tmp_path / "pack.pdf")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Induction pack · AZ-0002")
    text = _pdf_text(pack)
    assert "Karibu" in text and "Zawadi" in text          # Swahili, with the buddy

    # 5. Create the member's login and print the setup slip.
    page.goto(base + "/members/")
    page.get_by_role("link", name="AZ-0002").click()
    slip = print_document(page, page.get_by_role("button", name="Create login and print setup slip"),
                          tmp_path / "slip.pdf")
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", _pdf_text(slip)).group(0)
    shot(page, "member-slip-ready")

    # 6. The member sets a password with the code, on a 360 px phone.
    context = browser.new_context(viewport=PHONE, locale="en-GB", service_workers="block")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(base + "/setup")
    phone.locator("#code").fill(code)
    phone.locator("#password").fill("mti mkubwa wa mwembe")
    phone.locator("#confirm").fill("mti mkubwa wa mwembe")
    phone.get_by_role("button", name="Set my password").click()
    # They land on the sign-in page with their username filled in. Wait for
    # it: signing in while that page was still loading raced its answer
    # (the form's token from one page, the session from the other: 400).
    expect(phone).to_have_url(re.compile(r"/login"))
    expect(phone.get_by_label("Username")).to_have_value("az-0002")
    phone.wait_for_load_state("load")
    sign_in(phone, base, "az-0002", "mti mkubwa wa mwembe")

    # 7. Their home, in Swahili (their language), nothing about anyone else.
    expect(phone).to_have_url(re.compile(r"/me$"))
    assert phone.locator("html").get_attribute("lang") == "sw"
    expect(phone.get_by_role("heading", level=1)).to_have_text("Habari, Amani")
    expect(phone.locator("#my-buddy")).to_contain_text("Zawadi")
    expect(phone.locator("#my-consents")).to_contain_text(
        "Ulikubali kwamba kituo kinaweza kukupigia simu")       # their own choice, to them
    expect(phone.get_by_role("heading", name="Ratiba yangu")).to_be_visible()
    assert "Mwende" not in phone.content()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the home page scrolls sideways on a phone"
    shot(phone, "member-home-sw")

    # 8. Quick exit: a neutral page, and the session is over.
    phone.locator("#quick-exit").click()
    expect(phone).to_have_url(re.compile(r"/recipes$"))
    shot(phone, "member-quick-exit")
    phone.goto(base + "/me")
    expect(phone).to_have_url(re.compile(r"/login"))
    context.close()


def test_members_list_live_search_on_phone(live_server, phone, shot):
    with live_server.db():
        make_user("coordinator", username="baraka")
        for name in ("Akinyi", "Neema", "Wanjiku"):
            make_member(preferred_name=name)
    sign_in(phone, live_server.url, "baraka", PASSWORD)
    phone.goto(live_server.url + "/members/")
    expect(phone.locator("#member-results tbody tr")).to_have_count(3)
    phone.locator("#q").fill("nee")
    expect(phone.locator("#member-results tbody tr")).to_have_count(1)
    expect(phone).to_have_url(re.compile(r"q=nee"))
    shot(phone, "members-search")
    phone.goto(live_server.url + "/members/1")
    shot(phone, "member-profile")
