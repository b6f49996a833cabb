"""Translated labels for the stored keys of the loans module, and the
discreet words members read (support, never collection)."""
from __future__ import annotations

from app import labels
from app.i18n import lazy_gettext as _l, lazy_pgettext

STATUS = {
    "applied": _l("Waiting for a decision"),
    "approved": _l("Approved, to be paid out"),
    "rejected": _l("Not approved"),
    "withdrawn": _l("Withdrawn"),
    "active": _l("Being repaid"),
    "closed": lazy_pgettext("loan status", "Repaid"),    # in full; not "how it is paid back"
    "written_off": _l("Written off"),
}
# What a member reads about their own loan (on /me and their statement).
MEMBER_STATUS = {
    "applied": _l("Your request is being looked at"),
    "approved": _l("Agreed, the money is on its way"),
    "rejected": _l("Not agreed this time: ask the centre why"),
    "withdrawn": _l("You withdrew your request"),
    "active": _l("You are repaying"),
    "closed": _l("Fully repaid: well done"),
    "written_off": _l("Nothing more to pay"),
}
METHOD = {"cash": _l("Cash"), "mpesa": "M-Pesa", "bank": _l("Bank")}
FREQUENCY = {"weekly": _l("Weekly"), "fortnightly": _l("Every two weeks"),
             "monthly": _l("Monthly")}
INTEREST_METHOD = {"flat": _l("Flat"), "declining": _l("Declining balance")}
ORDER = {
    "fee,interest,principal": _l("Fees, then interest, then principal"),
    "interest,fee,principal": _l("Interest, then fees, then principal"),
    "interest,principal,fee": _l("Interest, then principal, then fees"),
    "fee,principal,interest": _l("Fees, then principal, then interest"),
    "principal,interest,fee": _l("Principal, then interest, then fees"),
    "principal,fee,interest": _l("Principal, then fees, then interest"),
}
KIND = {
    "disbursement": _l("Paid out"),
    "interest": lazy_pgettext("ledger", "Interest"),
    "fee": _l("Fee"),
    "penalty": _l("Late fee"),
    "refund": _l("Credit paid back"),
    "repayment": _l("Repayment"),
    "waiver": _l("Interest waived"),
    "write_off": _l("Written off"),
}
SECTOR = {
    "retail": _l("Shop or kiosk"), "food": _l("Food and drinks"), "tailoring": _l("Tailoring"),
    "beauty": _l("Hair and beauty"), "farming": _l("Farming"), "crafts": _l("Crafts"),
    "services": _l("Services"), "transport": _l("Transport"), "other": _l("Other"),
}
BUSINESS_STATUS = {"idea": _l("An idea"), "running": _l("Running"), "paused": _l("Paused"),
                   "closed": _l("Closed")}
REQUEST = {"reschedule": _l("New schedule"), "write_off": _l("Write-off")}
REQUEST_STATUS = {"pending": _l("Waiting for a decision"), "approved": _l("Approved"),
                  "rejected": _l("Not approved")}
INSTALLMENT_STATE = {"due": _l("To come"), "overdue": _l("Late"), "paid": _l("Paid")}
OUTCOME = {
    "matched": _l("Matched"), "unmatched": _l("To assign"), "duplicate": _l("Already recorded"),
    "refused": _l("Not a repayment"), "imported": _l("Recorded"), "dismissed": _l("Set aside"),
}
REASON = {
    "": "",
    "no_match": _l("No loan reference or member's phone found"),
    "phone_hidden": _l("The payer's phone is hidden in the statement"),
    "several_loans": _l("The member has more than one loan being repaid"),
    "loan_not_active": _l("That loan is not being repaid"),
    "before_disbursement": _l("Paid before the loan was paid out"),
    "no_receipt": _l("No receipt number"),
    "not_completed": _l("The transaction did not complete"),
    "bad_amount": _l("The amount paid in cannot be read"),
    "bad_date": _l("The date cannot be read or is in the future"),
    "twice_in_file": _l("The same receipt is twice in the file"),
    "already_recorded": _l("This receipt is already recorded"),
    "dismissed": _l("Set aside by finance"),
}
IMPORT_STATUS = {"checking": _l("Being checked"), "checked": _l("Checked, not yet recorded"),
                 "importing": _l("Being recorded"), "imported": _l("Recorded"),
                 "failed": _l("Could not be read"), "cancelled": _l("Cancelled")}
MATCHED_BY = {"reference": _l("by account reference"), "phone": _l("by phone number"),
              "person": _l("assigned by hand")}

TABLES = {"status": STATUS, "member_status": MEMBER_STATUS, "method": METHOD,
          "frequency": FREQUENCY, "interest_method": INTEREST_METHOD, "order": ORDER,
          "kind": KIND, "sector": SECTOR, "business_status": BUSINESS_STATUS,
          "request": REQUEST, "request_status": REQUEST_STATUS,
          "installment": INSTALLMENT_STATE, "outcome": OUTCOME, "reason": REASON,
          "matched_by": MATCHED_BY, "import": IMPORT_STATUS}


def label(kind: str, key) -> str:
    return labels.label(TABLES[kind], key)


def names(kind: str) -> dict[str, str]:
    """key -> label in the current language, translated once (for lists)."""
    return labels.names(TABLES[kind])


def choices(kind: str) -> list[tuple[str, object]]:
    return [(key, value) for key, value in TABLES[kind].items() if key]
