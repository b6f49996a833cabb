"""A coordinator's quarterly report on a phone and on a laptop: open last
quarter's report, drill into one indicator by gender and county, download
the donor report (PDF, rendered to PNG here) and check that no member's
name, phone or code is in any of it."""
import datetime as dt
import subprocess

from playwright.sync_api import expect

from app.reports import periods
from app.rules import today
from tests.browser.conftest import menu_link, sign_in
from tests.factories import PASSWORD, make_user

NAMES = ["Wanjiku Kamau", "Akinyi Otieno", "Njeri Mwangi", "Atieno Ochieng", "Chebet Kibet",
         "Wambui Njoroge", "Nafula Wafula", "Baraka Juma"]


def _setup(live_server):
    from app.members import services as members
    quarter = periods.last_complete("quarter", today())
    forbidden = set()
    with live_server.db():
        make_user("coordinator", username="wairimu")
        for i, name in enumerate(NAMES * 2):
            person = members.create_member({
                "preferred_name": name.split()[0], "legal_name": f"{name} {i}",
                "phone": f"0712 34{i:04d}", "gender": "male" if "Baraka" in name else "female",
                "county": "Kisumu" if i % 3 else "Mombasa",
                "joined_on": quarter.start + dt.timedelta(days=i)})
            forbidden |= {person.code, person.legal_name, person.phone, name.split()[0]}
    return quarter, forbidden


def test_coordinator_reads_drills_down_and_downloads_the_donor_report(
        live_server, any_page, shot, tmp_path, axe):
    page = any_page
    live_server.app.config["REPORTS_INLINE_SECONDS"] = 120
    quarter, forbidden = _setup(live_server)
    sign_in(page, live_server.url, "wairimu", PASSWORD)

    # 1. The report for last quarter.
    menu_link(page, "Reports").click()
    page.get_by_role("link", name=quarter.label()).first.click()
    expect(page.locator("h2.report-period")).to_contain_text(quarter.label())
    card = page.locator(".indicator-card", has_text="Members referred").first
    expect(card.locator(".indicator-value strong")).to_have_text("16")
    trend = card.locator("figure.trend img")
    expect(trend).to_be_visible()
    # The chart has loaded (not a broken image). Waited for with a property
    # check: page.wait_for_function polls by evaluating a string, which the
    # page's CSP (no 'unsafe-eval') refuses whenever the first check is false.
    trend.scroll_into_view_if_needed()     # charts load lazily
    expect(trend).to_have_js_property("complete", True, timeout=30_000)
    assert trend.evaluate("img => img.naturalWidth") > 0
    axe(page)
    shot(page, "report-quarter")

    # 2. Drill into it, by gender, then gender and county.
    card.get_by_role("link", name="Members referred").click()
    page.get_by_role("link", name="Gender", exact=True).click()
    table = page.locator("figure.breakdown table")
    expect(page.get_by_role("row", name="Female")).to_contain_text("14")
    expect(page.get_by_role("row", name="Male", exact=False).filter(
        has_not_text="Female")).to_contain_text("<5")
    page.get_by_role("link", name="County", exact=True).last.click()
    expect(table.locator("caption")).to_contain_text("Gender × County")
    expect(table.locator("tfoot")).to_contain_text("16")
    axe(page)
    shot(page, "report-breakdown")
    page_text = page.locator("main").inner_text()

    # 3. The donor report, as a PDF made by the worker.
    page.get_by_role("link", name="All indicators").click()
    page.locator("details.exports summary").click()
    # (the test worker runs jobs inline: the click waits while the PDF is made)
    page.get_by_role("button", name="Donor report (PDF, English)").click(timeout=120_000)
    expect(page.get_by_text("Ready.")).to_be_visible(timeout=120_000)
    axe(page)                                     # the job page
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    pdf = tmp_path / "donor.pdf"
    download.value.save_as(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "donor")], check=True)
    rendered = list(tmp_path.glob("donor*.png"))
    assert rendered and rendered[0].stat().st_size > 5000
    from pathlib import Path
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / f"donor-report-{page.viewport_size['width']}.png").write_bytes(
        rendered[0].read_bytes())
    pdf_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
    assert "Members referred" in pdf_text and quarter.label() in pdf_text

    # 4. Nobody's name, phone or code anywhere.
    for text in (page_text, pdf_text, page.locator("main").inner_text()):
        leaked = [word for word in forbidden if word in text]
        assert leaked == []
