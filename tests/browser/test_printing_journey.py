"""Printing is one action (#12 'Documents'): a coordinator on a 360 px
phone prints a member's induction pack; the page names it, the PDF opens by
itself when it is ready (once: coming back to the page does not open it
again), and the page links back to the member."""
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_member, make_user


def test_a_coordinator_prints_an_induction_pack_in_one_action(live_server, any_page, shot, axe):
    page = any_page
    with live_server.db():
        make_user("coordinator", username="wanjiru")
        member = make_member(preferred_name="Amani")
    sign_in(page, live_server.url, "wanjiru", PASSWORD)
    page.goto(f"{live_server.url}/members/{member.id}#induction")
    with page.expect_response(lambda r: "/download?open=1" in r.url) as opened:
        page.get_by_role("button", name="Print induction pack").click()
    pdf = opened.value
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("inline")   # the viewer shows it

    page.wait_for_url("**/download?open=1")     # the tab shows the PDF
    job_url = pdf.url.split("/download")[0]
    page.goto(job_url)                  # coming back: the page, not the PDF again
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Induction pack · {member.code}")
    expect(page.get_by_role("button", name="Open the PDF")).to_be_visible()
    page.wait_for_timeout(500)
    assert page.url == job_url
    axe(page)
    shot(page, "printing-ready")
    page.get_by_role("link", name=f"← Back to {member.code}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.code)
