"""A confirmed CSV import writes every confirmed row or none: a failure
midway leaves no new member, a row that has a problem by the time the
coordinator confirms stops the import (they see which row and why), and a
large file still moves the progress bar and is written whole."""
import io

import pytest
from bs4 import BeautifulSoup

from app.audit import AuditEvent
from app.db import db
from app.jobs.models import Job
from app.members import imports, services
from app.members.models import Member, MemberImport
from tests.factories import app_db, make_user

HEADER = "preferred_name,legal_name,gender,year_of_birth,phone,language,county,needs,status\n"


def _csv(rows: int, first_phone: int = 0) -> bytes:
    """`rows` valid members with distinct phones (row n of the file is
    member n - 1: the header is row 1)."""
    lines = [HEADER] + [
        f"Neema {i},Neema Wanjiru {i},female,1990,0733 {first_phone + i:06d},sw,Nairobi,"
        f"housing; education,active\n" for i in range(rows)]
    return "".join(lines).encode()


def _checked(data: bytes, owner) -> MemberImport:
    batch = imports.store_upload(data, "list.csv", owner)
    imports.run_check(MemberImport.get_by_id(batch.id))
    return MemberImport.get_by_id(batch.id)


def _imports_audited() -> int:
    return AuditEvent.select().where(AuditEvent.action == "member.imported").count()


def test_a_failure_in_the_middle_leaves_no_new_member(conn, monkeypatch):
    existing = services.create_member({"preferred_name": "Akinyi"})
    owner = make_user("coordinator")
    batch = _checked(_csv(1000), owner)
    assert batch.valid_rows == 1000
    real_insert, inside = imports._insert_batch, []

    def failing_insert(bulk, rows):
        if len(inside) == 2:              # the third INSERT of the transaction
            raise OSError("disk full")
        real_insert(bulk, rows)
        inside.append(Member.select().count())   # the transaction sees its own rows

    monkeypatch.setattr(imports, "_insert_batch", failing_insert)
    with pytest.raises(OSError):
        imports.run_import(batch, owner)
    assert inside[-1] == 1 + 2 * imports.INSERT_ROWS          # rows were written, then...
    assert [m.id for m in Member.select()] == [existing.id]   # ...rolled back: none is left
    batch = MemberImport.get_by_id(batch.id)
    assert (batch.status, batch.imported_rows, batch.valid_rows) == ("checked", 0, 1000)
    assert batch.path and _imports_audited() == 0

    monkeypatch.setattr(imports, "_insert_batch", real_insert)   # try again: all of it
    assert imports.run_import(batch, owner) == 1000
    codes = [m.code for m in Member.select().order_by(Member.number)]
    assert codes == [f"AZ-{n:04d}" for n in range(1, 1002)]
    assert MemberImport.get_by_id(batch.id).status == "imported"


def test_a_large_import_is_written_whole_and_the_progress_bar_moves(conn):
    owner = make_user("coordinator")
    rows = 5 * 250 + 17                  # what used to be six separate transactions
    batch = _checked(_csv(rows), owner)
    seen = []
    count = imports.run_import(batch, owner, lambda pct: seen.append((pct, db.in_transaction())))
    assert count == rows == Member.select().count()
    assert not any(in_transaction for _pct, in_transaction in seen)   # visible to the poller
    steps = [pct for pct, _ in seen]
    assert steps == sorted(steps) and len(set(steps)) >= 5 and steps[-1] < 100
    neema = Member.get(Member.preferred_name == "Neema 7")
    assert (neema.legal_name, neema.phone, neema.gender, neema.birth_year, neema.county,
            neema.needs, neema.status, neema.language, neema.created_by_id, neema.is_demo) == (
        "Neema Wanjiru 7", "0733 000007", "female", 1990, "Nairobi", ["housing", "education"],
        "active", "sw", owner.id, False)
    assert neema.created_at and neema.status_changed_at and neema.joined_on == services.today()
    batch = MemberImport.get_by_id(batch.id)
    assert (batch.status, batch.imported_rows) == ("imported", rows)
    assert _imports_audited() == 1


def test_a_duplicate_created_meanwhile_stops_the_import_and_names_the_row(app, client,
                                                                          login_as):
    login_as("coordinator")
    upload = client.post("/members/import", data={"file": (io.BytesIO(_csv(300)), "x.csv")},
                         content_type="multipart/form-data")
    show = upload.headers["Location"]
    with app_db(app):
        batch = MemberImport.get()
        assert batch.valid_rows == 300
        # Someone registers a member with row 5's phone between check and confirm.
        services.create_member({"preferred_name": "Baraka", "phone": "+254 733 000003"})

    response = client.post(f"/members/import/{batch.id}/confirm")
    assert response.status_code == 303
    with app_db(app):
        assert Member.select().count() == 1               # nothing imported
        batch = MemberImport.get_by_id(batch.id)
        assert (batch.status, batch.valid_rows) == ("checked", 299)
        assert Job.get(Job.kind == "member_import").status == "done"
    page = BeautifulSoup(client.get(show).data, "html.parser")
    alert = page.select_one("#import-stopped").get_text(" ")
    assert "nothing was written" in alert and "1 row has a problem" in alert
    new_rows = page.select(".import-problems tr.import-new")
    assert len(new_rows) == 1
    cells = [td.get_text(" ", strip=True) for td in new_rows[0].select("td")]
    assert cells[0] == "5" and cells[1] == "phone"
    assert "already belongs to member AZ-0001" in cells[2]
    assert "299" in page.select_one("[role=status]").get_text()

    # The coordinator looks at it and imports the other rows.
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 303
    with app_db(app):
        assert Member.select().count() == 300
        assert not Member.select().where(Member.preferred_name == "Neema 3").exists()
        assert MemberImport.get_by_id(batch.id).status == "imported"


