"""The indicator framework: indicators against the work plan, seeded from
it, edited by coordinators with every change kept (IndicatorChange) and
audited. Values of baseline and target are integers in the indicator's
scale (models.SCALE): typed with Decimal, shown by `format_value`."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from app import audit
from app.clock import utcnow
from app.db import Prepared, db, whole_row
from app.i18n import lazy_gettext as _l, lazy_pgettext
from app.registry import registry
from app.reports import periods, workplan
from app.reports.models import FREQUENCIES, KINDS, SCALE, Indicator, IndicatorChange
from app.rules import RuleError

FREQUENCY_LABELS = {"monthly": _l("Monthly"), "quarterly": _l("Quarterly"),
                    "yearly": _l("Yearly")}
KIND_LABELS = {"count": _l("A count"), "money": _l("An amount in KES"),
               "percent": _l("A percentage (ratio of two figures)"),
               "average": _l("An average per person (ratio of two figures)")}
FROM_RECORDS = "Counted by Kituo from {}."
MAX_VALUE = 10 ** 12


class IndicatorError(RuleError):
    """An indicator edit refused."""


# key, English, Swahili, numerator, denominator, kind, (objective, goal, activity), frequency, source
SEEDS = [
    ("mh_sessions", "One-to-one counselling sessions attended",
     "Vikao vya ushauri nasaha vya mtu mmoja mmoja vilivyohudhuriwa",
     "counselling.sessions_attended", "", "count", (1, 1, 2), "quarterly",
     "the counselling bookings marked attended"),
    ("mh_reached", "Members reached by mental-health support",
     "Wanachama waliofikiwa na msaada wa afya ya akili",
     "counselling.people_reached", "", "count", (1, 1, 2), "quarterly",
     "counselling sessions and group sessions attended (each member once)"),
    ("mh_attendance", "Attendance at one-to-one sessions",
     "Mahudhurio katika vikao vya mtu mmoja mmoja",
     "counselling.sessions_attended", "counselling.sessions_held", "percent", (1, 1, 2),
     "quarterly", "sessions attended out of sessions held (not cancelled)"),
    ("mh_groups", "Group sessions held (trainings and peer-support circles)",
     "Vikao vya vikundi vilivyofanyika (mafunzo na vikundi vya kusaidiana)",
     "counselling.group_sessions", "", "count", (1, 1, 1), "quarterly",
     "the group sessions calendar, cancelled sessions left out"),
    ("mh_group_places", "Places taken at group sessions",
     "Nafasi zilizotumika katika vikao vya vikundi",
     "counselling.group_attendances", "", "count", (1, 1, 1), "quarterly",
     "group session attendance"),
    ("wellbeing_change", "Average change in wellbeing (WHO-5) since the first check",
     "Wastani wa mabadiliko ya ustawi (WHO-5) tangu kipimo cha kwanza",
     "wellbeing.change_total", "wellbeing.members_followed", "average", (1, 1, 2),
     "quarterly", "consented WHO-5 wellbeing checks (0-100), members with two or more"),
    ("peer_mentored", "Members with a peer mentor", "Wanachama wenye mshauri rika",
     "mentorship.people_mentored", "", "count", (1, 2, 1), "quarterly",
     "mentoring pairings that ran in the period"),
    ("referred", "Members referred", "Wanachama walioletwa",
     "members.referred", "", "count", (1, 2, 2), "quarterly", "the members register"),
    ("inducted", "Inductions completed", "Utangulizi uliokamilika",
     "members.inducted", "", "count", (1, 2, 2), "quarterly",
     "induction confirmations in the members' status history"),
    ("active", "Active members", "Wanachama hai",
     "members.active", "", "count", (1, 2, 2), "quarterly", "the members' status history"),
    # Objective 2: counted by app/education and app/loans once they are
    # installed, under these metric keys (until then: "not measured yet").
    ("placements", "Members placed in work", "Wanachama waliopata kazi",
     "education.placements", "", "count", (2, 1, 2), "quarterly",
     "job placements recorded by trainers"),
    ("employed_6_months", "Members still in work 6 months after placement",
     "Wanachama walio bado kazini miezi 6 baada ya kupata kazi",
     "education.employed_6_months", "", "count", (2, 1, 1), "quarterly",
     "the six-month follow-up of placements"),
    ("loans_disbursed", "Microloans disbursed", "Mikopo midogo iliyotolewa",
     "loans.disbursed", "", "count", (2, 2, 1), "quarterly", "the loans register"),
    ("loans_disbursed_kes", "Amount lent", "Kiasi kilichokopeshwa",
     "loans.disbursed_kes", "", "money", (2, 2, 1), "quarterly", "the loans register"),
    ("loans_repaid_kes", "Amount repaid", "Kiasi kilichorejeshwa",
     "loans.repaid_kes", "", "money", (2, 2, 1), "quarterly", "recorded repayments"),
    ("loans_par30", "Portfolio at risk over 30 days (PAR30)",
     "Mikopo iliyo hatarini zaidi ya siku 30 (PAR30)",
     "loans.par30_kes", "loans.outstanding_kes", "percent", (2, 2, 1), "quarterly",
     "balances of loans with a repayment more than 30 days late, out of all balances"),
    ("businesses_running", "Members' businesses running", "Biashara za wanachama zinazoendelea",
     "loans.businesses_running", "", "count", (2, 2, 2), "quarterly",
     "business follow-ups of borrowers"),
    ("enrolments", "Enrolments in courses", "Usajili katika kozi",
     "education.enrolments", "", "count", (2, 3, 1), "quarterly", "course enrolments"),
    ("course_attendance", "Attendance at classes", "Mahudhurio darasani",
     "education.attended", "education.expected", "percent", (2, 3, 1), "quarterly",
     "class registers: attended out of expected"),
    ("completions", "Courses completed", "Kozi zilizokamilishwa",
     "education.completions", "", "count", (2, 3, 1), "quarterly", "course results"),
    ("certificates", "Certificates earned", "Vyeti vilivyopatikana",
     "education.certificates", "", "count", (2, 3, 1), "quarterly", "course results"),
    ("scholarships", "Scholarships awarded", "Ufadhili wa masomo uliotolewa",
     "education.scholarships", "", "count", (2, 3, 2), "yearly", "scholarship records"),
    ("mentoring_sessions", "Mentoring sessions held", "Vikao vya ushauri vilivyofanyika",
     "mentorship.sessions_logged", "", "count", (3, 1, 2), "quarterly",
     "mentors' session logs"),
    ("mentoring_pairings", "Active mentoring pairings", "Jozi za ushauri zilizo hai",
     "mentorship.active_pairings", "", "count", (3, 1, 2), "quarterly",
     "mentoring pairings"),
    ("mentoring_goals", "Mentees' goals achieved", "Malengo ya washauriwa yaliyofikiwa",
     "mentorship.goals_achieved", "", "count", (3, 1, 2), "quarterly",
     "goal progress recorded by mentors"),
    ("partner_referrals", "Members referred by partner organisations",
     "Wanachama walioletwa na mashirika washirika",
     "members.referred_by_partners", "", "count", (3, 2, 2), "quarterly",
     "the referral source in the members register"),
    ("research_consent", "Members who agreed to take part in research",
     "Wanachama waliokubali kushiriki katika utafiti",
     "members.research_consent", "", "count", (4, 1, 1), "quarterly",
     "members' consent records (latest answer)"),
    ("research_extracts", "Research extracts released", "Dondoo za utafiti zilizotolewa",
     "reports.extracts_released", "", "count", (4, 1, 1), "yearly",
     "approved research extracts"),
    ("learning_documented", "Lessons learned written down", "Mafunzo yaliyoandikwa",
     "reports.lessons_documented", "", "count", (4, 2, 2), "quarterly",
     "the narratives written for each period and objective"),
    ("complete_records", "New member records with gender and age",
     "Rekodi mpya za wanachama zenye jinsia na umri",
     "members.complete_records", "members.referred", "percent", (5, 2, 1), "quarterly",
     "the members register"),
]


def ensure_seeded() -> int:
    """Add the seeded indicators that are missing (never changes edited ones)."""
    have = {row.key for row in Indicator.select(Indicator.key)}
    rows = []
    for position, (key, en, sw, num, den, kind, (o, g, a), frequency, source) in enumerate(SEEDS):
        if key not in have:
            rows.append({"key": key, "title_en": en, "title_sw": sw, "numerator": num,
                         "denominator": den, "kind": kind, "objective": o, "goal": g,
                         "activity": a, "frequency": frequency,
                         "data_source": FROM_RECORDS.format(source), "position": position * 10})
    if rows:
        Indicator.insert_many(rows).execute()
    return len(rows)


# --- reading --------------------------------------------------------------

def metric_keys(indicator) -> list[str]:
    return [k for k in (indicator.numerator, indicator.denominator) if k]


def measurable(indicator) -> bool:
    """All its metrics are registered (a module not installed: not measured)."""
    return all(registry().metric(k) is not None for k in metric_keys(indicator))


def may_see(user, indicator) -> bool:
    metrics = [registry().metric(k) for k in metric_keys(indicator)]
    return all(m is not None and user.can(m.capability) for m in metrics)


# On the report page, a key page: built once per worker (app.db.Prepared;
# README, performance), read as whole rows.
_active = Prepared(lambda param: (
    Indicator.select().where(Indicator.active == param("active", Indicator.active))
    .order_by(Indicator.objective, Indicator.goal, Indicator.position, Indicator.id)))


def visible(user) -> list[Indicator]:
    """Active, measurable indicators the user may see, in work-plan order."""
    rows = [whole_row(Indicator, row) for row in _active.all(active=True)]
    return [i for i in rows if may_see(user, i)]     # (which needs it measurable)


def by_key(key: str) -> Indicator | None:
    return Indicator.get_or_none(Indicator.key == key)


def framework() -> list[dict]:
    """Every objective and goal of the work plan with its indicators; a
    goal without an active, measurable indicator is "not measured"."""
    rows = list(Indicator.select().order_by(Indicator.position, Indicator.id))
    out = []
    for objective, title in workplan.OBJECTIVES.items():
        goals = []
        for goal in workplan.goals_of(objective):
            mine = [i for i in rows if (i.objective, i.goal) == (objective, goal)]
            goals.append({"goal": goal, "title": workplan.goal_label(objective, goal),
                          "indicators": mine,
                          "measured": any(i.active and measurable(i) for i in mine)})
        out.append({"objective": objective, "title": str(title), "goals": goals})
    return out


def history(indicator) -> list[IndicatorChange]:
    return list(indicator.changes.order_by(IndicatorChange.id.desc()))


# --- values ------------------------------------------------------------------

def parse_value(text: str, kind: str) -> int | None:
    """Typed baseline or target -> stored integer (None when blank)."""
    text = (text or "").strip().replace(",", "").replace("%", "")
    if text.upper().startswith("KES"):
        text = text[3:].strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise IndicatorError(_l("Write a number, like 120 or 85.5."), "value") from None
    if not number.is_finite():
        raise IndicatorError(_l("Write a number, like 120 or 85.5."), "value")
    if kind != "average" and number < 0:
        raise IndicatorError(_l("This cannot be below zero."), "value")
    if kind == "percent" and number > 1000:
        raise IndicatorError(_l("A percentage this large cannot be right."), "value")
    scaled = number * SCALE[kind]
    if scaled != scaled.to_integral_value():
        raise IndicatorError(_l("Use fewer decimal places."), "value")
    if abs(scaled) > MAX_VALUE:
        raise IndicatorError(_l("This number is too large."), "value")
    return int(scaled)


def format_value(stored: int | None, kind: str) -> str:
    """A stored baseline/target for reading and editing: "120", "85.5%",
    "KES 1,500.00", "3.5"."""
    if stored is None:
        return ""
    if kind == "money":
        from app.filters import money
        return money(stored)
    if kind in ("percent", "average"):
        text = f"{Decimal(stored) / 10:.1f}".removesuffix(".0")
        return f"{text}%" if kind == "percent" else text
    return f"{stored:,}"


def input_value(stored: int | None, kind: str) -> str:
    """The stored value as typed into the form again (no KES, no commas)."""
    if stored is None:
        return ""
    return f"{(Decimal(stored) / SCALE[kind]).normalize():f}"


# --- edits -----------------------------------------------------------------

EDITABLE = ("title_en", "title_sw", "objective", "goal", "activity", "baseline", "baseline_on",
            "target", "target_period", "frequency", "data_source", "active")


def _checked(data: dict, indicator) -> dict:
    out = {}
    for field in ("title_en", "title_sw"):
        value = " ".join((data.get(field) or "").split())
        if not value:
            raise IndicatorError(_l("This field is required."), field)
        if len(value) > 200:
            raise IndicatorError(_l("Use at most %(max)d characters.", max=200), field)
        out[field] = value
    objective, goal = data.get("objective"), data.get("goal")
    if (objective, goal) not in workplan.GOALS:
        raise IndicatorError(_l("Choose a goal of the work plan."), "goal")
    activity = data.get("activity") or None
    if activity and (objective, goal, activity) not in workplan.ACTIVITIES:
        raise IndicatorError(_l("This activity belongs to another goal."), "activity")
    out.update(objective=objective, goal=goal, activity=activity)
    kind = indicator.kind
    for field in ("baseline", "target"):
        try:
            out[field] = parse_value(data.get(field) or "", kind)
        except IndicatorError as error:
            raise IndicatorError(error.message, field) from None
    baseline_on = data.get("baseline_on")
    if baseline_on is not None and not (periods.EARLIEST <= baseline_on <= periods.LATEST):
        raise IndicatorError(_l("Choose dates between 2000 and 2100."), "baseline_on")
    if out["baseline"] is not None and baseline_on is None:
        raise IndicatorError(_l("Give the date the baseline was measured."), "baseline_on")
    out["baseline_on"] = baseline_on
    target_period = (data.get("target_period") or "").strip()
    if target_period:
        try:
            target_period = periods.parse(target_period).key
        except periods.PeriodError as error:
            raise IndicatorError(error.message, "target_period") from None
    if out["target"] is not None and not target_period:
        raise IndicatorError(_l("Say by which period the target should be reached."),
                             "target_period")
    out["target_period"] = target_period
    if data.get("frequency") not in FREQUENCIES:
        raise IndicatorError(_l("Choose from the list."), "frequency")
    out["frequency"] = data["frequency"]
    source = (data.get("data_source") or "").strip()
    if len(source) > 1000:
        raise IndicatorError(_l("Use at most %(max)d characters.", max=1000), "data_source")
    out["data_source"] = source
    out["active"] = bool(data.get("active"))
    return out


def _as_text(field: str, value, kind: str) -> str:
    if value is None:
        return ""
    if field in ("baseline", "target"):
        return input_value(value, kind)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def update(indicator: Indicator, data: dict, actor=None) -> list[str]:
    """Change an indicator; every changed field is kept with its old value
    (IndicatorChange) and the edit audited. Returns the changed fields."""
    values = _checked(data, indicator)
    with db.atomic():
        current = Indicator.get_by_id(indicator.id)
        changed = [f for f in EDITABLE if getattr(current, f) != values[f]]
        if not changed:
            return []
        for field in changed:
            IndicatorChange.create(indicator=current, actor=actor.id if actor else None,
                                   field=field,
                                   old_value=_as_text(field, getattr(current, field), current.kind),
                                   new_value=_as_text(field, values[field], current.kind))
            setattr(current, field, values[field])
        current.updated_at = utcnow()
        current.save()
        audit.record("indicator.changed", "indicator", current.id,
                     f"{current.key}: {', '.join(changed)}", actor=actor)
    return changed


def create(data: dict, actor=None) -> Indicator:
    """A new indicator on registered metrics the person may see."""
    numerator, denominator = data.get("numerator") or "", data.get("denominator") or ""
    kind = data.get("kind")
    for field, key in (("numerator", numerator), ("denominator", denominator)):
        metric = registry().metric(key) if key else None
        if (key or field == "numerator") and (
                metric is None or (actor is not None and not actor.can(metric.capability))):
            raise IndicatorError(_l("Choose from the list."), field)
    if kind not in KINDS:
        raise IndicatorError(_l("Choose from the list."), "kind")
    if (kind in ("percent", "average")) != bool(denominator):
        raise IndicatorError(_l("A percentage or an average divides one figure by another: "
                                "choose both, or choose a count."), "denominator")
    if kind == "money" and not registry().metric(numerator).money:
        raise IndicatorError(_l("This figure is not an amount of money."), "kind")
    probe = Indicator(kind=kind)
    values = _checked(data, probe)
    with db.atomic():
        number = Indicator.select().count() + 1
        key = f"custom_{number}"
        while Indicator.select().where(Indicator.key == key).exists():
            number += 1
            key = f"custom_{number}"
        position = (Indicator.select(pw_max(Indicator.position)).scalar() or 0) + 10
        indicator = Indicator.create(key=key, numerator=numerator, denominator=denominator,
                                     kind=kind, position=position, **values)
        IndicatorChange.create(indicator=indicator, actor=actor.id if actor else None,
                               field="created", new_value=f"{numerator} {denominator}".strip())
        audit.record("indicator.created", "indicator", indicator.id, key, actor=actor)
    return indicator


def pw_max(field):
    from peewee import fn
    return fn.MAX(field)


FIELD_LABELS = {
    "created": _l("Added"), "title_en": lazy_pgettext("indicator", "Title in English"), "title_sw": _l("Title in Swahili"),
    "objective": _l("Objective"), "goal": _l("Goal"), "activity": _l("Activity"),
    "baseline": _l("Baseline"), "baseline_on": _l("Baseline measured on"),
    "target": _l("Target"), "target_period": _l("Target period"),
    "frequency": _l("Reporting frequency"), "data_source": _l("Data source"),
    "active": _l("In the reports"),
}


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


def frequency_label(frequency: str) -> str:
    return str(FREQUENCY_LABELS.get(frequency, frequency))
