"""The ledger: applications decided by a second person, disbursement,
repayments, allocation, receipts counted once, reversals, append-only."""
import datetime as dt

import peewee as pw
import pytest

from app.db import db
from app.loans import applications, ledger
from app.loans.models import Installment, LedgerEntry, Loan
from app.rules import today
from tests.factories import make_user
from tests.loans_factories import make_application, make_loan, make_product, on_day, pay
from tests.factories import make_member


def test_the_recorder_cannot_approve_and_the_database_refuses_it_too(conn):
    recorder = make_user("coordinator", "finance")
    loan = make_application(recorder=recorder)
    with pytest.raises(applications.ApplicationError):
        applications.approve(loan, recorder)
    assert Loan.get_by_id(loan.id).status == "applied"
    # Whatever the code does, the row cannot say the recorder decided.
    with pytest.raises(pw.IntegrityError), db.atomic():
        Loan.update(status="approved", decided_by=recorder.id).where(Loan.id == loan.id).execute()
    other = make_user("finance")
    applications.approve(loan, other)
    assert Loan.get_by_id(loan.id).status == "approved"


def test_only_an_active_member_with_consent_can_apply(conn):
    product = make_product()
    for member in (make_member(status="inducting"), make_member(consent=False)):
        with pytest.raises(applications.ApplicationError) as error:
            make_application(member=member, product=product)
        assert error.value.field == "member_code"


def test_amount_and_term_follow_the_product(conn):
    product = make_product(min_amount_cents=100_000, max_amount_cents=1_000_000, min_term=2,
                           max_term=6)
    with pytest.raises(applications.ApplicationError) as error:
        make_application(product=product, amount_cents=2_000_000)
    assert error.value.field == "amount"
    with pytest.raises(applications.ApplicationError) as error:
        make_application(product=product, amount_cents=500_000, term=12)
    assert error.value.field == "term"


def test_guarantors_are_other_active_members_named_by_code(conn):
    member = make_member(status="active")
    first, second = make_member(status="active"), make_member(status="active")
    for codes, why in (([member.code], "own"), (["NOPE-404"], "unknown"),
                       ([make_member(status="exited").code], "not active"),
                       ([make_member(status="active").code for _ in range(4)], "too many")):
        with pytest.raises(applications.ApplicationError) as error:
            make_application(member=member, guarantor_codes=codes)
        assert error.value.field == "guarantors", why
    assert not Loan.select().where(Loan.member == member.id).exists()
    loan = make_application(member=member,
                            guarantor_codes=[f" {second.code.lower()} ", first.code, first.code])
    assert [g.code for g in applications.guarantors_of(loan)] == sorted([first.code,
                                                                        second.code])


def test_every_refused_guarantor_code_gets_the_same_message(conn):
    """Whoever records an application (a mentor, on a phone) cannot probe
    the guarantor field for which codes exist, who is anonymised, who left
    or who has not consented: one message for each, naming only the code
    they typed."""
    from app.members.consent import record_consent
    from app.members.data_rights import anonymise
    member = make_member(status="active")
    gone = make_member(status="active")
    anonymise(gone, gone.code)
    withdrew = make_member(status="active")
    record_consent(withdrew, "processing", False, "verbal", "sw")
    refused = {"unknown": "AZ-9999", "exited": make_member(status="exited").code,
               "inducting": make_member().code, "anonymised": gone.code,
               "no consent": withdrew.code}
    messages = {}
    for why, code in refused.items():
        with pytest.raises(applications.ApplicationError) as error:
            make_application(member=member, guarantor_codes=[code.lower()])
        assert error.value.field == "guarantors", why
        messages[why] = str(error.value.message).replace(code, "<code>")
    assert len(set(messages.values())) == 1, messages
    assert not Loan.select().where(Loan.member == member.id).exists()


def test_one_application_waiting_per_member(conn):
    member = make_member(status="active")
    make_application(member=member)
    with pytest.raises(applications.ApplicationError):
        make_application(member=member)


