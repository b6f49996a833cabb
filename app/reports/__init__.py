"""Reports: indicators against the work plan, computed from the records
the other modules keep (their metrics: the Metric hook in app/registry.py),
for a period (periods.py), broken down in SQL (scope.py), with small
numbers suppressed (suppression.py); narratives, the donor report, exports,
data quality and research extracts.

Capabilities:
  reports.open      open the reports area (each indicator also needs the
                    capability of its metrics: reports.view, reports.loans,
                    reports.education)
  reports.view      the centre's indicators and safeguarding counts
  reports.loans     loan indicators (finance)
  reports.education education indicators (trainers)
  reports.manage    edit indicators and write narratives
  reports.quality   the data-quality page (each check also needs its own
                    capability: finance sees the loans check only)
  reports.research  build and approve research extracts
"""
from flask import Blueprint

from app.i18n import lazy_gettext as _l, lazy_pgettext
from app.registry import BenchPage, NavItem

bp = Blueprint("reports", __name__, url_prefix="/reports")

LABELS = {
    "reports.open": _l("Open the reports area"),
    "reports.view": _l("See the centre's indicators, trends and breakdowns (counts only, "
                       "small numbers hidden)"),
    "reports.loans": _l("See the loan indicators"),
    "reports.education": _l("See the education indicators"),
    "reports.manage": _l("Edit indicators, baselines and targets; write narratives"),
    "reports.quality": _l("See the data-quality page"),
    "reports.research": _l("Build research extracts and approve another person's"),
}


def _grant_capabilities(reg) -> None:
    for role in ("admin", "coordinator"):
        reg.grant(role, "reports.open", "reports.view", "reports.loans", "reports.education",
              "reports.manage", "reports.quality", "reports.research", label=LABELS)
    # Finance pays loans out and keeps their schedules: the data-quality page
    # shows them the checks their own capabilities reach (loans only).
    reg.grant("finance", "reports.open", "reports.loans", "reports.quality")
    reg.grant("trainer", "reports.open", "reports.education")


def _report_path() -> str:
    from app.reports import periods
    from app.clock import today
    return f"/reports/?period={periods.containing('year', today()).key}"


def _breakdown_path() -> str:
    from app.reports import periods
    from app.clock import today
    return f"/reports/indicators/referred?period={periods.containing('year', today()).key}" \
           "&by=gender,county"


def _method_note(data):
    from app.reports.document import method_note
    return method_note(data)


EXTRACT_STATUS_LABELS = {
    "pending": _l("Waiting for approval"), "approved": _l("Approved: ready to download once"),
    "downloaded": _l("Downloaded"), "withdrawn": lazy_pgettext("research extract", "Withdrawn"), "draft": _l("Draft"),
}


def _extract_status_label(status: str) -> str:
    return str(EXTRACT_STATUS_LABELS.get(status, status))


def _template_helpers() -> dict:
    from app.reports import indicators, periods, services, values

    def period_label(key: str) -> str:
        try:
            return periods.parse(key).label()
        except periods.PeriodError:
            return key

    return {"hidden_mark": values.hidden_text, "period_label": period_label,
            "indicator_unit_heading": services.unit_heading,
            "frequency_label": indicators.frequency_label,
            "indicator_field_label": indicators.field_label,
            "method_note": _method_note,
            "extract_status_label": _extract_status_label}


def register(app) -> None:
    from app.reports import demo, migrations, models, tasks, views  # noqa: F401
    app.config.setdefault("REPORTS_INLINE_SECONDS", 1.0)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(_template_helpers())
    reg = app.extensions["kituo"]
    _grant_capabilities(reg)
    reg.nav.append(NavItem(_l("Reports"), "reports.index", "reports.open", 60))
    reg.bench_pages += [
        BenchPage("report (year)", "coordinator", _report_path),
        BenchPage("report breakdown (gender x county)", "coordinator", _breakdown_path),
    ]
    reg.demo_seeders.append((90, demo.seed_reports))
