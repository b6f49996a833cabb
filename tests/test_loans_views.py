"""Loans pages: who may use each route, object-level scoping (IDOR), the
application -> decision -> payout -> repayment flow over HTTP, bad input
(422 with the field named, nothing written), CSV exports."""
import csv
import datetime as dt
import io
import re

import pytest

from app.loans.models import Business, LedgerEntry, Loan, StatementImport
from app.mentorship.models import Pairing
from app.rules import today
from tests.conftest import parse_html as html
from tests.factories import PASSWORD, app_db, make_user
from tests.loans_factories import make_application, make_loan, pay
from tests.factories import make_member

# Every route of the module and the capability it needs (the route inventory).
ROUTES = {
    "loans.index": "loans.view", "loans.show": "loans.view", "loans.apply": "loans.apply",
    "loans.ledger_view": "loans.book", "loans.schedule_view": "loans.view",
    "loans.changes_view": "loans.view",
    "loans.decide": "loans.decide", "loans.withdraw": "loans.view",
    "loans.disburse": "loans.decide", "loans.repay": "loans.decide",
    "loans.settle": "loans.decide", "loans.reverse": "loans.decide",
    "loans.close": "loans.decide", "loans.propose_reschedule": "loans.propose",
    "loans.propose_write_off": "loans.propose", "loans.decide_request": "loans.decide",
    "loans.add_note": "loans.view", "loans.sharing": "loans.view",
    "loans.statement": "loans.view", "loans.portfolio_page": "loans.book",
    "loans.visits": "loans.visits", "loans.export_book": "loans.export",
    "loans.export_ledger": "loans.export", "loans.import_upload": "loans.decide",
    "loans.import_show": "loans.decide", "loans.import_assign": "loans.decide",
    "loans.import_confirm": "loans.decide", "loans.import_cancel": "loans.decide",
    "loans.unassigned": "loans.decide", "loans.assign_waiting": "loans.decide",
    "loans.dismiss_waiting": "loans.decide", "loans.product_list": "loans.products",
    "loans.product_form": "loans.products", "loans.business_list": "businesses.manage",
    "loans.new_business": "businesses.manage", "loans.business": "businesses.manage",
    "loans.edit_business": "businesses.manage", "loans.add_figures": "businesses.manage",
    "loans.directory": "businesses.directory", "loans.my_loans": "loans.own",
    "loans.my_statement": "loans.own", "loans.my_figures": "loans.own",
}


def member_login(app, client, member, language="en"):
    """Give the member a login (as create_account links one) and sign in."""
    from app.members.models import Member
    with app_db(app):
        user = make_user("member", language=language)
        Member.update(user=user.id).where(Member.id == member.id).execute()
    assert client.post("/login", data={"username": user.username,
                                       "password": PASSWORD}).status_code == 303
    return user


def errors(response):
    return {e.get("id", "").removesuffix("-error"): e.get_text(" ", strip=True)
            for e in html(response).select(".field-error")}


def test_route_inventory(app):
    declared = {rule.endpoint: app.view_functions[rule.endpoint].access_rule
                for rule in app.url_map.iter_rules() if rule.endpoint.startswith("loans.")}
    assert set(declared) == set(ROUTES)
    for endpoint, capability in ROUTES.items():
        assert declared[endpoint] == ("requires", (capability,)), endpoint


def _urls(app, loan_id, business_id, batch_id):
    values = {"loan_id": loan_id, "account_id": loan_id, "business_id": business_id, "batch_id": batch_id,
              "entry_id": 1, "request_id": 1, "line_id": 1, "product_id": 1,
              "decision": "approve"}
    with app.test_request_context():
        from flask import url_for
        out = []
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("loans."):
                args = {k: values[k] for k in rule.arguments}
                out.append((rule.endpoint, "POST" if "POST" in rule.methods and
                            "GET" not in rule.methods else "GET", url_for(rule.endpoint, **args)))
        return out


