"""Schema steps of the safeguarding module after its first (31, in
app/migrations.py); versions 32-34."""
from app.migrations import migration


@migration(32, "safeguarding: review dates lie within 2000-2100 (CHECK constraint)")
def _review_dates_in_calendar(migrator):
    """A stored review date outside the range is moved to its nearest end
    and audited before the check."""
    from app.migrations import add_calendar_checks
    from app.safeguarding.models import Concern
    add_calendar_checks(Concern, "review_on")
