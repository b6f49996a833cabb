"""The loans worker tasks as the worker runs them: a plain app context (no
request), the owner's language set by the task, and nothing left running
after a crash."""
import datetime as dt
from pathlib import Path

from app.db import db
from app.jobs import services as jobs
from app.jobs.models import Job
from app.loans import imports, tasks
from app.loans.models import LedgerEntry, Loan, PortfolioDay, StatementImport, StatementLine
from app.queue import put_back_interrupted_work
from tests.factories import make_user
from tests.loans_factories import make_loan
from tests.factories import make_member

FIXTURE = Path(__file__).parent / "fixtures" / "mpesa_statement.csv"


def test_statement_check_and_write_in_a_plain_app_context_in_the_owners_language(app):
    with app.app_context(), db.connection_context():
        member = make_member(status="active", phone="0712 345001")
        loan = make_loan(paid_on=dt.date(2026, 10, 1), member=member, amount_cents=600_000,
                         term=6)
        owner = make_user("finance", language="sw")
        batch = imports.store_upload(b"%PDF-1.4", "s.pdf", owner)
        job = jobs.start("statement_check", owner, tasks.check_statement, batch_id=str(batch.id))
        failed = StatementImport.get_by_id(batch.id)
        assert Job.get_by_id(job.id).status == "done"
        assert failed.status == "failed" and failed.problem.startswith("Hii ni PDF")
        batch = imports.store_upload(FIXTURE.read_bytes(), "s.csv", owner)
        jobs.start("statement_check", owner, tasks.check_statement, batch_id=str(batch.id))
        job = jobs.start("statement_import", owner, tasks.write_statement,
                         batch_id=str(batch.id), actor_id=owner.id)
        assert Job.get_by_id(job.id).status == "done"
        assert Loan.get_by_id(loan.id).paid_cents == 100_000


def test_statement_pdf_task_and_daily_run_without_a_request(app):
    with app.app_context(), db.connection_context():
        loan = make_loan(amount_cents=300_000, term=3)
        job = jobs.start("loan_statement", make_user("finance"), tasks.render_statement,
                         loan_id=loan.id, language="sw")
        job = Job.get_by_id(job.id)
        assert job.status == "done" and job.result_name.startswith("taarifa-ya-malipo")
        assert tasks.daily_run.call_local()["days_kept"] == 1
        assert tasks.daily_run.call_local() is None
        assert PortfolioDay.select().count() == 1


def test_worker_start_puts_back_interrupted_imports(app):
    with app.app_context(), db.connection_context():
        owner = make_user("finance")
        writing = imports.store_upload(b"x", "a.csv", owner)
        checking = imports.store_upload(b"x", "b.csv", owner)
        StatementImport.update(status="importing").where(
            StatementImport.id == writing.id).execute()
    put_back_interrupted_work(app)
    with app.app_context(), db.connection_context():
        assert StatementImport.get_by_id(writing.id).status == "checked"
        assert StatementImport.get_by_id(checking.id).status == "failed"
        assert not Path(checking.path).exists()
        assert LedgerEntry.select().count() == 0 and StatementLine.select().count() == 0
