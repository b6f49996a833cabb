"""Worker tasks of mentorship."""
from huey import crontab

from app.mentorship import services
from app.queue import periodic_task


@periodic_task(crontab(minute="23"))
def check_overdue_pairings():
    """Hourly; does the work once a local day, and at the first run after
    the Pi was off (huey skips missed periodic runs, DESIGN §7)."""
    return services.run_overdue_check_if_due()
