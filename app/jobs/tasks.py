from huey import crontab

from app.jobs import services
from app.queue import periodic_task


@periodic_task(crontab(minute="17"))
def purge_old_job_results():
    """Hourly: job results (PDFs with codes or personal data) do not linger."""
    services.purge_old_results()


@periodic_task(crontab(minute="*/5"))
def fail_overdue_jobs():
    """Every 5 minutes: a job past its deadline is failed, not "running"."""
    services.fail_overdue()
