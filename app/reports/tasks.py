"""Worker tasks of the reports module: figures that take too long for a
page, the hourly warm-up of the usual periods, the donor report and the
exports."""
from __future__ import annotations

from huey import crontab

from app.jobs import services as jobs
from app.queue import periodic_task, task
from app.reports import cache, periods
from app.reports.engine import Request

COMPUTE_KIND = "report_figures"


def encode(requests: list[Request]) -> list:
    return [[r.metric, r.period.key, [list(f) for f in r.filters], list(r.by)] for r in requests]


def decode(rows: list) -> list[Request]:
    return [Request(m, periods.parse(p), tuple(tuple(f) for f in filters), tuple(by))
            for m, p, filters, by in rows]


@task()
def compute_figures(job_id: str, rows: list):
    """Compute and keep the figures a report page is waiting for."""
    from app.reports import engine
    with jobs.running(job_id) as progress:
        wanted = decode(rows)
        engine.figures(wanted, progress=lambda done, total: progress(
            int(99 * done / max(total, 1)), ""))
        jobs.finish(job_id)


@periodic_task(crontab(minute="41"))
def warm_usual_periods():
    """Hourly: the figures of this and the last month, quarter, year and
    financial year, so the morning's first report opens at once (figures
    cleared by changes are computed again here)."""
    from app.reports import warmup
    warmup.warm()


@periodic_task(crontab(minute="47"))
def prune_report_cache():
    cache.prune()


EXPORTS = {
    "pdf": ("donor_pdf", "pdf", "application/pdf"),
    "csv": ("csv_bytes", "csv", "text/csv"),
    "xlsx": ("xlsx_bytes", "xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@task()
def render_export(job_id: str, user_id: int, period_key: str, fmt: str, language: str):
    """The donor report, CSV or workbook of a period, with what the person
    who asked may see, in the language they chose."""
    from app.auth.models import User
    from app.reports import document
    with jobs.running(job_id) as progress:
        user = User.get_by_id(user_id)
        period = periods.parse(period_key)
        builder, extension, mimetype = EXPORTS[fmt]
        data = getattr(document, builder)(user, period, language, progress=lambda d, t: progress(
            int(90 * d / max(t, 1)), ""))
        jobs.save_result(job_id, data, document.file_name(period, language, extension), mimetype)
