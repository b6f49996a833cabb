"""Translated labels for stored keys (statuses, risk levels, holidays)."""
from app.i18n import lazy_gettext as _l, lazy_pgettext
from app.labels import WEEKDAYS, label  # noqa: F401  (the shared ones, used as labels.X here)

STATUS_LABELS = {
    "booked": _l("Booked"),
    "attended": _l("Attended"),
    "no_show": _l("Did not come"),
    "cancelled_member": _l("Cancelled by the member"),
    "cancelled_centre": _l("Cancelled by the centre"),
}
EVENT_LABELS = {
    "booked": _l("Booked"),
    "rescheduled": _l("Moved"),
    "cancelled_member": _l("Cancelled by the member"),
    "cancelled_centre": _l("Cancelled by the centre"),
    "attended": _l("Marked attended"),
    "no_show": _l("Marked did not come"),
}
RISK_LABELS = {
    "": _l("Not recorded"),
    "none": _l("No risk seen"),
    "low": _l("Low"),
    "medium": _l("Medium"),
    "high": _l("High"),
}
EXCEPTION_LABELS = {
    "leave": lazy_pgettext("time away from work", "Leave"),
    "holiday": _l("Holiday"),
    "training": _l("Training"),
    "other": _l("Other"),
}
MEMBER_CANCEL_REASONS = {
    "cannot_come": _l("I cannot come at that time"),
    "feeling_better": _l("I do not need it any more"),
    "unwell": _l("I am unwell"),
    "other": _l("Another reason"),
}
SIGNUP_LABELS = {
    "booked": _l("Place confirmed"),
    "waitlisted": _l("On the waiting list"),
    "cancelled": _l("Cancelled"),
}
# Kenya's fixed public holidays (Public Holidays Act, as amended in 2024:
# 10 October is Mazingira Day). Moveable feasts (Good Friday, Easter
# Monday, Idd-ul-Fitr) are added each year as one-off dates.
KENYA_FIXED_HOLIDAYS = [
    ("new_year", 1, 1, _l("New Year's Day")),
    ("labour_day", 5, 1, _l("Labour Day")),
    ("madaraka_day", 6, 1, _l("Madaraka Day")),
    ("mazingira_day", 10, 10, _l("Mazingira Day")),
    ("mashujaa_day", 10, 20, _l("Mashujaa Day")),
    ("jamhuri_day", 12, 12, _l("Jamhuri Day")),
    ("christmas_day", 12, 25, _l("Christmas Day")),
    ("boxing_day", 12, 26, _l("Boxing Day")),
]
HOLIDAY_LABELS = {key: words for key, _m, _d, words in KENYA_FIXED_HOLIDAYS}
