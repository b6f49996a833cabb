"""Small registries that let modules plug into shared pages without the
shared pages knowing any module by name.

Each app instance has one `Registry` (app.extensions["kituo"]); a module's
`register(app)` adds its navigation entries, dashboard panels, schedule
providers, benchmark pages and demo seeders to it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Callable

from flask import current_app

from app.access import BASE_CAPABILITIES, BASE_CAPABILITY_LABELS


@dataclass(frozen=True)
class NavItem:
    label: object          # lazy_gettext string
    endpoint: str
    capability: str
    order: int = 50


@dataclass(frozen=True)
class Panel:
    """A dashboard panel: shown when the user has `capability`.
    `context(user)` returns a dict, which `template` reads as `ctx` (the
    dashboard includes it). It runs on every dashboard view: rows are
    live; centre-wide counts may come from app.figures.kept (numbers only,
    a minute old at most, never per user)."""
    key: str
    template: str
    capability: str
    context: Callable[[object], dict]
    order: int = 50


@dataclass(frozen=True)
class ScheduleItem:
    """One entry on a member's schedule; titles must be discreet."""
    starts_at: object      # aware or naive-UTC datetime
    title: str
    place: str = ""
    detail: str = ""       # on /me only: never in the calendar feed (it leaves the Pi)
    ends_at: object = None  # None: the calendar feed shows one hour
    uid: str = ""          # a stable id for the calendar feed (else made from the item)
    tentative: bool = False  # e.g. on a waiting list


@dataclass(frozen=True)
class Banner:
    """A message across the top of every page, e.g. "no backup for 36 h"."""
    text: str
    level: str = "warning"   # "warning" or "danger"


@dataclass(frozen=True)
class BenchPage:
    """A key page for scripts/bench. `path` may be a callable run inside an
    app context with a connected database (to pick a real id)."""
    name: str
    username_role: str
    path: object


NOTICE_ORDER = 10


@dataclass(frozen=True)
class HomeSection:
    """A read-only block on a member's own home page (/me): `template` is
    rendered with `ctx` (e.g. their goals with their mentor). Sections
    ordered below NOTICE_ORDER come first, above "My schedule" (news the
    member must not miss); the others follow "My buddy"."""
    key: str
    template: str
    ctx: dict
    order: int = 50
    # On the staff member page: the section's name in the page's menu (its
    # element id is `key` with dashes) and one line for the summary at the top.
    title: str = ""
    summary: str = ""


@dataclass(frozen=True)
class ExportSection:
    """A module's part of a member's own data export (data-rights request).
    `collect(member)` returns JSON-ready rows, put under `key` in the JSON
    export; the PDF export includes `template` with those rows as `rows`.
    The module decides what a member may receive: nothing confidential
    unless a person decided so."""
    key: str
    collect: Callable
    template: str
    order: int = 50


def hook(signature: str, doc: str):
    """A Registry field that modules fill in `register(app)`: `signature`
    is what each entry is or is called with, `doc` what it is for. Every
    hook has a line in the README's hook table (tests/test_shared_helpers.py)."""
    return field(default_factory=list, metadata={"signature": signature, "doc": doc})


# What a metric counts: each member once in the period, or every row.
PEOPLE, EVENTS = "people", "events"
# The ways a metric may be split (app/reports/scope.py knows how); cohort:
# the year the member joined the centre.
BREAKDOWNS = ("gender", "age_band", "county", "referral_source", "programme", "cohort")


