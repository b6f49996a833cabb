"""Schema steps of the reports module: versions 300-399."""
from app.migrations import create_tables, migration


@migration(300, "reports: indicators, their history, narratives, result cache, extracts")
def _reports(migrator):
    from app.reports.models import MODELS
    create_tables(MODELS)


@migration(301, "reports: the indicators of the work plan", on_new_database=True)
def _seed_indicators(migrator):
    from app.reports.indicators import ensure_seeded
    ensure_seeded()


@migration(302, "reports: index for the latest consent per purpose (research and wellbeing "
                "figures, members_who_may)", on_new_database=True)
def _consent_index(migrator):
    import peewee as pw

    from app.members.models import ConsentEvent
    from app.db import db
    db.execute(pw.ModelIndex(ConsentEvent, (ConsentEvent.purpose, ConsentEvent.member,
                                            ConsentEvent.id),
                             name="consent_event_purpose_member_id", safe=True))