def url_rule_args(app, endpoint):
    return next(rule.arguments for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)


def test_anonymous_is_sent_to_login_and_a_counsellor_sees_nothing_of_loans(app, client, login_as):
    with app_db(app):
        loan = make_loan()
        business = Business.create(member=loan.member_id, name="Shop")
    urls = _urls(app, loan.id, business.id, "00000000-0000-0000-0000-000000000000")
    for endpoint, method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 303 and "/login" in response.headers["Location"], url
    login_as("counsellor")
    for endpoint, method, url in urls:
        if endpoint == "loans.directory":
            continue
        assert client.open(url, method=method).status_code == 403, url


def test_a_mentor_sees_only_their_mentees_loans_and_no_amounts_unless_shared(app, client,
                                                                             login_as):
    mentor = login_as("mentor")
    with app_db(app):
        mine = make_loan(amount_cents=654_300, term=3)
        shared = make_loan(amount_cents=777_700, term=3, share_with_mentor=True)
        theirs = make_loan(amount_cents=888_800, term=3)
        for loan in (mine, shared):
            Pairing.create(mentee=loan.member_id, mentor=mentor.id, status="active")
    listing = client.get("/loans/").data.decode()
    assert mine.account_ref in listing and theirs.account_ref not in listing
    assert "6,543.00" not in listing and "7,777.00" in listing
    page = client.get(f"/loans/{mine.id}")
    assert page.status_code == 200 and "6,543.00" not in page.data.decode()
    assert "ledger" not in {s.get("id") for s in html(page).select("section")}
    assert client.get(f"/loans/{theirs.id}").status_code == 404
    assert client.post(f"/loans/{theirs.id}/notes", data={"text": "x"}).status_code == 404
    # Every URL of a loan a mentor may open at all: another mentor's mentee is not found.
    for endpoint, method, url in _urls(app, theirs.id, 1, "0" * 32):
        if ROUTES[endpoint] == "loans.view" and "loan_id" in url_rule_args(app, endpoint):
            assert client.open(url, method=method).status_code == 404, url
    assert client.get(f"/loans/{mine.id}/changes").status_code == 404   # amounts: finance's
    assert client.get(f"/loans/{mine.id}/schedule").status_code == 404  # amounts: not shared
    assert len(html(client.get(f"/loans/{shared.id}/schedule")).select(
        ".schedule-table tbody tr")) == 3


def test_a_loan_found_by_id_keeps_the_rule_of_visible_loans(app):
    """visible_loan_in_full (the loan page's and every loan action's lookup,
    a prepared query) finds exactly the loans visible_loans lists."""
    from app.loans.scope import visible_loan_in_full, visible_loans
    with app_db(app):
        users = [make_user(role) for role in ("finance", "coordinator", "mentor", "counsellor")]
        mine, theirs = make_loan(term=3), make_loan(term=3, share_with_mentor=True)
        Pairing.create(mentee=mine.member_id, mentor=users[2].id, status="active")
        for user in users:
            for loan in (mine, theirs):
                found = visible_loan_in_full(user, loan.id)
                assert (found is not None) == visible_loans(user).where(Loan.id == loan.id).exists()
                if found is not None:
                    full = Loan.get_by_id(loan.id)
                    assert found.__data__ == full.__data__
                    assert (found.member.id, found.member.code, found.member.preferred_name) == (
                        full.member.id, full.member.code, full.member.preferred_name)
                    assert found.product.name == full.product.name
        assert [visible_loan_in_full(user, mine.id) is not None for user in users] == [
            True, True, True, False]
        assert [visible_loan_in_full(user, theirs.id) is not None for user in users] == [
            True, True, False, False]
        assert visible_loan_in_full(users[0], theirs.id + 1000) is None


