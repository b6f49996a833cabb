"""Translated labels for the stored keys of mentorship."""
from app.i18n import lazy_gettext as _l, lazy_pgettext

AREA_LABELS = {
    "livelihood": _l("Livelihood"),
    "business": _l("Business"),
    "education": _l("Education"),
    "leadership": _l("Leadership"),
    "wellbeing": _l("Wellbeing"),
}
LANGUAGE_LABELS = {"sw": "Kiswahili", "en": "English"}
PAIRING_STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "active": lazy_pgettext("pairing", "Active"),
    "completed": _l("Completed"),
    "ended": _l("Ended"),
}
GOAL_STATUS_LABELS = {
    "open": _l("Not started"),
    "in_progress": lazy_pgettext("goal", "In progress"),
    "achieved": _l("Achieved"),
    "dropped": _l("Dropped"),
}
MODE_LABELS = {
    "in_person": _l("In person"),
    "phone": _l("Phone"),
    "group": _l("Group"),
}
TOPIC_LABELS = {
    "work": _l("Work"),
    "business": _l("Business"),
    "money": _l("Money"),
    "school": _l("School"),
    "family": _l("Family"),
    "health": _l("Health"),
    "housing": _l("Housing"),
    "confidence": _l("Confidence"),
    "leadership": _l("Leadership"),
    "safety": _l("Safety"),
    "other": _l("Other"),
}
NEED_LABELS = {
    "housing": _l("Housing"),
    "health": _l("Health"),
    "livelihood": _l("Livelihood"),
    "education": _l("Education"),
    "legal": _l("Legal help"),
    "family": _l("Family"),
}
KINDS = {"area": AREA_LABELS, "language": LANGUAGE_LABELS, "pairing": PAIRING_STATUS_LABELS,
         "goal": GOAL_STATUS_LABELS, "mode": MODE_LABELS, "topic": TOPIC_LABELS,
         "need": NEED_LABELS}


def mentoring_label(kind: str, key) -> str:
    value = KINDS[kind].get(key)
    return str(value) if value is not None else (key or "")


def duration_label(minutes: int) -> str:
    from app.i18n import gettext as _
    if minutes < 60:
        return _("%(n)d min", n=minutes)
    hours, rest = divmod(minutes, 60)
    return _("%(h)d h", h=hours) if not rest else _("%(h)d h %(m)d min", h=hours, m=rest)


# --- per-request helpers for the lists (format once, not once per row) ------------------

def labels_of(kind: str) -> dict[str, str]:
    """Every label of one kind in the current language (mentoring_label)."""
    return {key: str(value) for key, value in KINDS[kind].items()}


def duration_labels(minutes) -> dict[int, str]:
    return {m: duration_label(m) for m in set(minutes)}
