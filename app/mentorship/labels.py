"""Translated labels for the stored keys of mentorship."""
from app.i18n import lazy_gettext as _l, lazy_pgettext
from app.i18n import LANGUAGE_NAMES as LANGUAGE_LABELS  # the one table of language names
from app.labels import label, names
from app.members.labels import NEED_LABELS  # members.NEEDS: the same needs

AREA_LABELS = {
    "livelihood": _l("Livelihood"),
    "business": _l("Business"),
    "education": _l("Education"),
    "leadership": _l("Leadership"),
    "wellbeing": _l("Wellbeing"),
}
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
KINDS = {"area": AREA_LABELS, "language": LANGUAGE_LABELS, "pairing": PAIRING_STATUS_LABELS,
         "goal": GOAL_STATUS_LABELS, "mode": MODE_LABELS, "topic": TOPIC_LABELS,
         "need": NEED_LABELS}


def mentoring_label(kind: str, key) -> str:
    return label(KINDS[kind], key)


def duration_label(minutes: int) -> str:
    from app.i18n import gettext as _
    if minutes < 60:
        return _("%(n)d min", n=minutes)
    hours, rest = divmod(minutes, 60)
    return _("%(h)d h", h=hours) if not rest else _("%(h)d h %(m)d min", h=hours, m=rest)


# --- per-request helpers for the lists (format once, not once per row) ------------------

def labels_of(kind: str) -> dict[str, str]:
    """Every label of one kind in the current language (mentoring_label)."""
    return names(KINDS[kind])


def duration_labels(minutes) -> dict[int, str]:
    return {m: duration_label(m) for m in set(minutes)}