def test_a_member_registered_during_the_write_is_caught_inside_the_transaction(
        conn, monkeypatch):
    owner = make_user("coordinator")
    batch = _checked(_csv(600), owner)
    real_recheck = imports._recheck

    def recheck_then_someone_registers(*args, **kwargs):
        result = real_recheck(*args, **kwargs)
        services.create_member({"preferred_name": "Zawadi", "phone": "0733 000599"})
        return result

    monkeypatch.setattr(imports, "_recheck", recheck_then_someone_registers)
    assert imports.run_import(batch, owner) == 0
    assert [m.preferred_name for m in Member.select()] == ["Zawadi"]
    batch = MemberImport.get_by_id(batch.id)
    assert (batch.status, batch.valid_rows) == ("checked", 599)
    problems = imports.problems_of(batch)
    assert [(p["row"], p["column"]) for p in problems if p.get("new")] == [(601, "phone")]


def test_an_error_during_the_write_is_shown_and_the_import_can_be_retried(
        app, client, login_as, monkeypatch):
    login_as("coordinator")
    upload = client.post("/members/import", data={"file": (io.BytesIO(_csv(600)), "x.csv")},
                         content_type="multipart/form-data")
    with app_db(app):
        batch = MemberImport.get()
    real_insert = imports._insert_batch
    calls = []

    def failing_insert(bulk, rows):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        real_insert(bulk, rows)

    monkeypatch.setattr(imports, "_insert_batch", failing_insert)
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 303
    with app_db(app):
        assert Member.select().count() == 0
        assert Job.get(Job.kind == "member_import").status == "failed"
    page = BeautifulSoup(client.get(upload.headers["Location"]).data, "html.parser")
    alert = page.select_one(".flash-error").get_text(" ")
    assert "Nothing was written" in alert and "no member was added" in alert
    form = page.select_one(f"form[action='/members/import/{batch.id}/confirm']")
    assert form is not None and "600" in form.get_text()

    monkeypatch.setattr(imports, "_insert_batch", real_insert)
    assert client.post(f"/members/import/{batch.id}/confirm").status_code == 303
    with app_db(app):
        assert Member.select().count() == 600


def test_a_confirmed_import_runs_once(conn):
    owner = make_user("coordinator")
    batch = _checked(_csv(3), owner)
    MemberImport.update(status=MemberImport.IMPORTING).where(
        MemberImport.id == batch.id).execute()       # another confirm is already writing
    with pytest.raises(services.MemberError):
        imports.run_import(batch, owner)
    assert Member.select().count() == 0


def test_problems_at_confirm_time_are_in_the_coordinators_language(conn):
    owner = make_user("coordinator", language="sw")
    batch = _checked(_csv(3), owner)
    services.create_member({"preferred_name": "Baraka", "phone": "0733 000001"})
    assert imports.run_import(batch, owner) == 0
    new = [p for p in imports.problems_of(MemberImport.get_by_id(batch.id)) if p.get("new")]
    assert len(new) == 1 and new[0]["row"] == 3 and "AZ-0001" in new[0]["text"]
    assert "already belongs" not in new[0]["text"]


def test_worker_start_puts_back_what_a_power_cut_interrupted(app, conn):
    """The worker died mid-import: the import wrote nothing (one
    transaction) and goes back to "checked" to be confirmed again; its job,
    and any other job left "running", is marked failed; queued jobs stay for
    huey to run."""
    from app.queue import put_back_interrupted_work
    owner = make_user("coordinator")
    batch = _checked(_csv(3), owner)
    MemberImport.update(status=MemberImport.IMPORTING).where(MemberImport.id == batch.id).execute()
    running = Job.create(kind="member_import", owner=owner, status=Job.RUNNING)
    queued = Job.create(kind="pdf", owner=owner, status=Job.QUEUED)
    done = put_back_interrupted_work(app)
    assert done["app.jobs.services.fail_interrupted"] == 1
    assert done["app.members.imports.reopen_interrupted_imports"] == 1
    assert MemberImport.get_by_id(batch.id).status == MemberImport.CHECKED
    assert Job.get_by_id(running.id).status == Job.FAILED
    assert Job.get_by_id(queued.id).status == Job.QUEUED
    assert imports.run_import(MemberImport.get_by_id(batch.id), owner) == 3   # confirm again


def test_a_file_over_the_row_limit_is_refused_before_anything_is_checked(conn, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    with pytest.raises(imports.FileProblem) as refused:
        imports.read_rows(_csv(4))
    assert "more than 3 rows" in str(refused.value) and "Split" in str(refused.value)
    assert len(imports.read_rows(_csv(3))) == 3
