"""Worker tasks of the loans module: the daily run (catches up after the
Pi was off), statement imports (check, then write), the repayment
statement PDF, and removing unconfirmed statements."""
from huey import crontab

from app.auth.models import User
from app.jobs import services as jobs
from app.loans import imports, portfolio, statement
from app.loans.models import StatementImport
from app.queue import periodic_task, task


@periodic_task(crontab(minute="41"))
def daily_run():
    """Hourly; the work runs once a local day: overdue installments, late
    fees (when a product has one), each past day's figures."""
    return portfolio.run_daily_if_due()


@periodic_task(crontab(minute="47"))
def purge_unconfirmed_statements():
    """Hourly: payers' names and numbers of statements never confirmed go."""
    return imports.purge_unconfirmed()


@task()
def check_statement(job_id: str, batch_id: str):
    with jobs.running(job_id) as progress:
        batch = StatementImport.get_by_id(batch_id)
        imports.run_check(batch, lambda pct: progress(max(1, pct), "checking"))
        jobs.finish(job_id, "checked")


@task()
def write_statement(job_id: str, batch_id: str, actor_id: int):
    with jobs.running(job_id) as progress:
        batch = StatementImport.get_by_id(batch_id)
        actor = User.get_by_id(actor_id)
        written = imports.confirm(batch, actor, lambda pct: progress(pct, "importing"))
        jobs.finish(job_id, f"{written} repayments")


@task()
def render_statement(job_id: str, loan_id: int, language: str):
    """The member's repayment statement, in `language` (discreet title)."""
    with jobs.running(job_id) as progress:
        progress(20, "loaded")
        data, name = statement.pdf(loan_id, language)
        jobs.save_result(job_id, data, name, "application/pdf")
