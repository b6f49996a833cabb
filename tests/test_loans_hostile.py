"""Hostile input, generated: every field of the module's forms and its
query arguments get arbitrary text; the answer is never a 500, and a 422
writes nothing."""
import string

from hypothesis import HealthCheck, given, settings, strategies as st

from app.loans.models import Business, BusinessFigure, ChangeRequest, LedgerEntry, Loan, LoanProduct
from tests.factories import app_db, make_user, PASSWORD
from tests.loans_factories import make_loan
from tests.mentorship_factories import make_pairing

TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "1e9", "99999999999999", "1,500.50", "KSh 1,500", "NaN",
                     "2026-02-30", "0000-01-01", "9999-12-31", "AZ-0001", "az0001l1", "' OR 1=1",
                     "<script>", "=cmd", "\x00", "１２３"]),
    st.text(alphabet=string.digits + ".-,", max_size=14))
FIELDS = {
    "apply": ["member_code", "product", "amount", "term", "purpose", "business", "guarantors",
              "share_with_mentor", "action"],
    "repay": ["amount", "paid_on", "method", "receipt", "reference", "request_key"],
    "disburse": ["paid_on", "method", "reference"],
    "reschedule": ["term", "frequency", "first_due_on", "reason"],
    "product": ["name", "interest_method", "rate", "frequency", "min_term", "max_term",
                "min_amount", "max_amount", "grace_periods", "fee", "penalty",
                "penalty_after_days", "allocation_order"],
    "business": ["name", "sector", "status", "started_on", "employees", "description",
                 "public_contact", "member_code"],
    "figures": ["month", "revenue", "profit", "employees"],
}


def _counts():
    return tuple(model.select().count() for model in (
        Loan, LedgerEntry, LoanProduct, Business, BusinessFigure, ChangeRequest))


def _setup(app, client):
    with app_db(app):
        finance = make_user("finance", "coordinator", "mentor", username="hostile")
        loan = make_loan(amount_cents=600_000, term=3)
        make_pairing(mentor=finance, member=loan.member)
        business = Business.create(member=loan.member_id, name="Shop")
    client.post("/login", data={"username": "hostile", "password": PASSWORD})
    return {"apply": "/loans/apply", "repay": f"/loans/{loan.id}/repayments",
            "disburse": f"/loans/{loan.id}/disburse",
            "reschedule": f"/loans/{loan.id}/reschedule", "product": "/loans/products/new",
            "business": "/businesses/new", "figures": f"/businesses/{business.id}/figures"}


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(form=st.sampled_from(sorted(FIELDS)), data=st.data())
def test_posted_fields_never_500_and_422_writes_nothing(app, client, form, data):
    if not hasattr(app, "_hostile_urls"):
        app._hostile_urls = _setup(app, client)
    values = {field: data.draw(TEXT, label=field) for field in FIELDS[form]}
    with app_db(app):
        before = _counts()
    response = client.post(app._hostile_urls[form], data=values)
    assert response.status_code in (200, 303, 404, 409, 422), (form, values, response.status_code)
    if response.status_code == 422:
        with app_db(app):
            assert _counts() == before, (form, values)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/loans/", "/loans/portfolio", "/businesses/",
                             "/businesses/directory", "/loans/apply"]),
       args=st.dictionaries(st.sampled_from(["q", "status", "page", "as_of", "sector",
                                             "member_code"]), TEXT, max_size=3))
def test_query_arguments_never_500(app, client, path, args):
    if not hasattr(app, "_hostile_urls"):
        app._hostile_urls = _setup(app, client)
    response = client.get(path, query_string=args)
    assert response.status_code in (200, 422), (path, args, response.status_code)
