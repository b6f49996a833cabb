"""A microloan as people make it: a mentor records her mentee's application
on a 360 px phone; the finance officer approves it at 1280 px and pays it
out; an M-Pesa statement import matches two repayments (one by the account
number, one by the phone); the member sees her next payment on /me, in
Swahili, without a word about arrears."""
from playwright.sync_api import expect

from app.clock import today
from tests.browser.conftest import DESKTOP, menu_link, _page, sign_in
from tests.factories import PASSWORD, make_member, make_user
from tests.mentorship_factories import make_mentor, make_pairing


def _setup(live_server):
    with live_server.db():
        mentor = make_mentor(username="akinyi")
        user = make_user("member", username="az0001", language="sw")
        member = make_member(preferred_name="Zawadi", phone="0712 345001", status="active",
                             user=user)
        make_pairing(mentor=mentor, member=member)
        make_user("finance", username="esther")
        return member, user


def _statement(ref: str) -> bytes:
    day = today().isoformat()
    return ("Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance\n"
            f"TJA1B2C3D4,{day} 00:05:10,Pay Bill from 254799000000 - Z Acc. {ref},Completed,"
            "\"1,000.00\",,\"9,000.00\"\n"
            f"TJB2C3D4E5,{day} 00:06:20,Pay Bill from 254712345001 - ZAWADI Acc. LOAN,Completed,"
            "500.00,,\"9,500.00\"\n"
            f"TJC3D4E5F6,{day} 00:07:00,Business Charges,Completed,,15.00,\"9,485.00\"\n").encode()


def test_application_approval_payout_import_and_the_members_view(
        live_server, phone, shot, browser, outside_requests, axe):
    member, member_user = _setup(live_server)

    # 1. The mentor, on her phone, records the application with her mentee.
    sign_in(phone, live_server.url, "akinyi", PASSWORD)
    menu_link(phone, "Loans").click()
    phone.get_by_role("button", name="Record an application").click()
    phone.locator("#member_code").fill(member.code)
    phone.get_by_label("Amount (KES)").fill("6000")
    phone.get_by_label("Number of installments").fill("3")
    phone.get_by_label("What the money is for").fill("A sewing machine for her tailoring")
    phone.get_by_role("button", name="Show the schedule").click()
    expect(phone.locator("#preview table tbody tr")).to_have_count(3)
    expect(phone.locator("#preview")).to_contain_text("KES 2,000.00")
    axe(phone)
    shot(phone, "loan-application-preview")
    phone.get_by_role("button", name="Record the application").click()
    expect(phone.locator(".flash-success")).to_contain_text("Application recorded")
    expect(phone.locator(".page-head")).to_contain_text("Waiting for a decision")
    loan_url = phone.url
    ref = phone.get_by_role("heading", level=1).inner_text().strip()
    axe(phone)
    shot(phone, "loan-application-recorded")

    # 2. Finance, at a desk, approves and pays out.
    desk_context, desk = _page(browser, DESKTOP, live_server, outside_requests)
    sign_in(desk, live_server.url, "esther", PASSWORD)
    menu_link(desk, "Loans").click()
    desk.get_by_label("Show").select_option("waiting")
    desk.get_by_role("link", name=ref).click()
    expect(desk.locator("#schedule")).to_contain_text("KES 2,000.00")
    desk.get_by_role("button", name="Approve", exact=True).click()
    expect(desk.locator(".flash-success")).to_contain_text("Approved")
    desk.get_by_label("How").select_option("mpesa")
    desk.get_by_label("M-Pesa or bank reference").fill("QPO1234567")
    desk.get_by_role("button", name="Pay out").click()
    expect(desk.locator(".flash-success")).to_contain_text("Paid out")
    expect(desk.locator(".page-head")).to_contain_text("Being repaid")
    axe(desk)
    shot(desk, "loan-paid-out")

    # 3. The day's M-Pesa statement: two repayments matched.
    desk.goto(f"{live_server.url}/loans/imports")
    desk.get_by_label("M-Pesa statement (CSV)").set_input_files(
        files=[{"name": "statement.csv", "mimeType": "text/csv", "buffer": _statement(ref)}])
    desk.get_by_role("button", name="Check the statement").click()
    expect(desk.locator("#import-status")).to_contain_text("Nothing has been recorded yet.")
    expect(desk.locator(".import-lines tbody tr")).to_have_count(2)
    axe(desk)
    shot(desk, "statement-dry-run")
    desk.get_by_role("button", name="Record 2 repayments").click()
    expect(desk.locator("#import-done")).to_contain_text("2 repayments recorded")
    desk.goto(loan_url)
    expect(desk.locator(".loan-progress")).to_contain_text("KES 1,500.00")   # paid so far
    axe(desk)
    shot(desk, "loan-after-import")
    desk_context.close()

    # 4. The member, on her phone, in Swahili: her next payment.
    phone.context.clear_cookies()
    sign_in(phone, live_server.url, member_user.username, PASSWORD)   # her language: sw
    phone.goto(f"{live_server.url}/me")
    section = phone.locator("#my-payments")
    expect(section).to_contain_text("Malipo yajayo")
    expect(section).to_contain_text("KES 500.00")          # the rest of the first payment
    text = phone.locator("main").inner_text().lower()
    assert "malimbikizo" not in text and "arrears" not in text and "deni" not in text
    axe(phone)
    shot(phone, "member-next-payment-sw")
