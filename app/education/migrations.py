"""Schema steps of the education module: versions 200-299."""
from app.migrations import create_tables, migration, rebuild_table


@migration(200, "education: courses, classes, sessions, attendance, progress, certificates, "
                "formal education, opportunities, study space, placements", on_new_database=True)
def _education(migrator):
    from app.education.courses import ensure_areas
    from app.education.models import MODELS
    from app.education.support_models import MODELS as SUPPORT_MODELS
    create_tables(MODELS + SUPPORT_MODELS)
    ensure_areas()


@migration(210, "education: a placement's business is a foreign key to the loans business")
def _placement_business_key(migrator):
    """education_placement.business_id was a plain integer: it becomes a
    reference to a business (ON DELETE SET NULL). A stored id of no
    business (none can be typed: the form offers the member's own) loses
    its link, audited as data.repaired, before the table is rebuilt."""
    from app import audit
    from app.education.support_models import Placement
    from app.loans.models import Business
    dangling = (Placement.select(Placement.id, Placement.business_id)
                .where(Placement.business_id.is_null(False)
                       & Placement.business_id.not_in(Business.select(Business.id))).tuples())
    for placement_id, business_id in list(dangling):
        Placement.update(business=None).where(Placement.id == placement_id).execute()
        audit.record("data.repaired", Placement._meta.table_name, placement_id,
                     f"business_id was {business_id}, a business that does not exist: cleared")
    rebuild_table(Placement)
