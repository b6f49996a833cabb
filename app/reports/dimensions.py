"""The breakdowns a report offers, their categories (every category, empty
or not, so that hidden cells stay hidden) and their labels."""
from __future__ import annotations

from app.i18n import gettext as _, lazy_gettext as _l
from app.rules import RuleError

LABELS = {
    "gender": _l("Gender"),
    "age_band": _l("Age band"),
    "county": _l("County"),
    "referral_source": _l("Referred by"),
    "programme": _l("Programme"),
    "cohort": _l("Year joined"),
}


class BreakdownError(RuleError):
    """A breakdown the report cannot make."""


def label(dimension: str) -> str:
    return str(LABELS[dimension])


def not_recorded() -> str:
    return _("Not recorded")


def categories(dimension: str, period=None) -> list[tuple[object, str]]:
    """(stored value, label) of every category, in display order."""
    from app.members import labels as member_labels
    from app.members.models import AGE_BANDS, COUNTIES, GENDERS
    if dimension == "gender":
        return [(g, member_labels.label(member_labels.GENDER_LABELS, g)) for g in GENDERS]
    if dimension == "age_band":
        return [(a, member_labels.label(member_labels.AGE_BAND_LABELS, a)) for a in AGE_BANDS] \
            + [("", not_recorded())]
    if dimension == "county":
        return [(c, c) for c in COUNTIES] + [("", not_recorded())]
    if dimension == "referral_source":
        from app.members import services as members
        return [(s.id, members.source_label(s))
                for s in members.referral_sources(include_retired=True)] + [(None, not_recorded())]
    if dimension == "programme":
        from app.reports.engine import programmes
        return [(key, str(p.label)) for key, p in programmes().items()]
    if dimension == "cohort":
        from app.reports.scope import COHORT_YEARS
        last = period.end.year
        return [(str(y), str(y)) for y in range(last - COHORT_YEARS + 1, last + 1)] + [
            ("earlier", _("Before %(year)d", year=last - COHORT_YEARS + 1))]
    raise BreakdownError(_l("Kituo cannot break the figures down this way."), "by")


def parse_by(text: str, allowed: tuple) -> tuple[str, ...]:
    """"gender,county" -> ("gender", "county"), checked against what the
    indicator's metrics allow (one or two, different)."""
    parts = tuple(p for p in (text or "").split(",") if p)
    if not parts:
        return ()
    if len(parts) > 2:
        raise BreakdownError(_l("Choose one or two breakdowns at a time."), "by")
    if len(set(parts)) != len(parts):
        raise BreakdownError(_l("Choose two different breakdowns."), "by")
    for part in parts:
        if part not in LABELS:
            raise BreakdownError(_l("Kituo cannot break the figures down this way."), "by")
        if part not in allowed:
            raise BreakdownError(_l("This figure cannot be broken down by %(what)s.",
                                    what=LABELS[part]), "by")
    return parts
