"""Schema steps of the counselling module after its first (40, in
app/migrations.py); versions 41-49."""
from app.db import create_tables, migration


@migration(41, "counselling: free-slot cache version")
def _slots_version(migrator):
    from app.counselling.models import SlotsVersion
    from app.counselling.services import slots_changed
    create_tables([SlotsVersion])
    slots_changed()
