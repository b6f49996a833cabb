"""Schema steps of the members module after its first (10, in
app/migrations.py); versions 60-62."""
from app.db import migration


@migration(60, "members: default referral sources and induction checklist in every database",
           on_new_database=True)
def _default_lists(migrator):
    """A new database gets the lists with its tables; an older one gets
    them now if they were never filled (before, they were filled on first
    use). Lists that hold anything are left as the admin made them."""
    from app.members.services import ensure_defaults
    ensure_defaults()
