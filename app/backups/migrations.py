"""Schema steps of the backups module (versions 20-29)."""
from app.migrations import add_column_if_missing, create_tables, migration


@migration(20, "backups: runs and destination results")
def _backup_tables(migrator):
    from app.backups.models import BackupRun, DestinationResult
    create_tables([BackupRun, DestinationResult])


@migration(21, "backups: the integrity check's verdict on each run (for /healthz)")
def _backup_integrity(migrator):
    from app.backups.models import BackupRun
    add_column_if_missing(migrator, BackupRun, "integrity")
