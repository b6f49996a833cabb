"""M-Pesa statements: reading their variants, refusing what is not one,
matching, the dry run, confirming once, and importing the same file twice."""
import datetime as dt
from pathlib import Path

import pytest

from app.loans import imports, ledger, statements as St
from app.loans.models import LedgerEntry, Loan, StatementImport, StatementLine
from tests.factories import make_user
from tests.loans_factories import make_loan, pay
from tests.factories import make_member

FIXTURE = Path(__file__).parent / "fixtures" / "mpesa_statement.csv"
PAID_OUT = dt.date(2026, 10, 1)


def _borrowers():
    wanjiku = make_member(status="active", phone="0712 345001")     # AZ-0001
    amina = make_member(status="active", phone="0712 345002", preferred_name="Amina")
    a = make_loan(paid_on=PAID_OUT, member=wanjiku, amount_cents=600_000, term=6)
    b = make_loan(paid_on=PAID_OUT, member=amina, amount_cents=600_000, term=6)
    assert a.account_ref == "AZ0001L1"
    return a, b


def _checked(data: bytes, owner=None):
    owner = owner or make_user("finance")
    batch = imports.store_upload(data, "statement.csv", owner)
    return imports.run_check(batch), owner


def _outcomes(batch):
    return {line.row_number: (line.outcome, line.reason, line.loan_id)
            for line in StatementLine.select().where(StatementLine.batch == batch.id)}


def test_the_sample_statement_dry_run(conn):
    a, b = _borrowers()
    batch, _owner = _checked(FIXTURE.read_bytes())
    assert batch.status == "checked" and not batch.path     # the file is gone
    assert _outcomes(batch) == {
        5: ("matched", "", a.id),                   # by the account reference
        6: ("matched", "", b.id),                   # by the payer's phone
        7: ("unmatched", "no_match", None),
        8: ("unmatched", "phone_hidden", None),
        9: ("refused", "not_completed", None),
        10: ("duplicate", "twice_in_file", None),
        12: ("refused", "bad_amount", None),
    }
    assert LedgerEntry.select().where(LedgerEntry.kind == "repayment").count() == 0
    assert imports.matched_total(batch) == 150_000


def test_confirm_writes_everything_matched_in_one_go_and_the_same_file_again_writes_nothing(conn):
    a, b = _borrowers()
    batch, owner = _checked(FIXTURE.read_bytes())
    assert imports.confirm(batch, owner) == 2
    assert Loan.get_by_id(a.id).paid_cents == 100_000
    assert Loan.get_by_id(b.id).paid_cents == 50_000
    line = StatementLine.get((StatementLine.batch == batch.id) & (StatementLine.row_number == 5))
    assert line.outcome == "imported" and line.details == ""        # payer details gone
    with pytest.raises(imports.ImportError_):
        imports.confirm(StatementImport.get_by_id(batch.id), owner)   # not twice
    again, owner = _checked(FIXTURE.read_bytes(), owner)
    outcomes = _outcomes(again)
    assert outcomes[5][:2] == ("duplicate", "already_recorded")
    assert outcomes[6][:2] == ("duplicate", "already_recorded")
    assert imports.confirm(again, owner) == 0
    assert LedgerEntry.select().where(LedgerEntry.kind == "repayment").count() == 2


def test_a_receipt_recorded_by_hand_meanwhile_is_skipped_at_confirm(conn):
    a, _b = _borrowers()
    batch, owner = _checked(FIXTURE.read_bytes())
    pay(a, 100_000, dt.date(2026, 11, 2), method="mpesa", receipt="TKA1B2C3D4")
    assert imports.confirm(batch, owner) == 1
    assert Loan.get_by_id(a.id).paid_cents == 100_000


def test_a_failure_while_confirming_writes_nothing(conn, monkeypatch):
    a, b = _borrowers()
    batch, owner = _checked(FIXTURE.read_bytes())

    def broken(loan, on=None):
        raise RuntimeError("disk full")
    monkeypatch.setattr(ledger, "refresh", broken)
    with pytest.raises(RuntimeError):
        imports.confirm(batch, owner)
    monkeypatch.undo()
    assert LedgerEntry.select().where(LedgerEntry.kind == "repayment").count() == 0
    assert StatementImport.get_by_id(batch.id).status == "checked"   # can be confirmed again
    assert imports.confirm(StatementImport.get_by_id(batch.id), owner) == 2


def test_assigning_an_unmatched_line_before_and_after_confirming(conn):
    a, b = _borrowers()
    batch, owner = _checked(FIXTURE.read_bytes())
    line = StatementLine.get((StatementLine.batch == batch.id) & (StatementLine.row_number == 7))
    imports.assign_in_dry_run(line, imports.loan_for_reference("az0001l1"), owner)
    hidden = StatementLine.get((StatementLine.batch == batch.id)
                               & (StatementLine.row_number == 8))
    assert imports.confirm(batch, owner) == 3
    assert [w.id for w in imports.waiting_lines()] == [hidden.id]
    with pytest.raises(imports.ImportError_) as error:
        imports.assign_later(hidden, imports.loan_for_reference("nobody"), owner)
    assert error.value.field == "reference"
    imports.assign_later(hidden, imports.loan_for_reference("AZ-0002"), owner)
    assert Loan.get_by_id(b.id).paid_cents == 50_000 + 30_000
    assert imports.waiting_lines() == []


@pytest.mark.parametrize("data, says", [
    (b"", "empty"),
    (b"%PDF-1.7 binary", "PDF"),
    (b"PK\x03\x04excel", "Excel"),
    (b"name,phone\nWanjiku,0712\n", "does not look like an M-Pesa statement"),
    (b"Receipt No.,Details,Paid In\nTKA1,x,100\n", "Completion Time"),
    ("Receipt No.,Completion Time,Paid In\n".encode("utf-16-le"), "could not be read"),
])
def test_a_file_that_is_not_a_statement_gets_a_plain_explanation(conn, data, says):
    batch, _owner = _checked(data)
    assert batch.status == "failed" and says in batch.problem
    assert StatementLine.select().count() == 0


def test_variants_semicolons_utf16_and_other_column_names(conn):
    _a, _b = _borrowers()
    text = ("Transaction ID;Date;Description;Status;Money In;Money Out\r\n"
            "TKZ9Y8X7W6;02/11/2026 14:05;Funds received from 0712 345 002 - AMINA;Completed;"
            "250,00;\r\n")
    rows, others = St.read(text.replace("250,00", "250.00").encode("utf-16"))
    assert others == 0 and rows[0].receipt == "TKZ9Y8X7W6"
    assert St.parse_time(rows[0].time_text) == dt.datetime(2026, 11, 2, 11, 5)   # UTC
    batch, _owner = _checked(text.replace("250,00", "250.00").encode("cp1252"))
    assert [o[:2] for o in _outcomes(batch).values()] == [("matched", "")]


def test_a_loan_reference_of_a_closed_loan_is_left_for_a_person(conn):
    a, _b = _borrowers()
    pay(a, 600_000, dt.date(2026, 10, 20))
    assert Loan.get_by_id(a.id).status == "closed"
    batch, _owner = _checked(FIXTURE.read_bytes())
    assert _outcomes(batch)[5][:2] == ("unmatched", "loan_not_active")
