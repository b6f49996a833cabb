"""Translated labels for the stored keys of safeguarding."""
from app.i18n import lazy_gettext as _l
from app.labels import label

CATEGORY_LABELS = {
    "trafficker_contact": _l("Risk of harm or contact from traffickers"),
    "self_harm": _l("Self-harm"),
    "work_exploitation": _l("Exploitation at work"),
    "health_emergency": _l("Health emergency"),
    "housing_crisis": _l("Housing crisis"),
    "child_at_risk": _l("Child at risk"),
    "other": _l("Other"),
}
URGENCY_LABELS = {
    "urgent": _l("Urgent: act today"),
    "soon": _l("Soon: within a few days"),
    "routine": _l("Routine"),
}
URGENCY_SHORT = {"urgent": _l("Urgent"), "soon": _l("Soon"), "routine": _l("Routine")}
STATUS_LABELS = {
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "closed": _l("Closed"),
}
SOURCE_LABELS = {
    "member_page": _l("Member page"),
    "session_log": _l("Mentoring session"),
    "counselling_note": _l("Counselling note"),
    "other": _l("Other"),
}
ACTION_LABELS = {
    "raised": _l("Raised"),
    "acknowledged": _l("Acknowledged"),
    "note": _l("Note"),
    "status": _l("Status changed"),
    "review": _l("Review date set"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened"),
}
KINDS = {"category": CATEGORY_LABELS, "urgency": URGENCY_LABELS, "urgency_short": URGENCY_SHORT,
         "status": STATUS_LABELS, "source": SOURCE_LABELS, "action": ACTION_LABELS}


def concern_label(kind: str, key) -> str:
    return label(KINDS[kind], key)
