"""Schema steps of the counselling module after its first (40, in
app/migrations.py); versions 41-49 (42: note release, 43: group notices,
44: default rules and holidays in new databases, 45: removal notices,
48: dates within the calendar)."""
from app.migrations import add_column_if_missing, create_tables, migration


@migration(41, "counselling: free-slot cache version")
def _slots_version(migrator):
    from app.counselling.models import SlotsVersion
    from app.counselling.services import slots_changed
    create_tables([SlotsVersion])
    slots_changed()


@migration(42, "counselling: a counsellor's release of a session note to the member's export")
def _note_release(migrator):
    from app.counselling.models import SessionNote
    add_column_if_missing(migrator, SessionNote, "released_at")
    add_column_if_missing(migrator, SessionNote, "released_by")


@migration(43, "counselling: notices to members of cancelled or moved group sessions")
def _group_notices(migrator):
    from app.counselling.models import GroupNotice
    create_tables([GroupNotice])


@migration(44, "counselling: booking rules and Kenya's public holidays in every database",
           on_new_database=True)
def _default_rules(migrator):
    """A new database gets the settings row and holidays with its tables,
    not on the first page that reads them."""
    from app.counselling.services import ensure_defaults
    ensure_defaults()


@migration(45, "counselling: tell a member when staff take them off a group session")
def _removal_notices(migrator):
    from app.counselling.models import GroupNotice
    add_column_if_missing(migrator, GroupNotice, "removed_at")


@migration(48, "counselling: time away, bookings, group sessions and holidays lie within "
               "2000-2100 (CHECK constraints)")
def _dates_in_calendar(migrator):
    """Stored dates outside the range (leave typed as from 0002-01-01) are
    moved to its nearest end and audited before the checks."""
    from app.migrations import add_calendar_checks
    from app.counselling.models import AvailabilityException, Booking, GroupSession, Holiday
    add_calendar_checks(AvailabilityException, "starts_at", "ends_at")
    add_calendar_checks(Booking, "starts_at", "ends_at")
    add_calendar_checks(GroupSession, "starts_at", "ends_at")
    add_calendar_checks(Holiday, "year")
