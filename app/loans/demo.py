"""Demo loans: three kinds of loan, about one loan for every four members
in every state, a year of repayments (most on time, some late, some
catching up, a few reversed), businesses with monthly figures, the
portfolio's weekly figures for the last three months, and a sample M-Pesa
statement of this demo book in the instance folder to try the import.

Everything is computed in Python with the module's own schedule and
allocation rules, then bulk-inserted (5,000 loans and 100,000 ledger
entries in seconds); a test checks that the kept figures equal what the
ledger gives."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from dateutil.relativedelta import relativedelta
from flask import current_app

from app.clock import utcnow
from app.db import db
from app.loans import ledger, portfolio, products
from app.loans import schedule as S
from app.loans.allocation import Due, allocate
from app.loans.applications import account_ref
from app.loans.holidays import holiday_checker
from app.loans.models import (
    SECTORS, Business, BusinessFigure, Installment, LedgerEntry, Loan, LoanNote,
    LoanProduct, Schedule)
from app.members.models import Member
from app.rules import today

CHUNK = 500
# Members often pay one installment in two M-Pesa payments (what they had
# mid-week, then the rest on the day): with 5,000 loans at 20,000 members
# this gives the ~100,000 ledger entries the bench asks for.
SPLIT_SHARE = 0.65
STATE_WEIGHTS = [("active", 55), ("closed", 25), ("written_off", 3), ("applied", 5),
                 ("approved", 3), ("rejected", 5), ("withdrawn", 4)]
PURPOSES = ["Sewing machine and cloth", "Stock for a vegetable stall", "A second-hand fridge "
            "for cold drinks", "Hair dryer and chairs for the salon", "Chicks and feed",
            "Beads and tools for jewellery", "Mkopo wa kununua bidhaa za duka",
            "Kununua mashine ya kushona", "Mboga na matunda ya kuuza sokoni",
            "A handcart for deliveries"]
BUSINESS_NAMES = ["Tumaini Tailoring", "Mama Mboga Stall", "Neema Salon", "Upendo Crafts",
                  "Baraka Poultry", "Jua Kali Repairs", "Zawadi Beads", "Furaha Kiosk",
                  "Amani Cold Drinks", "Rehema Cakes", "Mwangaza Cyber", "Kesho Farm"]
DEMO_STATEMENT = "demo-mpesa-statement.csv"


def _insert(model, rows) -> None:
    for start in range(0, len(rows), CHUNK):
        model.insert_many(rows[start:start + CHUNK]).execute()


def _products() -> list[LoanProduct]:
    products.ensure_default_product()
    extra = [
        products.ProductInput("Weekly market loan", "flat", 100, "weekly", 12, 52, 200_000,
                              2_000_000, 0, False, 10_000),
        products.ProductInput("Business growth loan", "declining", 250, "monthly", 6, 18,
                              1_000_000, 10_000_000, 1, True, 50_000),
    ]
    for data in extra:
        if not LoanProduct.select().where(LoanProduct.name == data.name).exists():
            products.save(None, data)
    return list(LoanProduct.select().where(LoanProduct.active == True))  # noqa: E712


PRODUCT_WEIGHTS = {"Weekly market loan": 50, products.DEFAULT_PRODUCT: 30,
                   "Business growth loan": 20}


def _weighted(rng, pairs):
    pick = rng.uniform(0, sum(w for _v, w in pairs))
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


@dataclass
class Book:
    """Rows to insert, with ids given in Python (one transaction)."""
    loans: list = field(default_factory=list)
    schedules: list = field(default_factory=list)
    installments: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    guarantors: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    receipts: int = 0

    def receipt(self) -> str:
        self.receipts += 1
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        n, code = self.receipts, ""
        while n:
            n, r = divmod(n, 36)
            code = digits[r] + code
        return "SD" + code.rjust(8, "0")


ENTRY_KEYS = ("id", "loan", "kind", "amount_cents", "value_on", "recorded_by", "recorded_at",
              "method", "reference", "reason", "receipt_key", "receipt_seq", "reverses")


def _entry(book: Book, next_ids: dict, base: dict, kind: str, cents: int, day: dt.date,
           **extra) -> dict:
    """A ledger row with every column given (bulk inserts need one shape)."""
    row = dict.fromkeys(ENTRY_KEYS)
    row.update({"method": "", "reference": "", "reason": "", "receipt_seq": 0, **base,
                "id": next_ids["entry"], "kind": kind, "amount_cents": cents, "value_on": day,
                **extra})
    next_ids["entry"] += 1
    book.entries.append(row)
    return row


def _payments(rng, rows: list[S.Row], start: dt.date, on: dt.date, behaviour: str):
    """(day, amount) payments of a member with this behaviour up to `on`."""
    out = []
    stop_after = rng.randint(1, max(1, len(rows) - 1)) if behaviour in ("stopped", "written_off") \
        else len(rows)
    for i, row in enumerate(rows):
        if i >= stop_after:
            break
        late = rng.choice([0, 0, 0, 1, 2]) if behaviour == "good" else rng.randint(0, 45)
        day = row.due_on + dt.timedelta(days=late)
        if day > on:
            break
        amount = row.total_cents
        if behaviour == "late" and rng.random() < 0.3:
            amount = max(100, (amount // 200) * 100)        # half now, the rest next time
        elif rng.random() < SPLIT_SHARE and amount >= 20_000:
            part = (amount // 200) * 100                    # what they had mid-week, then the rest
            out.append((max(day - dt.timedelta(days=rng.randint(2, 5)), start), part))
            amount -= part
        out.append((max(day, start), amount))
    if behaviour == "late" and out:
        owed = sum(r.total_cents for r in rows[:len(out)]) - sum(a for _d, a in out)
        if owed > 0 and out[-1][0] + dt.timedelta(days=10) <= on:
            out.append((out[-1][0] + dt.timedelta(days=10), owed))
    return out


def _one_loan(rng, book: Book, loan_id: int, member: tuple, product, state: str, on: dt.date,
              users: dict, holidays, next_ids: dict) -> None:
    member_id, code, number = member
    term = rng.randint(product.min_term, product.max_term)
    amount = rng.randrange(product.min_amount_cents, product.max_amount_cents + 1, 50_000)
    span = {"weekly": 7, "fortnightly": 14, "monthly": 30}[product.frequency] * term
    if state == "closed":
        disbursed = on - dt.timedelta(days=rng.randint(span + 20, span + 300))
    elif state in ("active", "written_off"):
        disbursed = on - dt.timedelta(days=rng.randint(10, min(365, span + 120)))
    else:
        disbursed = None
    applied = (disbursed or on) - dt.timedelta(days=rng.randint(3, 20))
    recorder = users["mentor"] if rng.random() < 0.3 else users["coordinator"]
    decider = users["finance"] if state not in ("applied", "withdrawn") else None
    values = {
        "id": loan_id, "member": member_id, "product": product.id, "number": number,
        "account_ref": account_ref(Member(code=code), number), "amount_cents": amount,
        "purpose": rng.choice(PURPOSES), "share_with_mentor": rng.random() < 0.4,
        "status": state, "interest_method": product.interest_method, "rate_bp": product.rate_bp,
        "frequency": product.frequency, "term": term, "grace_periods": product.grace_periods,
        "interest_in_grace": product.interest_in_grace, "fee_cents": product.fee_cents,
        "penalty_cents": product.penalty_cents, "penalty_after_days": product.penalty_after_days,
        "allocation_order": product.allocation_order, "applied_on": applied,
        "recorded_by": recorder.id, "recorded_at": dt.datetime.combine(applied, dt.time(7)),
        "decided_by": decider.id if decider else None,
        "decided_at": dt.datetime.combine(applied + dt.timedelta(days=2), dt.time(8))
        if decider else None,
        "decision_reason": "Another loan is still being repaid" if state == "rejected" else "",
        "disbursed_on": disbursed, "disbursed_by": users["finance"].id if disbursed else None,
        "closed_on": None, "schedule_version": 0, "business": None, "balance_cents": 0,
        "paid_cents": 0, "principal_outstanding_cents": 0, "first_unpaid_on": None,
        "next_due_on": None, "next_due_cents": 0, "overdue_cents": 0}
    book.loans.append(values)
    if rng.random() < 0.2:
        book.notes.append({"loan": loan_id, "author": users["finance"].id, "at": utcnow(),
                           "text": "Tulizungumza kuhusu mauzo ya mwezi huu; anaendelea vizuri."})
    if disbursed is None:
        return
    rows = S.build(amount, S.Terms(product.interest_method, product.rate_bp, product.frequency,
                                   term, product.grace_periods, product.interest_in_grace,
                                   product.fee_cents), disbursed, holidays)
    schedule_id = next_ids["schedule"]
    next_ids["schedule"] += 1
    book.schedules.append({"id": schedule_id, "loan": loan_id, "version": 1,
                           "effective_on": disbursed, "reason": "disbursement",
                           "created_by": users["finance"].id})
    values["schedule_version"] = 1
    summary = S.summarise(rows)
    finance = users["finance"].id
    base = {"loan": loan_id, "recorded_by": finance, "recorded_at": utcnow()}
    _entry(book, next_ids, base, "disbursement", amount, disbursed, method="mpesa",
           reference=book.receipt())
    if summary.interest_cents:
        _entry(book, next_ids, base, "interest", summary.interest_cents, disbursed)
    if summary.fee_cents:
        _entry(book, next_ids, base, "fee", summary.fee_cents, disbursed)
    behaviour = {"closed": "good", "written_off": "written_off"}.get(
        state, _weighted(rng, [("good", 60), ("late", 25), ("stopped", 15)]))
    paid, last_day = 0, disbursed
    for day, cents in _payments(rng, rows, disbursed, on, behaviour):
        if rng.random() < 0.75:
            receipt = book.receipt()
            entry = _entry(book, next_ids, base, "repayment", cents, day, method="mpesa",
                           reference=receipt, receipt_key=ledger.receipt_key(receipt))
        else:
            entry = _entry(book, next_ids, base, "repayment", cents, day, method="cash",
                           reference=f"R{rng.randint(1000, 9999)}")
        paid, last_day = paid + cents, max(last_day, day)
        if rng.random() < 0.01:      # a mistake, reversed by a second person, then re-entered
            _entry(book, next_ids, {**base, "recorded_by": users["admin"].id}, "repayment",
                   cents, day, reverses=entry["id"], method=entry["method"],
                   reason="Recorded on the wrong loan, then corrected")
            _entry(book, next_ids, base, "repayment", cents, day, method="cash",
                   reference=f"R{rng.randint(1000, 9999)}")
    total = summary.total_cents
    if state == "closed" and paid < total:
        last_day = max(disbursed, min(on, rows[-1].due_on))
        _entry(book, next_ids, base, "repayment", total - paid, last_day, method="cash",
               reference="R0001")
        paid = total
    _keep_figures(book, values, rows, schedule_id, paid, on)
    if state == "written_off":
        written = max(disbursed, on - dt.timedelta(days=rng.randint(1, 60)))
        if total - paid > 0:
            _entry(book, next_ids, base, "write_off", total - paid, written,
                   reason="Moved away; agreed with her")
        values.update(closed_on=written, balance_cents=0, principal_outstanding_cents=0,
                      first_unpaid_on=None, next_due_on=None, next_due_cents=0,
                      overdue_cents=0)
    elif state == "closed" or values["balance_cents"] == 0:   # a good payer who finished
        values.update(status="closed", closed_on=last_day)


def _keep_figures(book: Book, values: dict, rows: list[S.Row], schedule_id: int, paid: int,
                  on: dt.date) -> None:
    """What ledger.refresh keeps, computed the same way (allocation)."""
    pos = allocate([Due(r.number, r.due_on, r.principal_cents, r.interest_cents, r.fee_cents)
                    for r in rows], values["allocation_order"], paid)
    following = pos.next_due(on)
    values.update(balance_cents=pos.total_due - paid, paid_cents=paid,
                  principal_outstanding_cents=pos.principal_outstanding,
                  first_unpaid_on=pos.first_unpaid.due_on if pos.first_unpaid else None,
                  next_due_on=following[0].due_on if following else None,
                  next_due_cents=following[1] if following else 0,
                  overdue_cents=pos.overdue_cents(on))
    for i, r in enumerate(rows):
        state = "paid" if pos.left_on(i) <= 0 else ("overdue" if r.due_on < on else "due")
        book.installments.append({"schedule": schedule_id, "number": r.number, "due_on": r.due_on,
                                  "principal_cents": r.principal_cents,
                                  "interest_cents": r.interest_cents, "fee_cents": r.fee_cents,
                                  "paid_cents": pos.paid_by_installment[i], "state": state})


def seed_loans(members: int = 200, rng=None, users=None) -> None:
    import random
    rng = rng or random.Random()
    users = users or {}
    if not all(users.get(role) for role in ("finance", "coordinator", "mentor", "admin")):
        return
    on = today()
    offered = _products()
    pool = list(Member.select(Member.id, Member.code).where(
        Member.is_demo & Member.status.in_(("active", "alumni"))).tuples())
    rng.shuffle(pool)
    count = min(len(pool), max(1, members // 4))
    holidays = holiday_checker(on - dt.timedelta(days=3 * 365), on + dt.timedelta(days=2 * 365))
    first_loan = (Loan.select(Loan.id).order_by(Loan.id.desc()).scalar() or 0) + 1
    next_ids = {"schedule": (Schedule.select(Schedule.id).order_by(Schedule.id.desc()).scalar()
                             or 0) + 1,
                "entry": (LedgerEntry.select(LedgerEntry.id).order_by(LedgerEntry.id.desc())
                          .scalar() or 0) + 1}
    book = Book()
    for i, (member_id, code) in enumerate(pool[:count]):
        # every state at least once, then as they come
        state = STATE_WEIGHTS[i][0] if i < len(STATE_WEIGHTS) else _weighted(rng, STATE_WEIGHTS)
        product = _weighted(rng, [(p, PRODUCT_WEIGHTS.get(p.name, 10)) for p in offered])
        _one_loan(rng, book, first_loan + i, (member_id, code, 1), product, state,
                  on, users, holidays, next_ids)
    with db.atomic():
        _insert(Loan, book.loans)
        _insert(Schedule, book.schedules)
        _insert(Installment, book.installments)
        _insert(LedgerEntry, [e for e in book.entries if e["reverses"] is None])
        _insert(LedgerEntry, [e for e in book.entries if e["reverses"] is not None])
        _insert(LoanNote, book.notes)
        _seed_businesses(rng, pool[:count], book, on)
    for weeks in range(12, 0, -1):
        portfolio.keep_day(on - dt.timedelta(weeks=weeks))
    write_demo_statement(rng)


def _seed_businesses(rng, borrowers, book: Book, on: dt.date) -> None:
    loans_by_member = {row["member"]: row for row in book.loans}
    rows, figures = [], []
    first = (Business.select(Business.id).order_by(Business.id.desc()).scalar() or 0) + 1
    for i, (member_id, _code) in enumerate(borrowers):
        if rng.random() > 0.6:
            continue
        business_id = first + len(rows)
        status = _weighted(rng, [("running", 70), ("idea", 10), ("paused", 10), ("closed", 10)])
        rows.append({"id": business_id, "member": member_id, "name": rng.choice(BUSINESS_NAMES),
                     "sector": rng.choice(SECTORS), "status": status,
                     "started_on": on - dt.timedelta(days=rng.randint(60, 1500)),
                     "employees": rng.choice([0, 0, 1, 1, 2, 3]),
                     "description": "Tunauza kwa bei nafuu; karibuni sokoni.",
                     "public_contact": "Soko la Gikomba, kibanda 12", "created_at": utcnow(),
                     "updated_at": utcnow()})
        loan = loans_by_member.get(member_id)
        if loan is not None:
            loan["business"] = business_id
        revenue = rng.randint(3_000, 40_000) * 100
        for month in range(rng.randint(0, 12), 0, -1):
            day = on.replace(day=1) - relativedelta(months=month)
            revenue = max(100_000, int(revenue * rng.uniform(0.85, 1.2)) // 100 * 100)
            figures.append({"business": business_id, "month": day, "revenue_cents": revenue,
                            "profit_cents": int(revenue * rng.uniform(-0.1, 0.35)) // 100 * 100,
                            "employees": None, "recorded_at": utcnow()})
    _insert(Business, rows)
    _insert(BusinessFigure, figures)
    for loan in book.loans:
        if loan.get("business"):
            Loan.update(business=loan["business"]).where(Loan.id == loan["id"]).execute()


def write_demo_statement(rng) -> Path | None:
    """A statement of a few payments to this demo book (by reference, by
    phone, unknown, hidden number, failed, a duplicate) to try the import."""
    loans = list(Loan.select(Loan.account_ref, Member.phone).join(
        Member, on=(Loan.member == Member.id)).where(Loan.status == "active")
        .order_by(Loan.id).limit(3).tuples())
    if len(loans) < 2:
        return None
    now = utcnow()
    stamp = (now - dt.timedelta(days=1)).strftime("%Y-%m-%d")
    phone = "254" + "".join(c for c in loans[1][1] if c.isdigit())[-9:]
    lines = [
        "Account Holder:,Azadi Kenya Resource Centre (demo)",
        "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance",
        f"TD{rng.randint(10**7, 10**8 - 1)},{stamp} 09:14:22,Pay Bill from 254700000001 - "
        f"MEMBER Acc. {loans[0][0]},Completed,\"1,000.00\",,\"25,000.00\"",
        f"TD{rng.randint(10**7, 10**8 - 1)},{stamp} 12:02:10,Pay Bill from {phone} - MEMBER "
        "Acc. LOAN,Completed,500.00,,\"25,500.00\"",
        f"TD{rng.randint(10**7, 10**8 - 1)},{stamp} 15:40:00,Pay Bill from 254799000111 - "
        "PETER M Acc. SCHOOL FEES,Completed,750.00,,\"26,250.00\"",
        f"TD{rng.randint(10**7, 10**8 - 1)},{stamp} 16:05:51,Pay Bill from 2547******321 - "
        "M W Acc. 123,Completed,300.00,,\"26,550.00\"",
        f"TD{rng.randint(10**7, 10**8 - 1)},{stamp} 17:20:33,Pay Bill from 254700000001 - "
        f"MEMBER Acc. {loans[0][0]},Failed,\"1,000.00\",,\"26,550.00\"",
        f"TD{rng.randint(10**7, 10**8 - 1)},{stamp} 18:00:00,Business Charges,Completed,,30.00,"
        "\"26,520.00\"",
    ]
    path = Path(current_app.config["INSTANCE_PATH"]) / DEMO_STATEMENT
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
