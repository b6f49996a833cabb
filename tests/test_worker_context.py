"""Work in the worker never needs a request (issue #10 item 8): every
registered huey task and every demo seeder runs in a plain app context, as
the worker and the command line run them; the locale selector works with
no request; tasks name their language."""

import pytest
from flask import has_request_context

from app.db import db
from app.i18n import in_language
from app.jobs.models import Job
from app.queue import huey
from tests.backup_support import backup_app
from tests.factories import make_user


@pytest.fixture
def app(tmp_path):
    # A working backup configuration (key, local destination): the backup
    # tasks really run.
    (tmp_path / "usb").mkdir()
    return backup_app(tmp_path, destinations=[tmp_path / "usb"])


def _plain(app):
    """An app context with a connection and no request: the worker's."""
    class Plain:
        def __enter__(self):
            self.ctx = app.app_context()
            self.ctx.push()
            db.connect(reuse_if_open=True)
            assert not has_request_context()
            return app

        def __exit__(self, *exc):
            db.close()
            self.ctx.pop()
    return Plain()


def _job(kind, owner):
    return str(Job.create(kind=kind, owner=owner).id)


def _member_with_consent_and_referral(language="sw"):
    from app.members import services
    from app.members.models import ReferralSource
    from tests.factories import make_member
    source = ReferralSource.get(ReferralSource.key == "partner_ngo")
    member = make_member(language=language, referral_source=source.id)
    services.record_consent(member, "contact", True, "verbal", language)
    return member


def _import(owner):
    from app.members import imports
    batch = imports.store_upload(b"preferred_name,language\nAkinyi,sw\n", "list.csv", owner)
    return str(batch.id)


def _checked_import(owner):
    from app.members import imports
    from app.members.models import MemberImport
    batch_id = _import(owner)
    imports.run_check(MemberImport.get_by_id(batch_id))
    return batch_id


# How to call each task: name -> (kwargs builder, job kind or None). A new
# task fails test_every_task_has_an_example until it is added here.
def _examples():
    return {
        "app.auth.tasks.render_setup_slip": lambda admin: dict(
            job_id=_job("setup_slip", admin), user_id=make_user("member").id,
            issued_by_id=admin.id),
        "app.members.tasks.render_consent_form": lambda admin: dict(
            job_id=_job("consent_form", admin), member_id=_member_with_consent_and_referral().id),
        "app.members.tasks.render_induction_pack": lambda admin: dict(
            job_id=_job("induction_pack", admin),
            member_id=_member_with_consent_and_referral().id),
        "app.members.tasks.render_member_export": lambda admin: dict(
            job_id=_job("member_export", admin),
            member_id=_member_with_consent_and_referral().id, language="sw"),
        "app.members.tasks.check_member_import": lambda admin: dict(
            job_id=_job("import_check", admin), import_id=_import(admin)),
        "app.members.tasks.write_member_import": lambda admin: dict(
            job_id=_job("import_write", admin), import_id=_checked_import(admin),
            actor_id=admin.id),
        "app.backups.tasks.backup_now": lambda admin: dict(
            job_id=_job("backup", admin), user_id=admin.id),
        "app.jobs.tasks.purge_old_job_results": lambda admin: {},
        "app.jobs.tasks.fail_overdue_jobs": lambda admin: {},
        "app.members.tasks.purge_old_import_files": lambda admin: {},
        "app.mentorship.tasks.check_overdue_pairings": lambda admin: {},
        "app.backups.tasks.backup_if_due": lambda admin: {},
        "app.loans.tasks.check_statement": lambda admin: dict(
            job_id=_job("statement_check", admin), batch_id=str(_statement(admin).id)),
        "app.loans.tasks.write_statement": lambda admin: dict(
            job_id=_job("statement_import", admin), batch_id=str(_checked_statement(admin).id),
            actor_id=admin.id),
        "app.loans.tasks.render_statement": lambda admin: dict(
            job_id=_job("loan_statement", admin), loan_id=_loan().id, language="sw"),
        "app.loans.tasks.daily_run": lambda admin: {},
        "app.loans.tasks.purge_unconfirmed_statements": lambda admin: {},
        "app.education.tasks.render_certificate": lambda admin: dict(
            job_id=_job("certificate", admin), certificate_id=_certificate().id),
        "app.reports.tasks.compute_figures": lambda admin: dict(
            job_id=_job("report_figures", admin), rows=_report_rows()),
        "app.reports.tasks.render_export": lambda admin: dict(
            job_id=_job("report_export", admin), user_id=admin.id, period_key="2025-Q1",
            fmt="pdf", language="sw"),
        "app.reports.tasks.warm_usual_periods": lambda admin: {},
        "app.reports.tasks.prune_report_cache": lambda admin: {},
    }


def _certificate():
    import datetime as dt
    from app.education.models import Certificate, Enrolment, TrainingClass
    from tests.education_factories import make_course, make_member as make_learner
    klass = TrainingClass.create(course=make_course(), start_date=dt.date(2025, 3, 1),
                                 end_date=dt.date(2025, 4, 30), starts_time=dt.time(10),
                                 ends_time=dt.time(12))
    enrolment = Enrolment.create(klass=klass, member=make_learner(language="sw"),
                                 status="completed", completed_on=dt.date(2025, 3, 28))
    return Certificate.create(enrolment=enrolment, code="W1", title="Tailoring",
                              completed_on=dt.date(2025, 3, 28))


def _report_rows():
    from app.reports import periods, tasks
    from app.reports.engine import Request
    return tasks.encode([Request("members.referred", periods.parse("2025-Q1"), (), ())])