def test_the_loan_book_lists_what_visible_loans_holds_for_each_filter(app):
    """book.list_page (prepared queries, one per filter and scope) lists,
    for each user and filter, exactly the loans of visible_loans that the
    filter selects, newest first, with the count."""
    from app.loans import book
    from app.loans.scope import visible_loans
    from app.members.models import Member
    with app_db(app):
        users = [make_user(role) for role in ("finance", "coordinator", "mentor")]
        loans = [make_loan(term=3), make_loan(term=3, paid_on=today() - dt.timedelta(days=60)),
                 make_application(), make_application(member_fields={"preferred_name": "50%_x"})]
        Pairing.create(mentee=loans[1].member_id, mentor=users[2].id, status="active")
        Pairing.create(mentee=loans[2].member_id, mentor=users[2].id, status="active")
        named = loans[3].member.preferred_name
        for user in users:
            for status in ("", "waiting", "behind", "active", "applied", "closed"):
                for q in ("", named, "%", "_", loans[0].account_ref.lower(), loans[1].member.code):
                    query = visible_loans(user)
                    if status == "waiting":
                        query = query.where(Loan.status.in_(("applied", "approved")))
                    elif status == "behind":
                        query = query.where((Loan.status == "active")
                                            & (Loan.first_unpaid_on < today()))
                    elif status:
                        query = query.where(Loan.status == status)
                    if q:
                        plain = "".join(c for c in q if c.isalnum()).upper()
                        query = query.where(Member.code.contains(q)
                                            | Member.preferred_name.contains(q)
                                            | (Loan.account_ref == plain))
                    order = ([Loan.first_unpaid_on, Loan.id] if status == "behind"
                             else [Loan.id.desc()])
                    expected = [loan.id for loan in query.order_by(*order)]
                    page = book.list_page(user, status, q)
                    assert [r.id for r in page["rows"]] == expected, (user.username, status, q)
                    assert page["total"] == len(expected)
        assert [r.id for r in book.list_page(users[2])["rows"]] == [loans[2].id, loans[1].id]
        assert [r.id for r in book.list_page(users[0], "", "%")["rows"]] == [loans[3].id]
        row = book.list_page(users[0], "", loans[0].account_ref)["rows"][0]
        assert (row.member_code, row.product_name) == (loans[0].member.code,
                                                        loans[0].product.name)


def test_a_coordinator_sees_applications_and_statuses_not_the_ledger_nor_others_notes(
        app, client, login_as):
    with app_db(app):
        loan = make_loan(amount_cents=500_000, term=5)
        from app.loans import book
        book.add_note(loan, "Finance only: spoke to the bank", make_user("finance"))
    login_as("coordinator")
    page = client.get(f"/loans/{loan.id}").data.decode()
    assert "5,000.00" in page and "Finance only" not in page
    assert 'id="ledger"' not in page and 'id="repay"' not in page
    assert client.post(f"/loans/{loan.id}/repayments", data={}).status_code == 403


def test_idor_other_users_import_and_another_members_statement(app, client, login_as):
    with app_db(app):
        owner = make_user("finance")
        batch = StatementImport.create(owner=owner.id, filename="x.csv", status="checked")
        member = make_member(status="active")
        other_loan = make_loan(amount_cents=300_000, term=3)
    login_as("finance")
    assert client.get(f"/loans/imports/{batch.id}").status_code == 404
    assert client.post(f"/loans/imports/{batch.id}/confirm").status_code == 404
    client.post("/logout")
    member_login(app, client, member)
    assert client.post(f"/me/money/{other_loan.id}/statement").status_code == 404
    assert client.get(f"/loans/{other_loan.id}").status_code == 403


def _apply_form(member, **fields):
    data = {"member_code": member.code, "product": "1", "amount": "12000", "term": "6",
            "purpose": "Sewing machine", "business": "0", "guarantors": "",
            "action": "record"}
    data.update(fields)
    return data