def test_disbursement_fixes_the_schedule_and_the_ledger_holds_what_is_owed(conn):
    product = make_product(rate_bp=200, fee_cents=50_000)
    loan = make_loan(product=product, amount_cents=1_200_000, term=6)
    assert loan.status == "active" and loan.schedule_version == 1
    kinds = [(e.kind, e.amount_cents) for e in LedgerEntry.select().order_by(LedgerEntry.id)]
    assert kinds == [("disbursement", 1_200_000), ("interest", 144_000), ("fee", 50_000)]
    assert loan.balance_cents == 1_200_000 + 144_000 + 50_000
    assert loan.next_due_cents == 224_000 + 50_000


def test_allocation_pays_fees_then_interest_then_principal_oldest_first(conn):
    product = make_product(rate_bp=200, fee_cents=50_000)
    loan = make_loan(product=product, amount_cents=1_200_000, term=6)
    pay(loan, 100_000)   # the fee 500, then 240 interest, then 260 of principal
    pos = ledger.position(Loan.get_by_id(loan.id))
    assert pos.split(0) == {"penalty": 0, "fee": 50_000, "interest": 24_000, "principal": 26_000}
    pay(loan, 300_000)   # the rest of the first (2,740), then 1,260 of the second
    loan = Loan.get_by_id(loan.id)
    rows = list(Installment.select().order_by(Installment.number))
    assert [(r.state, r.paid_cents) for r in rows[:3]] == [
        ("paid", 274_000), ("due", 126_000), ("due", 0)]
    assert ledger.position(loan).split(1) == {"penalty": 0, "fee": 0, "interest": 24_000,
                                              "principal": 102_000}
    assert loan.principal_outstanding_cents == 1_200_000 - 200_000 - 102_000
    assert loan.balance_cents == 1_394_000 - 400_000
    assert loan.next_due_cents == 224_000 - 126_000


def test_overpayment_pays_the_next_installments_then_is_held_as_credit(conn):
    loan = make_loan(amount_cents=600_000, term=3)
    pay(loan, 250_000)
    loan = Loan.get_by_id(loan.id)
    assert loan.next_due_cents == 150_000 and loan.status == "active"
    pay(loan, 400_000)
    loan = Loan.get_by_id(loan.id)
    assert loan.balance_cents == -50_000 and loan.status == "active"   # credit, until closed


def test_exact_repayment_closes_and_a_reversal_reopens(conn):
    loan = make_loan(amount_cents=300_000, term=3)
    entry = pay(loan, 300_000)
    assert Loan.get_by_id(loan.id).status == "closed"
    ledger.reverse(entry, "Paid to the wrong loan", make_user("finance"))
    loan = Loan.get_by_id(loan.id)
    assert loan.status == "active" and loan.closed_on is None
    assert loan.balance_cents == 300_000


def test_mpesa_receipt_is_counted_once_and_again_only_after_a_reversal(conn):
    loan = make_loan(amount_cents=600_000, term=3)
    first = pay(loan, 100_000, method="mpesa", receipt="qgh7xk2m9p")
    with pytest.raises(ledger.LedgerError) as error:
        pay(loan, 100_000, method="mpesa", receipt="QGH7XK2M9P")
    assert error.value.field == "receipt"
    ledger.reverse(first, "Belongs to another member", make_user("finance"))
    other = make_loan(amount_cents=600_000, term=3)
    pay(other, 100_000, method="mpesa", receipt="QGH7XK2M9P")   # now on the right loan
    with pytest.raises(ledger.LedgerError):
        pay(loan, 100_000, method="mpesa", receipt="QGH7XK2M9P")
    assert Loan.get_by_id(loan.id).paid_cents == 0


def test_an_mpesa_repayment_needs_its_receipt(conn):
    loan = make_loan(amount_cents=300_000, term=3)
    with pytest.raises(ledger.LedgerError) as error:
        pay(loan, 100_000, method="mpesa")
    assert error.value.field == "receipt"