def _statement(owner):
    from pathlib import Path
    from app.loans import imports
    fixture = Path(__file__).parent / "fixtures" / "mpesa_statement.csv"
    return imports.store_upload(fixture.read_bytes(), "s.csv", owner)


def _checked_statement(owner):
    from app.loans import imports
    return imports.run_check(_statement(owner))


def _loan():
    from tests.loans_factories import make_loan
    return make_loan(amount_cents=300_000, term=3)


def _registered():
    return {cls.__name__: cls for cls in huey._registry._registry.values()}


def test_every_task_has_an_example(app):
    assert set(_registered()) == set(_examples())


@pytest.mark.parametrize("name", sorted(_examples()))
def test_every_task_runs_without_a_request(app, name):
    task_class = _registered()[name]
    with _plain(app):
        admin = make_user("admin")
        kwargs = _examples()[name](admin)
        # As the consumer runs it: the task's function, no request around.
        task_class(kwargs=kwargs).execute()
        if "job_id" in kwargs:
            job = Job.get_by_id(kwargs["job_id"])
            assert job.status in (Job.DONE, Job.FAILED) and job.message != "error", (
                job.status, job.message)


def test_the_member_export_is_in_the_members_language_without_a_request(app, pdf_text):
    """The issue's case: a member with a consent and a referral source; the
    worker raised "Working outside of request context"."""
    with _plain(app):
        admin = make_user("admin")
        kwargs = _examples()["app.members.tasks.render_member_export"](admin)
        _registered()["app.members.tasks.render_member_export"](kwargs=kwargs).execute()
        job = Job.get_by_id(kwargs["job_id"])
        assert job.status == Job.DONE
        with open(job.result_path, "rb") as handle:
            text = pdf_text(handle.read())
        from app.members.labels import REFERRAL_LABELS
        with in_language("sw"):
            partner = str(REFERRAL_LABELS["partner_ngo"])
        assert partner != "Partner NGO" and partner in text and "Partner NGO" not in text


def test_the_locale_selector_works_without_a_request(app):
    from flask_babel import get_locale

    from app.i18n import gettext
    with _plain(app):
        assert str(get_locale()) == "en_KE"
        assert gettext("Sign in") == "Sign in"
        with in_language("sw"):
            assert gettext("Sign in") != "Sign in"


def test_a_task_queued_from_a_request_does_not_see_it(app):
    """Immediate mode (tests) runs a task in a fresh context, as the worker
    would: no request, no signed-in user, the default language."""
    from flask_babel import get_locale
    from flask_login import current_user
    from app.queue import task
    seen = {}

    @task()
    def look():
        seen.update(request=has_request_context(), user=current_user, locale=str(get_locale()))

    try:
        with app.test_request_context(headers={"Accept-Language": "sw"}):
            assert str(get_locale()) == "sw_KE"
            look()
    finally:
        huey._registry.unregister(look.task_class)
    assert seen == {"request": False, "user": None, "locale": "en_KE"}


@pytest.mark.slow   # seeds the whole demo to test its seeder
def test_every_demo_seeder_runs_from_the_command_line(app):
    """seed-demo runs every module's demo seeder in a plain app context."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--members", "30", "--seed", "7"])
    assert result.exit_code == 0, result.output
    with _plain(app):
        from app.members.models import Member
        assert Member.select().count() >= 30


# --- a job's final state is never lost ---------------------------------------------

def test_a_jobs_final_state_is_written_while_the_database_is_busy(app):
    """Another writer holds the database longer than the busy timeout: the
    failed state is written once it lets go, not lost ("database is
    locked") with the job "running" for ever."""
    import sqlite3
    import threading
    import time

    from app.jobs import services as jobs
    with _plain(app):
        job_id = _job("member_export", make_user("admin"))
        db.execute_sql("PRAGMA busy_timeout=50")
        other = sqlite3.connect(app.config["DATABASE"], check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.8, other.commit)
        release.start()
        started = time.monotonic()
        jobs.fail(job_id, "error")
        assert time.monotonic() - started >= 0.7
        release.join()
        other.close()
        assert Job.get_by_id(job_id).status == Job.FAILED


def test_a_job_past_its_deadline_is_failed_and_its_page_stops_polling(app, client, login_as):
    import datetime as dt

    from bs4 import BeautifulSoup

    from app.jobs import services as jobs
    from tests.factories import app_db
    owner = login_as("admin")
    with app_db(app):
        late = Job.create(kind="member_export", owner=owner.id, status=Job.RUNNING,
                          deadline_at=jobs.utcnow() - dt.timedelta(seconds=1))
        waiting = Job.create(kind="member_export", owner=owner.id, status=Job.QUEUED,
                             deadline_at=jobs.utcnow() - dt.timedelta(seconds=1))
        on_time = Job.create(kind="member_export", owner=owner.id, status=Job.RUNNING,
                             deadline_at=jobs.utcnow() + dt.timedelta(minutes=5))
    page = BeautifulSoup(client.get(f"/jobs/{late.id}").data, "html.parser")
    progress = page.select_one(".job-progress")
    assert not progress.has_attr("hx-trigger") and progress.select_one(".flash-error")
    with app_db(app):
        assert jobs.fail_overdue() == 2
        assert [Job.get_by_id(j.id).status for j in (late, waiting, on_time)] == [
            Job.FAILED, Job.FAILED, Job.RUNNING]


def test_jobs_get_a_deadline_when_they_start(app, client, login_as):
    from tests.factories import app_db
    from tests.factories import make_member
    login_as("coordinator")
    with app_db(app):
        member = make_member()
    client.post(f"/members/{member.id}/consent-form")
    with app_db(app):
        job = Job.get()
        assert job.deadline_at is not None and job.deadline_at > job.created_at
