"""Schema steps of the wellbeing module (the reports range, 300-399)."""
from app.migrations import create_tables, migration


@migration(310, "wellbeing: WHO-5 checks")
def _checks(migrator):
    from app.wellbeing.models import MODELS
    create_tables(MODELS)