@dataclass(frozen=True)
class Metric:
    """A figure the reports compute from a module's records (app/reports).

    A module lists its metrics in `app/<module>/metrics.py` as
    `METRICS = [Metric(...), ...]` (and, when it runs a programme that
    members take part in, `PROGRAMMES = [Programme(...)]`); create_app
    collects both after the module's `register(app)`.

    `compute(period, scope) -> value`, computed in SQL, never by loading
    rows into Python:
      period  `.start`, `.end`: local calendar dates, both inclusive;
              `period.contains(field)` is the WHERE clause for a DateField
              or a (naive UTC) DateTimeField.
      scope   the filters and breakdowns a report asks for. Build the query
              of the rows the metric counts in the period and hand it on:
                  return scope.count(query, member=Booking.member)
                  return scope.total(query, Loan.amount_cents, member=Loan.member)
              The scope adds the WHERE for the filters (gender, county,
              programme...), counts each member once when `counts` is
              PEOPLE (COUNT(DISTINCT member)), and groups by the breakdowns
              a table asks for, in one query. Without `member=` the metric
              cannot be broken down (declare `breakdowns=()`).
    key         "module.name", stable: indicators and the cache refer to it.
    label       lazy_gettext text, e.g. _l("One-to-one sessions held").
    unit        lazy_gettext word after the number (_l("sessions")); with
                `money=True` the value is KES cents, shown with the money filter.
    counts      PEOPLE or EVENTS (say which; both are tested).
    breakdowns  which of BREAKDOWNS it may be split by.
    capability  who may see it (reports.view; loans: reports.loans;
                education: reports.education).
    sources     ((Model, ("date_field", ...)), ...): the tables whose rows
                the value depends on and the columns that place a row in
                time. A change to such a row clears the cached results of
                every period from its earliest date up to today ("*": of
                every period, e.g. a withdrawn consent hiding past data).
    """
    key: str
    label: object
    unit: object
    counts: str
    compute: Callable[[object, object], object]
    breakdowns: tuple[str, ...] = ()
    capability: str = "reports.view"
    sources: tuple = ()
    money: bool = False
    order: int = 50

    def __post_init__(self):
        if self.counts not in (PEOPLE, EVENTS):
            raise ValueError(f"metric {self.key}: counts must be PEOPLE or EVENTS")
        unknown = set(self.breakdowns) - set(BREAKDOWNS)
        if unknown:
            raise ValueError(f"metric {self.key}: unknown breakdowns {sorted(unknown)}")


@dataclass(frozen=True)
class Programme:
    """A programme members take part in (the "programme" breakdown):
    `members(period)` returns a query selecting the ids of the members who
    took part in it during the period (peewee, one column)."""
    key: str
    label: object
    members: Callable[[object], object]
    order: int = 50


@dataclass(frozen=True)
class QualityCheck:
    """Something that weakens the figures, on the data-quality page (e.g.
    members without a gender). Listed in `app/<module>/metrics.py` as
    `QUALITY_CHECKS = [...]`.
      count()            how many records have the problem now (SQL count)
      items(limit)       up to `limit` of them: [(text, url)], each linking
                         to the page where it is fixed (codes, never names)
      monthly(start, end) {"YYYY-MM": (complete, total)} of the records of
                         each month from `start` to `end` (dates), for the
                         completeness score; None when it has no months
      capability         who may see and fix them"""
    key: str
    label: object
    module: object
    count: Callable[[], int]
    items: Callable[[int], list]
    capability: str
    monthly: Callable | None = None
    order: int = 50


