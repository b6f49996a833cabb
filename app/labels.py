"""Translated labels of stored keys: the one lookup every module's
labels.py uses, and the tables several modules share.

    label(STATUS_LABELS, member.status)   # "Active" / "Hai"; an unknown key as it is
    names(STATUS_LABELS)                  # {key: label}, translated once for a list
"""
from app.i18n import lazy_gettext as _l

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
            _l("Saturday"), _l("Sunday"))          # Monday = 0, as date.weekday()


def label(table: dict, key) -> str:
    """The label of `key` in `table` in the current language; a key the
    table does not know is shown as it is ("" for none)."""
    value = table.get(key)
    return str(value) if value is not None else str(key or "")


def names(table: dict) -> dict:
    """key -> label in the current language, translated once (for lists)."""
    return {key: str(value) for key, value in table.items()}