@pytest.mark.parametrize("field, value, says", [
    ("amount", "KSh 1,500.50", "digits only"),
    ("amount", "1,500", "digits only"),
    ("amount", "-500", "negative"),
    ("amount", "", "required"),
    ("term", "0", "installments"),
    ("term", "x", "installments"),
    ("member_code", "AZ-9999", "No member"),
    ("purpose", "", "required"),
])
def test_bad_input_is_refused_with_the_field_named_and_nothing_written(app, client, login_as,
                                                                       field, value, says):
    login_as("coordinator")
    with app_db(app):
        member = make_member(status="active")
    response = client.post("/loans/apply", data=_apply_form(member, **{field: value}))
    assert response.status_code == 422
    found = errors(response)
    assert field in found and says.lower() in found[field].lower(), found
    with app_db(app):
        assert Loan.select().count() == 0


def test_preview_writes_nothing_and_record_needs_a_second_person(app, client, login_as):
    recorder = login_as("coordinator", "finance")
    with app_db(app):
        member = make_member(status="active")
        guarantor = make_member(status="active", preferred_name="Wanjiru")
    bad = client.post("/loans/apply", data=_apply_form(member, guarantors=member.code))
    assert bad.status_code == 422 and "guarantors" in errors(bad)
    preview = client.post("/loans/apply", data=_apply_form(member, action="preview"))
    assert preview.status_code == 200 and html(preview).select("#preview table tbody tr")
    with app_db(app):
        assert Loan.select().count() == 0
    response = client.post("/loans/apply", data=_apply_form(member, guarantors=guarantor.code))
    assert response.status_code == 303
    loan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert "Wanjiru" in client.get(f"/loans/{loan_id}").get_data(as_text=True)
    refused = client.post(f"/loans/{loan_id}/approve", data={"reason": ""})
    assert refused.status_code == 422 and "another finance officer" in refused.data.decode()
    with app_db(app):
        assert Loan.get_by_id(loan_id).status == "applied"
    assert recorder


def test_finance_sees_an_application_with_both_decision_and_withdraw_forms(app, client, login_as):
    """The decision and withdraw forms both have a reason: one id each (the
    page check fails on a duplicate id; it did on id="reason")."""
    with app_db(app):
        loan = make_application()
    login_as("finance")
    page = client.get(f"/loans/{loan.id}")
    assert page.status_code == 200
    assert html(page).select_one("#reason") and html(page).select_one("#withdraw_reason")
    refused = client.post(f"/loans/{loan.id}/withdraw", data={"reason": ""})
    assert refused.status_code == 422 and "withdraw_reason" in errors(refused)


def test_finance_approves_pays_out_records_and_a_colleague_reverses(app, client, login_as):
    with app_db(app):
        loan = make_application(amount_cents=600_000, term=3)
    login_as("finance")
    assert client.post(f"/loans/{loan.id}/approve", data={"reason": ""}).status_code == 303
    bad = client.post(f"/loans/{loan.id}/disburse",
                      data={"paid_on": "2199-01-01", "method": "mpesa", "reference": ""})
    assert bad.status_code == 422 and "paid_on" in errors(bad)
    assert client.post(f"/loans/{loan.id}/disburse", data={
        "paid_on": today().isoformat(), "method": "mpesa", "reference": "QPO1234567"}
    ).status_code == 303
    form = {"amount": "1000", "paid_on": today().isoformat(), "method": "mpesa",
            "receipt": "qab1234567", "reference": "", "request_key": "k-1"}
    assert client.post(f"/loans/{loan.id}/repayments", data=form).status_code == 303
    again = client.post(f"/loans/{loan.id}/repayments", data={**form, "request_key": "k-2"})
    assert again.status_code == 422 and "receipt" in errors(again)
    with app_db(app):
        entry = LedgerEntry.get(LedgerEntry.kind == "repayment")
        assert Loan.get_by_id(loan.id).paid_cents == 100_000
    mine = client.post(f"/loans/{loan.id}/entries/{entry.id}/reverse", data={"reason": "x"})
    assert mine.status_code == 422
    client.post("/logout")
    login_as("finance")
    assert client.post(f"/loans/{loan.id}/entries/{entry.id}/reverse",
                       data={"reason": "Wrong member"}).status_code == 303
    with app_db(app):
        assert Loan.get_by_id(loan.id).paid_cents == 0