@dataclass
class Registry:
    """What the modules plugged into this app. Hooks (lists a module appends
    to in its `register(app)`; signature and purpose of each in its field,
    and in the README's table "Plug-in points"):

        reg = app.extensions["kituo"]
        reg.nav.append(NavItem(_l("Loans"), "loans.index", "loans.view", 40))
        reg.grant("finance", "loans.view", label={"loans.view": _l("See loans")})

    Besides the hooks, the role -> capability table of this app
    (`capabilities`, filled by `grant`) and the rendered section menus."""

    nav: list[NavItem] = hook(
        "NavItem(label, endpoint, capability, order)",
        "An entry of the section menu, shown to users with the capability.")
    panels: list[Panel] = hook(
        "Panel(key, template, capability, context(user) -> dict, order)",
        "A dashboard panel, shown to users with the capability.")
    schedule_providers: list[Callable] = hook(
        "(member, start, end) -> [ScheduleItem]",
        "A member's appointments between two naive-UTC times, merged on /me.")
    bench_pages: list[BenchPage] = hook(
        "BenchPage(name, username_role, path or () -> path)",
        "A key page scripts/bench measures (DESIGN §10).")
    demo_seeders: list[tuple[int, Callable]] = hook(
        "(order, seeder(members=N, rng=random.Random, users={role: User}))",
        "Fills the module's demo data for `flask seed-demo`, in order.")
    banner_providers: list[Callable] = hook(
        "(user) -> [Banner]",
        "Messages across the top of every page (no backup for 36 h...).")
    health_checks: list[Callable[[], dict]] = hook(
        "() -> dict",
        "Merged into /healthz; no personal data. A \"problems\" list of codes in "
        "it makes the status \"degraded\".")
    real_data_checks: list[Callable[[], bool]] = hook(
        "() -> bool",
        "True when the module holds non-demo data: seed-demo refuses then.")
    member_actions: list[Callable] = hook(
        "(user, member) -> [(label, url)]",
        "Buttons on the member page; each checks its own access.")
    member_home_sections: list[Callable] = hook(
        "(member) -> HomeSection | None",
        "A read-only block on the member's own home /me.")
    member_scopes: list[Callable] = hook(
        "(user) -> query of Member ids | None",
        "The members a user without members.view_all works with (a mentor's "
        "mentees); visible_members() allows the union.")
    anonymisers: list[Callable] = hook(
        "(member) -> None",
        "Removes the free text the module holds about a member, inside the "
        "anonymisation's transaction.")
    interrupted_work: list[Callable[[], int]] = hook(
        "() -> int",
        "Run once at worker start, before any task: puts back what a crash "
        "or power cut left half-done; returns how many rows.")
    member_export_sections: list[ExportSection] = hook(
        "ExportSection(key, collect(member) -> rows, template, order)",
        "The module's part of a member's own data export (JSON and PDF).")
    metrics: list[Metric] = hook(
        "Metric(key, label, unit, counts, compute(period, scope), breakdowns, capability, "
        "sources)",
        "A figure the reports count in SQL (people or events). Listed as METRICS in "
        "app/<module>/metrics.py; create_app adds them.")
    programmes: list[Programme] = hook(
        "Programme(key, label, members(period) -> query of Member ids)",
        "A programme members take part in: the reports' programme breakdown. PROGRAMMES "
        "in app/<module>/metrics.py.")
    quality_checks: list[QualityCheck] = hook(
        "QualityCheck(key, label, module, count(), items(limit), capability, monthly)",
        "A problem that weakens the figures, on the data-quality page with links to fix. "
        "QUALITY_CHECKS in app/<module>/metrics.py.")
    member_page_sections: list[Callable] = hook(
        "(user, member) -> HomeSection | None",
        "A block on the member page (staff), e.g. every course with its progress "
        "bar; each checks what the user may see.")

    capabilities: dict[str, set[str]] = field(default_factory=lambda: {
        role: set(caps) for role, caps in BASE_CAPABILITIES.items()})
    capability_labels: dict = field(default_factory=lambda: dict(BASE_CAPABILITY_LABELS))
    nav_cache: dict = field(default_factory=dict)
    _metric_index: tuple | None = field(default=None, repr=False, compare=False)

    @classmethod
    def hooks(cls) -> dict[str, dict]:
        """name -> {"signature", "doc"} of every hook."""
        return {f.name: dict(f.metadata) for f in fields(cls) if "signature" in f.metadata}

    def grant(self, role: str, *capabilities: str, label: dict | None = None) -> None:
        """Give `role` these capabilities in this app (modules call it in
        `register(app)`); `label` adds {capability: lazy label} for the
        access table on /admin/access."""
        self.capabilities[role].update(capabilities)
        if label:
            self.capability_labels.update(label)

    def capabilities_of(self, roles) -> set[str]:
        caps: set[str] = set()
        for role in roles:
            caps |= self.capabilities.get(role, set())
        return caps

    def add_module_metrics(self, module_name: str) -> None:
        """Collect `METRICS`, `PROGRAMMES` and `QUALITY_CHECKS` of
        `<module>.metrics`, if the module has one (called by create_app after
        `register(app)`)."""
        import importlib
        import importlib.util
        if importlib.util.find_spec(f"{module_name}.metrics") is None:
            return
        module = importlib.import_module(f"{module_name}.metrics")
        known = {m.key for m in self.metrics}
        for metric in getattr(module, "METRICS", ()):
            if metric.key in known:
                raise ValueError(f"metric {metric.key} registered twice")
            self.metrics.append(metric)
        self.programmes.extend(getattr(module, "PROGRAMMES", ()))
        self.quality_checks.extend(getattr(module, "QUALITY_CHECKS", ()))

    def metric(self, key: str) -> Metric | None:
        """The registered metric of that key (by a dict kept while the list
        does not change: a report asks ~150 times)."""
        kept = self._metric_index
        if kept is None or kept[0] is not self.metrics or kept[1] != len(self.metrics):
            kept = self._metric_index = (self.metrics, len(self.metrics),
                                         {m.key: m for m in self.metrics})
        return kept[2].get(key)

    def metrics_for(self, user) -> list[Metric]:
        caps = user.capabilities if getattr(user, "is_authenticated", False) else set()
        return sorted((m for m in self.metrics if m.capability in caps),
                      key=lambda m: (m.order, m.key))

    def nav_for(self, user) -> list[NavItem]:
        caps = user.capabilities if getattr(user, "is_authenticated", False) else set()
        return sorted((n for n in self.nav if n.capability in caps), key=lambda n: n.order)

    def nav_html(self, user, endpoint: str | None, locale: str):
        """The section menu, rendered once per role set, language and page:
        it is on every page and depends on nothing else."""
        from flask import render_template
        from markupsafe import Markup
        key = (tuple(user.role_names), locale, endpoint)
        html = self.nav_cache.get(key)
        if html is None:
            html = self.nav_cache[key] = Markup(render_template(
                "_nav.html", items=self.nav_for(user), endpoint=endpoint))
        return html

    def panels_for(self, user) -> list[Panel]:
        caps = user.capabilities
        return sorted((p for p in self.panels if p.capability in caps), key=lambda p: p.order)

    def banners_for(self, user) -> list[Banner]:
        if not getattr(user, "is_authenticated", False):
            return []
        return [b for provider in self.banner_providers for b in provider(user)]

    def member_actions_for(self, user, member) -> list[tuple[str, str]]:
        if not getattr(user, "is_authenticated", False):
            return []
        return [action for provider in self.member_actions for action in provider(user, member)]

    def home_sections_for(self, member) -> list[HomeSection]:
        sections = [s for s in (provider(member) for provider in self.member_home_sections) if s]
        return sorted(sections, key=lambda s: s.order)

    def member_page_sections_for(self, user, member) -> list[HomeSection]:
        if not getattr(user, "is_authenticated", False):
            return []
        sections = [s for s in (p(user, member) for p in self.member_page_sections) if s]
        return sorted(sections, key=lambda s: s.order)

    def export_sections(self) -> list[ExportSection]:
        return sorted(self.member_export_sections, key=lambda s: s.order)

    def schedule_for(self, member, start, end) -> list[ScheduleItem]:
        items: list[ScheduleItem] = []
        for provider in self.schedule_providers:
            items.extend(provider(member, start, end))
        return sorted(items, key=lambda item: item.starts_at)


def registry() -> Registry:
    return current_app.extensions["kituo"]


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (pagination)."""
    from flask import request, url_for
    args = request.args.to_dict()
    args.update(changes)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def init_app(app) -> None:
    from flask import request
    from flask_babel import get_locale
    from flask_login import current_user

    from app.access import ROLES
    app.jinja_env.globals["ROLES"] = ROLES
    app.jinja_env.globals["NOTICE_ORDER"] = NOTICE_ORDER
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["kituo_nav_html"] = lambda: registry().nav_html(
        current_user, request.endpoint, str(get_locale()))
    app.jinja_env.globals["kituo_banners"] = lambda: registry().banners_for(current_user)
    app.jinja_env.globals["kituo_member_actions"] = (
        lambda member: registry().member_actions_for(current_user, member))
    app.jinja_env.globals["kituo_member_home_sections"] = (
        lambda member: registry().home_sections_for(member))
    app.jinja_env.globals["kituo_export_sections"] = lambda: registry().export_sections()
    app.jinja_env.globals["kituo_member_page_sections"] = (
        lambda member: registry().member_page_sections_for(current_user, member))
