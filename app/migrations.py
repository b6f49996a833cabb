"""Ordered schema steps of every module (see app/db.py for the mechanism).

A new database is created from the current models and stamped with all
versions, so a step only ever runs on a database created before it. Write
each step for that case: add what the older schema lacks, keep the data.
"""
from app.db import add_column_if_missing, create_tables, migration


@migration(1, "foundation: users, roles, sessions, audit, jobs")
def _baseline(migrator):
    from app.audit import AuditEvent
    from app.auth.models import LoginThrottle, SetupCode, User, UserRole, UserSession
    from app.jobs.models import Job
    create_tables([User, UserRole, UserSession, LoginThrottle, SetupCode, AuditEvent, Job])


@migration(2, "users: demo flag and password change time")
def _user_demo_flag(migrator):
    from app.auth.models import User
    add_column_if_missing(migrator, User, "is_demo")
    add_column_if_missing(migrator, User, "password_changed_at")


@migration(3, "auth: failed sign-ins since the last one, wrong current passwords per session")
def _failed_attempt_counts(migrator):
    from app.auth.models import User, UserSession
    add_column_if_missing(migrator, User, "failed_logins")
    add_column_if_missing(migrator, UserSession, "password_failures")


@migration(4, "jobs: a deadline after which a job still running counts as failed")
def _job_deadline(migrator):
    from app.jobs.models import Job
    add_column_if_missing(migrator, Job, "deadline_at")


@migration(10, "members: records, consent, induction checklist, meetings, imports")
def _members(migrator):
    from app.members.models import MODELS
    from app.members.services import ensure_defaults
    create_tables(MODELS)
    ensure_defaults()


@migration(30, "mentorship: mentor profiles, pairings, goals, session logs, corrections")
def _mentorship(migrator):
    from app.mentorship.models import MODELS
    create_tables(MODELS)


@migration(31, "safeguarding: concerns and their action log")
def _safeguarding(migrator):
    from app.safeguarding.models import MODELS
    create_tables(MODELS)


@migration(40, "counselling: availability, holidays, bookings, group sessions, notes, feeds")
def _counselling(migrator):
    from app.counselling.models import MODELS
    from app.counselling.services import ensure_defaults
    create_tables(MODELS)
    ensure_defaults()
