"""Schema steps of the backups module (versions 20-29)."""
from app.db import create_tables, migration


@migration(20, "backups: runs and destination results")
def _backup_tables(migrator):
    from app.backups.models import BackupRun, DestinationResult
    create_tables([BackupRun, DestinationResult])
