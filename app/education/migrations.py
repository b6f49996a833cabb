"""Schema steps of the education module: versions 200-299."""
from app.migrations import create_tables, migration


@migration(200, "education: courses, classes, sessions, attendance, progress, certificates, "
                "formal education, opportunities, study space, placements", on_new_database=True)
def _education(migrator):
    from app.education.courses import ensure_areas
    from app.education.models import MODELS
    from app.education.support_models import MODELS as SUPPORT_MODELS
    create_tables(MODELS + SUPPORT_MODELS)
    ensure_areas()
