"""Schema steps of the mentorship module after its first (30, in
app/migrations.py); versions 50-52."""
from app.db import add_column_if_missing, migration


@migration(50, "mentorship: goal progress notes show when they were changed")
def _goal_note_edited_at(migrator):
    from app.mentorship.models import GoalNote
    add_column_if_missing(migrator, GoalNote, "edited_at")