def test_a_resubmitted_form_is_recorded_once(conn):
    loan = make_loan(amount_cents=300_000, term=3)
    actor = make_user("finance")
    payment = ledger.Payment(100_000, today(), "cash", request_key="form-1234")
    first = ledger.record_repayment(loan, payment, actor)
    again = ledger.record_repayment(Loan.get_by_id(loan.id), payment, actor)
    assert first.id == again.id
    assert Loan.get_by_id(loan.id).paid_cents == 100_000


def test_reversal_needs_another_person_a_reason_and_happens_once(conn):
    loan = make_loan(amount_cents=300_000, term=3)
    cashier = make_user("finance")
    entry = pay(loan, 100_000, actor=cashier)
    with pytest.raises(ledger.LedgerError):
        ledger.reverse(entry, "typo", cashier)
    other = make_user("finance")
    with pytest.raises(ledger.LedgerError) as error:
        ledger.reverse(entry, "  ", other)
    assert error.value.field == "reason"
    undo = ledger.reverse(entry, "Typed the wrong amount", other)
    assert undo.reverses_id == entry.id and undo.amount_cents == entry.amount_cents
    with pytest.raises(ledger.LedgerError):
        ledger.reverse(entry, "again", make_user("finance"))
    with pytest.raises(ledger.LedgerError):
        ledger.reverse(undo, "undo the undo", make_user("finance"))
    assert Loan.get_by_id(loan.id).balance_cents == 300_000


def test_the_database_refuses_to_change_or_delete_a_repayment(conn):
    loan = make_loan(amount_cents=300_000, term=3)
    entry = pay(loan, 100_000)
    for change in (lambda: LedgerEntry.update(amount_cents=1).where(LedgerEntry.id == entry.id),
                   lambda: LedgerEntry.update(value_on=dt.date(2020, 1, 1)).where(
                       LedgerEntry.id == entry.id),
                   lambda: LedgerEntry.delete().where(LedgerEntry.id == entry.id)):
        with pytest.raises(pw.IntegrityError), db.atomic():
            change().execute()
    assert LedgerEntry.get_by_id(entry.id).amount_cents == 100_000
    # free text may be blanked (anonymisation)
    LedgerEntry.update(reference="").where(LedgerEntry.id == entry.id).execute()


def test_the_database_refuses_negative_amounts_and_unknown_kinds(conn):
    loan = make_loan(amount_cents=300_000, term=3)
    for fields in ({"kind": "repayment", "amount_cents": -100},
                   {"kind": "repayment", "amount_cents": 0},
                   {"kind": "gift", "amount_cents": 100}):
        with pytest.raises(pw.IntegrityError), db.atomic():
            LedgerEntry.create(loan=loan.id, value_on=today(), **fields)


def test_repayment_dates_are_checked(conn):
    loan = make_loan(amount_cents=300_000, term=3)
    for day in (today() + dt.timedelta(days=1), today() - dt.timedelta(days=1)):
        with pytest.raises(ledger.LedgerError) as error:
            pay(loan, 100_000, on=day)
        assert error.value.field == "paid_on"


def test_balance_is_always_the_sum_of_the_ledger(conn):
    day = today() - dt.timedelta(days=200)
    loan = make_loan(paid_on=day, product=make_product(rate_bp=300, interest_method="declining",
                                                       fee_cents=20_000),
                     amount_cents=2_345_678, term=7)
    finance = make_user("finance")
    entries = [pay(loan, amount, on=day + dt.timedelta(days=days), actor=finance)
               for amount, days in ((100_000, 20), (777_777, 50), (5, 60), (400_000, 120))]
    ledger.reverse(entries[1], "bounced", make_user("finance"))
    loan = Loan.get_by_id(loan.id)
    signed = sum(ledger.sign(e.kind, e.reverses_id is not None) * e.amount_cents
                 for e in LedgerEntry.select().where(LedgerEntry.loan == loan.id))
    assert loan.balance_cents == signed == ledger.sums(loan.id).balance
    with on_day(today()):
        assert ledger.position(loan).total_due - loan.paid_cents == loan.balance_cents