def test_exports_neutralise_formulas_and_are_audited(app, client, login_as):
    with app_db(app):
        member = make_member(status="active", preferred_name="=cmd|' /C calc'!A0")
        loan = make_loan(member=member, amount_cents=300_000, term=3)
        pay(loan, 100_000)
        LedgerEntry.update(reference="=HYPERLINK(\"http://evil\")").where(
            LedgerEntry.kind == "repayment").execute()
    login_as("finance")
    rows = list(csv.reader(io.StringIO(client.get("/loans/export/ledger.csv").data.decode())))
    assert any(cell == "'=HYPERLINK(\"http://evil\")" for row in rows for cell in row)
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    book = client.get("/loans/export/book.csv").data.decode()
    assert loan.account_ref in book
    from app.audit import AuditEvent
    with app_db(app):
        assert AuditEvent.select().where(AuditEvent.action == "loans.exported").count() == 2


def test_statement_import_over_http(app, client, login_as):
    from pathlib import Path
    with app_db(app):
        wanjiku = make_member(status="active", phone="0712 345001")
        amina = make_member(status="active", phone="0712 345002")
        make_loan(paid_on=dt.date(2026, 10, 1), member=wanjiku, amount_cents=600_000, term=6)
        make_loan(paid_on=dt.date(2026, 10, 1), member=amina, amount_cents=600_000, term=6)
    login_as("finance")
    data = (Path(__file__).parent / "fixtures" / "mpesa_statement.csv").read_bytes()
    response = client.post("/loans/imports", data={"file": (io.BytesIO(data), "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "Nothing has been recorded yet." in page.data.decode()
    batch_id = response.headers["Location"].rsplit("/", 1)[1]
    assert client.post(f"/loans/imports/{batch_id}/confirm").status_code == 303
    done = client.get(f"/loans/imports/{batch_id}")
    assert html(done).select_one("#import-done")
    with app_db(app):
        assert LedgerEntry.select().where(LedgerEntry.kind == "repayment").count() == 2
    empty = client.post("/loans/imports", data={"file": (io.BytesIO(b""), "s.csv")},
                        content_type="multipart/form-data")
    assert empty.status_code == 422


def test_member_sees_next_payment_discreetly_in_swahili(app, client, login_as):
    with app_db(app):
        member = make_member(status="active")
        loan = make_loan(member=member, amount_cents=300_000, term=3)
    member_login(app, client, member, "sw")
    home = client.get("/me")
    section = html(home).select_one("#my-payments")
    assert section is not None and "1,000.00" in section.get_text()
    text = home.data.decode().lower()
    assert "malimbikizo" not in text and "arrears" not in text and "deni" not in text
    page = client.get("/me/money")
    assert page.status_code == 200 and loan.account_ref in page.data.decode()
    job = client.post(f"/me/money/{loan.id}/statement")
    assert job.status_code == 303 and "/jobs/" in job.headers["Location"]


def test_statement_pdf_is_discreet_and_in_the_members_language(app, pdf_text):
    with app_db(app):
        member = make_member(status="active", language="sw")
        loan = make_loan(member=member, amount_cents=300_000, term=3)
        pay(loan, 100_000)
        from app.loans import statement
        data, name = statement.pdf(loan.id, "sw")
    text = pdf_text(data)
    assert "Taarifa ya malipo" in text and name.startswith("taarifa-ya-malipo")
    assert not re.search(r"arrears|malimbikizo|overdue|deni", text, re.I)


def test_a_mentor_cannot_tell_unknown_guarantor_codes_from_refused_members(app, client,
                                                                         login_as):
    mentor = login_as("mentor")
    with app_db(app):
        mentee = make_member(status="active")
        Pairing.create(mentee=mentee.id, mentor=mentor.id, status="active")
        exited = make_member(status="exited")
    said = []
    for code in ("AZ-9999", exited.code):
        response = client.post("/loans/apply", data=_apply_form(mentee, guarantors=code))
        assert response.status_code == 422
        said.append(errors(response)["guarantors"].replace(code, "<code>"))
    assert said[0] == said[1]
    with app_db(app):
        assert Loan.select().count() == 0


def test_idor_businesses_of_other_members(app, client, login_as):
    mentor = login_as("mentor")
    with app_db(app):
        mentee = make_member(status="active")
        other = make_member(status="active")
        Pairing.create(mentee=mentee.id, mentor=mentor.id, status="active")
        mine = Business.create(member=mentee.id, name="Mentee Shop")
        theirs = Business.create(member=other.id, name="Other Shop")
    assert client.get(f"/businesses/{mine.id}").status_code == 200
    for url in (f"/businesses/{theirs.id}", f"/businesses/{theirs.id}/edit"):
        assert client.get(url).status_code == 404
    figures = {"month": "2026-10", "revenue": "1000", "profit": "100", "employees": "1"}
    assert client.post(f"/businesses/{theirs.id}/figures", data=figures).status_code == 404
    assert "Other Shop" not in client.get("/businesses/").data.decode()
    client.post("/logout")
    member_login(app, client, mentee)
    assert client.post(f"/me/businesses/{theirs.id}/figures", data=figures).status_code == 404
    assert client.post(f"/me/businesses/{mine.id}/figures", data=figures).status_code == 303
    bad = client.post(f"/me/businesses/{mine.id}/figures",
                      data={**figures, "revenue": "1,000"})
    assert bad.status_code == 422 and "revenue" in errors(bad)


def test_changes_and_early_repayment_pages(app, client, login_as):
    with app_db(app):
        loan = make_loan(amount_cents=600_000, term=3)
    login_as("coordinator")
    page = client.get(f"/loans/{loan.id}/changes")
    assert page.status_code == 200 and html(page).select_one("#write-off-h")
    empty = client.post(f"/loans/{loan.id}/write-off", data={"reason": " "})
    assert empty.status_code == 422 and "write_off_reason" in errors(empty)
    assert client.post(f"/loans/{loan.id}/write-off",
                       data={"reason": "She moved to Uganda"}).status_code == 303
    assert client.get(f"/loans/{loan.id}/settle").status_code == 403
    client.post("/logout")
    login_as("finance")
    loan_page = client.get(f"/loans/{loan.id}").data.decode()
    assert "A change waits for a decision" in loan_page
    with app_db(app):
        from app.loans.models import ChangeRequest
        request = ChangeRequest.get(ChangeRequest.loan == loan.id)
    assert client.post(f"/loans/{loan.id}/requests/{request.id}/reject",
                       data={"note": ""}).status_code == 422
    assert client.post(f"/loans/{loan.id}/requests/{request.id}/reject",
                       data={"note": "We agreed a smaller installment instead"}
                       ).status_code == 303
    settle = client.get(f"/loans/{loan.id}/settle")
    assert settle.status_code == 200 and "6,000.00" in settle.data.decode()
    short = client.post(f"/loans/{loan.id}/settle", data={
        "amount": "100", "paid_on": today().isoformat(), "method": "cash", "receipt": "",
        "reference": "", "request_key": "s-1"})
    assert short.status_code == 422 and "amount" in errors(short)
    assert client.post(f"/loans/{loan.id}/settle", data={
        "amount": "6000", "paid_on": today().isoformat(), "method": "cash", "receipt": "",
        "reference": "R1", "request_key": "s-2"}).status_code == 303
    with app_db(app):
        assert Loan.get_by_id(loan.id).status == "closed"
    ledger_page = client.get(f"/loans/{loan.id}/ledger")
    assert ledger_page.status_code == 200 and len(html(ledger_page).select("tbody tr")) >= 2


def test_the_visit_list_shows_a_phone_only_with_contact_consent(app, client, login_as):
    with app_db(app):
        from app.members import services
        agreed = make_member(status="active", phone="0722 111222", preferred_name="Agreed")
        services.record_consent(agreed, "contact", True, "signed", "sw")
        silent = make_member(status="active", phone="0733 444555", preferred_name="Silent")
        for member in (agreed, silent):
            make_loan(paid_on=today() - dt.timedelta(days=40), member=member,
                      amount_cents=300_000, term=3)
    login_as("finance")
    page = client.get("/loans/visits").data.decode()
    assert "Agreed" in page and "Silent" in page
    assert "0722 111222" in page and "0733 444555" not in page
    assert "arrears" not in page.lower()


def test_a_decision_already_taken_is_said_not_swallowed(app, client, login_as):
    with app_db(app):
        loan = make_application(amount_cents=600_000, term=3)
        from app.loans import applications
        applications.approve(loan, make_user("finance"))
    login_as("finance")
    response = client.post(f"/loans/{loan.id}/approve", data={"reason": ""})
    assert response.status_code == 422
    assert "already decided" in html(response).select_one(".form-error").get_text()


def test_finance_dashboard_panel_shows_the_book_at_a_glance(app, client, login_as):
    from tests.loans_factories import on_day
    on = dt.date(2026, 11, 20)
    with app_db(app):
        with on_day(on):
            fresh = make_loan(paid_on=dt.date(2026, 11, 2), amount_cents=600_000, term=3)
            pay(fresh, 100_000, dt.date(2026, 11, 3))
            make_loan(paid_on=dt.date(2026, 8, 3), amount_cents=300_000, term=3)  # 78 days behind
            make_application(amount_cents=200_000, term=2)
    login_as("finance")
    with on_day(on):
        page = client.get("/")
    panel = html(page).select_one("#panel-loans_finance")
    assert panel is not None, page.data.decode()[:500]
    facts = dict(zip((dt_.get_text(strip=True) for dt_ in panel.select("dt")),
                     (dd.get_text(" ", strip=True) for dd in panel.select("dd"))))
    assert facts["Outstanding principal"] == "KES 8,000.00"
    assert facts["PAR 30"] == "37.5 %"                      # 3,000 of 8,000 over 30 days late
    assert facts["Paid out this month"] == "KES 6,000.00 (1)"
    assert facts["Repaid this month"] == "KES 1,000.00"
    assert facts["Applications waiting"] == "1"
    client.post("/logout")
    login_as("coordinator")
    assert not html(client.get("/")).select_one("#panel-loans_finance")


def test_a_statement_being_checked_shows_its_progress_and_polls(app, client, login_as):
    from app.jobs.models import Job
    from app.loans import imports
    user = login_as("finance")
    with app_db(app):
        batch = StatementImport.create(owner=user.id, filename="big.csv", status="checking")
        job = Job.create(kind="statement_check", owner=user.id, status="running", progress=40)
        imports.set_job(batch, job)
    page = html(client.get(f"/loans/imports/{batch.id}"))
    bar = page.select_one("#import-status progress")
    assert bar is not None and bar["value"] == "40" and bar["max"] == "100"
    assert page.select_one("#import-status")["hx-trigger"] == "every 1s"
    with app_db(app):
        Job.update(status="done", progress=100).where(Job.id == job.id).execute()
        StatementImport.update(status="checked").where(StatementImport.id == batch.id).execute()
    page = html(client.get(f"/loans/imports/{batch.id}"))
    assert page.select_one("#import-status progress") is None
    assert not page.select_one("#import-status").has_attr("hx-trigger")


def test_the_audit_export_neutralises_formulas_too(app, client, login_as):
    from app.audit import AuditEvent
    login_as("admin")
    with app_db(app):
        AuditEvent.create(action="member.updated", actor_username="@someone",
                          summary='=HYPERLINK("http://example.invalid")')
    text = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and "'@someone" in text


def test_the_loan_page_shows_installments_still_to_pay_and_links_the_whole_schedule(
        app, client, login_as):
    """A key page whose cost does not grow with the loan: at most 12
    installments still to pay, how many more, and the whole schedule (paid
    ones too) one link away."""
    with app_db(app):
        loan = make_loan(amount_cents=1_500_000, term=15)
        pay(loan, 100_000)                                   # the first installment, in full
    login_as("finance")
    page = html(client.get(f"/loans/{loan.id}"))
    rows = page.select("#schedule .schedule-table tbody tr")
    assert len(rows) == 12 and rows[0].td.get_text() == "2"
    schedule = page.select_one("#schedule")
    assert "2 more installments to pay" in schedule.get_text(" ", strip=True)
    link = schedule.find("a", href=f"/loans/{loan.id}/schedule")
    whole = html(client.get(link["href"])).select(".schedule-table tbody tr")
    assert [r.td.get_text() for r in whole] == [str(n) for n in range(1, 16)]
    assert "Paid" in whole[0].get_text()


def test_the_home_page_lists_the_loan_due_next_first(conn):
    from app.loans import book
    member = make_member(status="active")
    first, second = make_loan(member=member), make_loan(member=member)
    Loan.update(next_due_on=today() + dt.timedelta(days=9)).where(Loan.id == first.id).execute()
    Loan.update(next_due_on=today() + dt.timedelta(days=2)).where(Loan.id == second.id).execute()
    assert [loan.id for loan in book.next_payments(member)] == [second.id, first.id]


def test_the_list_filters_are_labelled_fields_that_keep_the_choice_or_fall_back(
        app, client, login_as):
    login_as("finance")
    for path, name, good in (("/loans/", "status", "behind"), ("/businesses/", "status", "paused"),
                             ("/businesses/directory", "sector", "tailoring")):
        page = html(client.get(f"{path}?{name}={good}"))
        assert page.select_one(f'label[for="{name}"]'), path
        assert page.select_one(f"select#{name} option[selected]")["value"] == good, path
        fallback = client.get(f"{path}?{name}=nonsense")
        assert fallback.status_code == 200, path
        assert html(fallback).select_one(f"select#{name} option[selected]")["value"] == "", path
    searched = html(client.get("/loans/?q=KL-7"))
    assert searched.select_one('label[for="q"]') and searched.select_one("input#q")["value"] == "KL-7"


def test_in_swahili_a_repaid_loan_does_not_read_as_one_being_repaid(app, client, login_as):
    """"Repaid" was one word for two things: a loan's status when it is
    paid in full, and how a loan is paid back ("6 installments, monthly").
    Its Swahili, "Hulipwa" (it is paid, habitually), fits the second; as a
    status it read like "Inalipwa", a loan still being repaid, so a closed
    loan looked open to finance. The status now says it is paid in full."""
    login_as("finance", language="sw")
    with app_db(app):
        done, running = make_loan(amount_cents=100_000, term=2), make_loan(term=2)
        pay(done, 100_000)                              # repaid to the cent: closed
        assert Loan.get_by_id(done.id).status == "closed"
    closed_page = html(client.get(f"/loans/{done.id}"))
    open_page = html(client.get(f"/loans/{running.id}"))
    facts = {dt_.get_text(strip=True): dt_.find_next("dd").get_text(" ", strip=True)
             for dt_ in closed_page.select("dl.facts dt")}
    assert facts["Imelipwa yote"]                       # the day it was repaid in full
    assert facts["Malipo"].startswith("awamu 2")        # how it is paid back
    assert "Hulipwa" not in closed_page.get_text() + open_page.get_text()
    assert "Inalipwa" in open_page.get_text()
