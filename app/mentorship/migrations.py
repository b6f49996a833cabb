"""Schema steps of the mentorship module after its first (30, in
app/migrations.py); versions 50-52."""
from app.migrations import add_column_if_missing, migration


@migration(50, "mentorship: goal progress notes show when they were changed")
def _goal_note_edited_at(migrator):
    from app.mentorship.models import GoalNote
    add_column_if_missing(migrator, GoalNote, "edited_at")


@migration(51, "mentorship: dates people type lie within 2000-2100 (CHECK constraints)")
def _dates_in_calendar(migrator):
    """Stored dates outside the range are moved to its nearest end and
    audited before the checks."""
    from app.migrations import add_calendar_checks
    from app.mentorship.models import Goal, Pairing, SessionLog
    add_calendar_checks(Pairing, "start_date", "end_date", "last_session_on", "next_meeting_at")
    add_calendar_checks(Goal, "target_date")
    add_calendar_checks(SessionLog, "held_on", "next_meeting_at")


@migration(52, "mentorship: an index on pairing status for the overview's pages, newest first")
def _status_index(migrator):
    """A page of one status reads its pairings in id order from the index
    instead of joining and sorting every pairing of that status."""
    from app.migrations import create_tables
    from app.mentorship.models import Pairing
    create_tables([Pairing])        # adds the index the model now has
