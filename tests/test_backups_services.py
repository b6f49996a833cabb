"""Backups end to end on the service level: snapshot, manifest, encryption,
push to a real rclone local-directory remote, verification, recording,
failures, retention pruning and catch-up after downtime."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pyrage
import pytest
from pyrage import x25519

from app import audit
from app.backups import archive, lock, retention, schedule, services, status
from app.backups.models import BackupRun, DestinationResult
from app.migrations import latest_version
from app.backups.settings import Retention, SettingsError, parse_recipients
from app.db import utcnow
from app.backups.snapshots import file_row_counts
from tests.backup_support import (ROOT, backup_app, connected, prepare_drive, require_tools,
                                  write_identity)
from tests.factories import shift_time

MARKER = "ZEBRA-MARKER-7731"


@pytest.fixture
def usb(tmp_path):
    """A rclone remote of type local, as a USB drive would be configured."""
    require_tools("rclone")
    return prepare_drive(tmp_path / "usb-drive")


@pytest.fixture
def app(tmp_path, usb):
    app = backup_app(tmp_path, destinations=[f"usb:{usb}/kituo"])
    (tmp_path / "rclone.conf").write_text("[usb]\ntype = local\n")
    return app


@pytest.mark.deployment
def test_backup_reaches_a_local_rclone_remote_with_manifest(app, usb):
    with connected(app):
        audit.record("test.event", "thing", 1, MARKER)
        run = services.run_backup("manual")
        assert run.status == BackupRun.OK and run.error == ""
        files = sorted(p.name for p in (usb / "kituo").iterdir())
        assert files == [run.filename, run.filename + ".sha256"]
        result = DestinationResult.get(DestinationResult.run == run)
        assert result.status == "ok" and result.attempts == 1
        assert result.verified_by == "sha256"      # a local remote knows sha256
        assert result.destination == f"usb:{usb}/kituo"
        copy = usb / "kituo" / run.filename
        assert archive.file_hashes(copy)["sha256"] == run.sha256
        assert copy.stat().st_size == run.size_bytes
        sidecar = (usb / "kituo" / (run.filename + ".sha256")).read_text()
        assert sidecar == f"{run.sha256}  {run.filename}\n"

        extracted = archive.decrypt_and_extract(
            copy, archive.load_identities(app.backup_key), Path(app.instance_path) / "check")
        manifest = extracted.manifest
        assert manifest["schema_version"] == latest_version()
        assert manifest["app_version"] == app.config["VERSION"]
        assert manifest["tables"] == file_row_counts(extracted.database)
        assert manifest["tables"]["audit_event"] == 1
        assert manifest["tables"]["backup_run"] == 1
        assert run.row_count == manifest["row_count"]
        assert manifest["created_at"].startswith(f"{run.started_at:%Y-%m-%dT%H:%M:%S}")


@pytest.mark.deployment
def test_backup_cannot_be_read_without_the_key(app, usb, tmp_path):
    with connected(app):
        audit.record("test.event", "thing", 1, MARKER)
        run = services.run_backup("manual")
    data = (usb / "kituo" / run.filename).read_bytes()
    assert data.startswith(b"age-encryption.org/v1")
    for plain in (MARKER.encode(), b"SQLite format 3", b"audit_event", b"manifest.json"):
        assert plain not in data
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(data, [x25519.Identity.generate()])
    # Nothing unencrypted is left in the work folder either.
    leftovers = [p.name for p in Path(app.config["BACKUP_DIR"]).rglob("*")
                 if not p.name.startswith("kituo-") and p.name != lock.LOCK_FILE]
    assert leftovers == []
    other_key = tmp_path / "someone-else.txt"
    write_identity(other_key)
    require_tools("age")
    refused = subprocess.run(["age", "-d", "-i", str(other_key), str(usb / "kituo" / run.filename)],
                             capture_output=True)
    assert refused.returncode != 0 and refused.stdout == b""


@pytest.mark.deployment
def test_snapshot_failing_its_integrity_check_is_never_pushed(app, usb, monkeypatch):
    monkeypatch.setattr(services.snapshots, "file_integrity_problems", lambda path: ["page 3 bad"])
    with connected(app):
        run = services.run_backup("manual")
        assert run.status == "failed" and run.error == "integrity_check_failed"
        assert not (usb / "kituo").exists()
        assert DestinationResult.select().count() == 0


@pytest.mark.deployment
def test_without_public_key_no_backup_is_made(tmp_path, usb):
    app = backup_app(tmp_path, destinations=[str(usb)], BACKUP_RECIPIENTS="")
    with connected(app):
        run = services.run_backup("manual")
        assert (run.status, run.error) == ("failed", "no_recipients")
        assert status.configuration_problems() == ["no_recipients"]
    assert list(usb.glob("*.age")) == []


def test_recipients_from_a_file_and_bad_keys(tmp_path):
    keys = [write_identity(tmp_path / f"k{i}.txt") for i in range(2)]
    listing = tmp_path / "recipients.txt"
    listing.write_text(f"# office laptop\n{keys[0]}\n\n{keys[1]}  # director\n")
    assert parse_recipients(str(listing)) == tuple(keys)
    assert parse_recipients(f"{keys[0]}, {keys[1]}") == tuple(keys)
    with pytest.raises(SettingsError) as bad:
        parse_recipients("age1notakey")
    assert bad.value.code == "recipient_invalid"
    with pytest.raises(SettingsError) as missing:
        parse_recipients(str(tmp_path / "nope.txt"))
    assert missing.value.code == "recipients_file_missing"


@pytest.mark.deployment
def test_several_recipients_can_each_decrypt(tmp_path, usb):
    second_key = tmp_path / "second.txt"
    second_public = write_identity(second_key)
    app = backup_app(tmp_path, destinations=[str(usb)])
    app.config["BACKUP_RECIPIENTS"] += f",{second_public}"
    with connected(app):
        run = services.run_backup("manual")
    data = (usb / run.filename).read_bytes()
    for key in (app.backup_key, second_key):
        assert pyrage.decrypt(data, archive.load_identities(key))[:2] == b"\x1f\x8b"  # gzip


def test_without_destinations_the_encrypted_copy_stays_local(tmp_path):
    app = backup_app(tmp_path, destinations=[], BACKUP_KEEP_LOCAL=2)
    with connected(app):
        runs = [services.run_backup("manual") for _ in range(3)]
        shift_time(BackupRun, "started_at", dt.timedelta(0))
        assert all(r.status == "local_only" for r in runs)
        assert status.last_offsite_success_at() is None
    kept = sorted(p.name for p in Path(app.config["BACKUP_DIR"]).iterdir()
                  if p.name != lock.LOCK_FILE)
    names = {r.filename for r in runs}
    assert set(kept) <= names | {n + ".sha256" for n in names}
    assert len([k for k in kept if k.endswith(".age")]) <= 2


@pytest.mark.deployment
def test_failed_destination_is_retried_then_recorded(tmp_path, usb):
    app = backup_app(tmp_path, destinations=[str(usb), "nowhere:kituo"])
    waits = []
    with connected(app):
        run = services.run_backup("manual", sleep=waits.append)
        assert run.status == "partial" and run.error == "some_destinations_failed"
        by_status = {r.status: r for r in run.results}
        good, bad = by_status["ok"], by_status["failed"]
        assert good.destination == str(usb) and good.status == "ok"
        assert bad.destination == "nowhere:kituo" and bad.status == "failed"
        assert bad.attempts == 3 and "nowhere" in bad.error
    assert waits == [0.01, 0.02]   # backoff doubles


def test_only_one_backup_runs_at_a_time(app):
    with connected(app):
        with lock.held(Path(app.config["BACKUP_DIR"])):
            assert services.backup_running()
            with pytest.raises(services.BackupBusy):
                services.run_backup("manual")
            assert services.run_if_due() is None
        assert not services.backup_running()
        assert services.run_backup("manual").status == "ok"


@pytest.mark.slow   # starts a Python process
def test_the_lock_dies_with_its_holder(app, tmp_path):
    """A process holding the lock is killed: nobody has to clear anything.
    (tests/test_backups_crash.py kills real backups.)"""
    work = Path(app.config["BACKUP_DIR"])
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from app.backups import lock\n"
        "with lock.held(Path(sys.argv[1])):\n"
        "    print('held', flush=True); time.sleep(600)"), str(work)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with connected(app):
            assert services.backup_running()
            with pytest.raises(services.BackupBusy):
                services.run_backup("manual")
    finally:
        holder.kill()
        holder.wait()
    with connected(app):
        assert not services.backup_running()
        assert services.run_backup("manual").status == "ok"


@pytest.mark.deployment
def test_no_hourly_failures_recorded_without_a_public_key(tmp_path, usb):
    app = backup_app(tmp_path, destinations=[str(usb)], BACKUP_RECIPIENTS="")
    with connected(app):
        assert services.due_trigger() is not None
        assert services.run_if_due() is None
        assert BackupRun.select().count() == 0


def test_a_run_left_running_by_a_power_cut_is_marked_failed(app):
    with connected(app):
        stale = BackupRun.create(trigger="scheduled")
        assert services.current_run() is None          # nobody holds the lock
        services.run_backup("manual")
        stale = BackupRun.get_by_id(stale.id)
        assert (stale.status, stale.error, stale.phase) == ("failed", "interrupted", "failed")


# --- retention -------------------------------------------------------------------

def _names(start: dt.datetime, days: int, per_day: int = 1) -> list[str]:
    return [archive.archive_name(start - dt.timedelta(days=d, hours=h * 3))
            for d in range(days) for h in range(per_day)]


def test_retention_keeps_7_daily_4_weekly_12_monthly():
    newest = dt.datetime(2026, 11, 23, 23, 0)       # 02:00 in Nairobi
    names = _names(newest, 500, per_day=2)
    keep = retention.to_keep(names, Retention(7, 4, 12))
    local = dt.timedelta(hours=3)                    # Nairobi, no daylight saving
    kept_days = sorted({(archive.time_of(n) + local).date() for n in keep}, reverse=True)
    assert archive.archive_name(newest) in keep
    assert len(keep) <= 7 + 4 + 12
    # the last 7 days each keep their newest copy
    assert kept_days[:7] == [(newest + local).date() - dt.timedelta(days=d)
                             for d in range(7)]
    oldest = min(archive.time_of(n) for n in keep)
    assert dt.timedelta(days=300) < newest - oldest < dt.timedelta(days=370)


def test_retention_never_touches_other_files_and_removes_checksums():
    newest = dt.datetime(2026, 11, 23, 23, 0)
    names = _names(newest, 40)
    listing = names + [n + ".sha256" for n in names] + ["notes.txt", "kituo.db",
                                                        "kituo-latest.tar.gz.age"]
    doomed = retention.to_delete(listing, Retention(7, 4, 12))
    assert "notes.txt" not in doomed and "kituo.db" not in doomed
    assert "kituo-latest.tar.gz.age" not in doomed
    for name in doomed:
        base = name.removesuffix(".sha256")
        assert base in names and base not in retention.to_keep(names, Retention(7, 4, 12))
    assert len(doomed) == 2 * (40 - len(retention.to_keep(names, Retention(7, 4, 12))))


@pytest.mark.deployment
def test_pruning_on_a_real_remote_after_a_successful_push(app, usb):
    folder = usb / "kituo"
    folder.mkdir()
    old = _names(utcnow() - dt.timedelta(days=1), 60)
    for name in old:
        (folder / name).write_bytes(b"old")
        (folder / (name + ".sha256")).write_text("x  " + name)
    (folder / "README.txt").write_text("Kituo backups")
    with connected(app):
        run = services.run_backup("manual")
        result = DestinationResult.get(DestinationResult.run == run)
    remaining = sorted(p.name for p in folder.iterdir() if p.name.endswith(".age"))
    expected = retention.to_keep(old + [run.filename], Retention(7, 4, 12))
    assert set(remaining) == expected and run.filename in remaining
    assert result.pruned == 61 - len(expected)
    assert (folder / "README.txt").exists()
    assert all((folder / (n + ".sha256")).exists() for n in remaining)


# --- schedule and catch-up -----------------------------------------------------------

def test_schedule_slots_in_nairobi_time():
    two_am = dt.time(2, 0)
    now = dt.datetime(2026, 11, 23, 22, 30)         # 01:30 on the 24th in Nairobi
    assert schedule.last_slot(now, two_am, "Africa/Nairobi") == dt.datetime(2026, 11, 22, 23, 0)
    assert schedule.next_slot(now, two_am, "Africa/Nairobi") == dt.datetime(2026, 11, 23, 23, 0)
    after = dt.datetime(2026, 11, 23, 23, 5)
    assert schedule.last_slot(after, two_am, "Africa/Nairobi") == dt.datetime(2026, 11, 23, 23, 0)


def test_is_due_rules():
    slot = dt.datetime(2026, 11, 23, 23, 0)
    now = slot + dt.timedelta(hours=5)
    assert schedule.is_due(now, slot, None, None, 1)
    assert schedule.is_due(now, slot, slot - dt.timedelta(days=1), slot - dt.timedelta(days=1), 1)
    assert not schedule.is_due(now, slot, slot + dt.timedelta(minutes=1), slot, 1)
    # a failed attempt since the slot: retried after an hour, not before
    assert not schedule.is_due(now, slot, None, now - dt.timedelta(minutes=20), 1)
    assert schedule.is_due(now, slot, None, now - dt.timedelta(minutes=61), 1)
    assert schedule.trigger_for(slot + dt.timedelta(minutes=5), slot) == "scheduled"
    assert schedule.trigger_for(now, slot) == "catch_up"


def _nairobi_time(hours_ago: float) -> str:
    local = dt.datetime.now(dt.timezone(dt.timedelta(hours=3))) - dt.timedelta(hours=hours_ago)
    return f"{local:%H:%M}"


@pytest.mark.deployment
def test_catch_up_after_the_pi_was_off_at_backup_time(app, usb):
    from app.backups import tasks
    app.config["BACKUP_TIME"] = _nairobi_time(5)     # tonight's slot was 5 hours ago
    with connected(app):
        first = services.run_backup("scheduled")
        # That was yesterday's backup; the Pi was off at today's slot.
        shift_time(BackupRun, "started_at", -dt.timedelta(hours=24))
        assert services.due_trigger() == "catch_up"
        assert services.next_run_at() - utcnow() <= dt.timedelta(minutes=tasks.CHECK_MINUTES)
        tasks.backup_if_due()                        # what the worker runs every 10 minutes
        latest = BackupRun.latest(1)[0]
        assert latest.id != first.id and latest.trigger == "catch_up" and latest.status == "ok"
        assert services.due_trigger() is None
        tasks.backup_if_due()
        assert BackupRun.select().count() == 2
        assert services.due_trigger(utcnow() + dt.timedelta(hours=24)) is not None
        next_run = services.next_run_at()
        assert dt.timedelta(hours=18) < next_run - utcnow() <= dt.timedelta(hours=19, minutes=1)


def test_failed_night_is_retried_hourly(tmp_path):
    app = backup_app(tmp_path, destinations=["nowhere:kituo"], BACKUP_ATTEMPTS=1,
                     BACKUP_TIME=_nairobi_time(2))
    with connected(app):
        assert services.run_if_due().status == "failed"
        assert services.run_if_due() is None
        shift_time(BackupRun, "started_at", -dt.timedelta(minutes=61))
        assert services.run_if_due().trigger == "catch_up"


@pytest.mark.deployment
def test_backup_run_from_the_command_line(app, usb):
    result = app.test_cli_runner().invoke(args=["backup", "run"])
    assert result.exit_code == 0, result.output
    assert ": ok " in result.output
    with connected(app):
        assert BackupRun.get().trigger == "cli"
    status = app.test_cli_runner().invoke(args=["backup", "status"])
    assert "last success" in status.output and "next run" in status.output


def test_plain_snapshot_for_upgrades(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", "snapshot",
                                                str(tmp_path / "pre-upgrade.db")])
    assert result.exit_code == 0, result.output
    assert file_row_counts(tmp_path / "pre-upgrade.db")["schema_version"] >= 1
    assert (tmp_path / "pre-upgrade.db").stat().st_mode & 0o777 == 0o600


@pytest.mark.deployment
def test_manifest_is_json_inside_the_encryption(app, usb):
    with connected(app):
        run = services.run_backup("manual")
    plain = pyrage.decrypt((usb / "kituo" / run.filename).read_bytes(),
                           archive.load_identities(app.backup_key))
    import gzip
    import io
    import tarfile
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(plain))) as tar:
        assert tar.getnames() == ["manifest.json", "kituo.db"]
        manifest = json.load(tar.extractfile("manifest.json"))
    assert len(manifest["database_sha256"]) == 64


def test_settings_are_parsed_once_and_follow_config_changes(tmp_path):
    from app.backups.settings import current
    app = backup_app(tmp_path, BACKUP_RCLONE_CONFIG="")
    rclone_conf = Path(app.config["INSTANCE_PATH"]) / "rclone.conf"
    rclone_conf.unlink(missing_ok=True)
    with connected(app):
        first = current()
        assert current() is first and first.rclone_config == ""
        app.config["BACKUP_DESTINATIONS"] = "office:kituo"
        assert current().destinations == ("office:kituo",)
        rclone_conf.write_text("[office]\n")
        assert current().rclone_config.endswith("rclone.conf")


def test_waiting_job_is_a_recent_unstarted_backup_job(tmp_path):
    from app.jobs.models import Job
    app = backup_app(tmp_path)
    with connected(app):
        assert services.waiting_job() is None
        Job.create(kind="pdf", status=Job.QUEUED)
        done = Job.create(kind="backup", status=Job.DONE)
        assert services.waiting_job() is None
        old = Job.create(kind="backup", status=Job.QUEUED,
                         created_at=utcnow() - dt.timedelta(minutes=services.WAITING_JOB_MINUTES + 1))
        assert services.waiting_job() is None
        queued = Job.create(kind="backup", status=Job.QUEUED)
        assert services.waiting_job().id == queued.id != done.id != old.id


def test_history_and_destination_overview_read_the_latest_rows(tmp_path):
    app = backup_app(tmp_path, destinations=("office:kituo", "cloud:kituo"))
    with connected(app):
        runs = []
        for n in range(4):
            run = BackupRun.create(trigger="cli", status=BackupRun.OK, started_at=utcnow() + dt.timedelta(minutes=n))
            runs.append(run)
            for destination, result in (("office:kituo", "ok"), ("cloud:kituo", "failed" if n == 3 else "ok")):
                DestinationResult.create(run=run, destination=destination, status=result,
                                         started_at=run.started_at, finished_at=run.started_at)
        assert [r.id for r in BackupRun.latest(2)] == [runs[3].id, runs[2].id]
        assert sorted({r.run_id for r in DestinationResult.for_latest_runs(2)}) == [runs[2].id, runs[3].id]
        overview = {d.label: d for d in status.destination_overview()}
        assert overview["cloud:kituo"].last_attempt.run_id == runs[3].id
        assert overview["cloud:kituo"].last_success.run_id == runs[2].id
        assert overview["office:kituo"].last_success.run_id == runs[3].id
