"""Schema steps of the members module after its first (10, in
app/migrations.py); versions 60-64."""
from app.migrations import migration


@migration(60, "members: default referral sources and induction checklist in every database",
           on_new_database=True)
def _default_lists(migrator):
    """A new database gets the lists with its tables; an older one gets
    them now if they were never filled (before, they were filled on first
    use). Lists that hold anything are left as the admin made them."""
    from app.members.services import ensure_defaults
    ensure_defaults()


@migration(61, "members: dates people type lie within 2000-2100 (CHECK constraints)")
def _dates_in_calendar(migrator):
    """Stored dates outside the range are moved to its nearest end and
    audited (a birth year outside it becomes unknown) before the checks."""
    from app.migrations import add_calendar_checks
    from app.members.models import ConsentEvent, InductionMeeting, Member
    add_calendar_checks(Member, "joined_on", "exited_on", "birth_year")
    add_calendar_checks(ConsentEvent, "recorded_on")
    add_calendar_checks(InductionMeeting, "starts_at")


@migration(64, "members: the members search index (FTS5 trigram) and its triggers",
           on_new_database=True)
def _search_index(migrator):
    """Every database gets the index with its tables; an older one gets it
    now, filled from the member table."""
    from app.members import search_index
    search_index.install()
