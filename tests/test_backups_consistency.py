"""A backup taken while another process writes continuously is one
consistent point in time, passes its integrity check, restores with
scripts/restore, and its row counts match the manifest. The restore route
with stock Debian tools (age, tar/gzip, sqlite3) works too."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.backups import archive, services
from app.backups.snapshots import file_integrity_problems, file_row_counts
from tests.backup_support import ROOT, backup_app, connected, require_tools

pytestmark = pytest.mark.deployment   # Debian packages (tests/conftest.py)

BATCH = 10
WRITER = r"""
import sys, time
from pathlib import Path
from app.db import db, make_database
from app.audit import AuditEvent
from app.jobs.models import Job

db.initialize(make_database(sys.argv[1]))
stop = Path(sys.argv[2])
batch = 0
with db.connection_context():
    while not stop.exists():
        batch += 1
        # One transaction: BATCH audit rows and one job row, or nothing.
        with db.atomic():
            AuditEvent.insert_many([{"action": "writer.batch", "object_type": "batch",
                                     "object_id": str(batch), "summary": "x" * 200}
                                    for _ in range(int(sys.argv[3]))]).execute()
            Job.create(kind="writer", message=str(batch))
        if batch == 1:
            print("writing", flush=True)
        time.sleep(0.001)
print(batch)
"""


def _batches_are_whole(database: Path) -> int:
    """Every batch in the copy has all its rows; returns how many batches."""
    from peewee import fn

    from app.audit import AuditEvent
    from app.backups.snapshots import open_database_file
    from app.jobs.models import Job
    other = open_database_file(database)
    with other.bind_ctx([AuditEvent, Job]), other.connection_context():
        sizes = (AuditEvent.select(AuditEvent.object_id, fn.COUNT(AuditEvent.id).alias("n"))
                 .where(AuditEvent.action == "writer.batch").group_by(AuditEvent.object_id))
        counts = {row.object_id: row.n for row in sizes}
        jobs = {j.message for j in Job.select().where(Job.kind == "writer")}
    assert set(counts.values()) <= {BATCH}, "a batch was cut in half"
    assert set(counts) == jobs, "audit rows and job rows disagree"
    return len(jobs)


def test_backup_during_continuous_writes_is_consistent_and_restorable(tmp_path):
    destination = tmp_path / "usb"
    app = backup_app(tmp_path, destinations=[str(destination)])
    stop = tmp_path / "stop-writing"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    writer = subprocess.Popen([sys.executable, "-c", WRITER, app.config["DATABASE"], str(stop),
                               str(BATCH)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"   # it got going
        time.sleep(0.2)
        runs, copies = [], []
        with connected(app):
            for _ in range(3):
                runs.append(services.run_backup("manual"))
                # Same-day copies are pruned by retention: keep each one now.
                copies.append(tmp_path / f"copy-{len(runs)}.age")
                copies[-1].write_bytes((destination / runs[-1].filename).read_bytes())
                time.sleep(0.2)
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=30)[0].strip())
    assert writer.returncode == 0
    assert all(run.status == "ok" for run in runs), [(r.status, r.error) for r in runs]

    seen = []
    for run, copy in zip(runs, copies):
        extracted = archive.decrypt_and_extract(
            copy, archive.load_identities(app.backup_key), tmp_path / f"out-{run.id}")
        assert file_integrity_problems(extracted.database) == []
        assert file_row_counts(extracted.database) == extracted.manifest["tables"]
        seen.append(_batches_are_whole(extracted.database))
    # The writer kept writing during the backups: each copy saw more batches.
    assert 0 < seen[0] < seen[1] < seen[2] < written

    # scripts/restore installs the last one into a fresh data folder.
    target = tmp_path / "restored" / "kituo.db"
    done = subprocess.run([str(ROOT / "scripts" / "restore"),
                           str(destination / runs[-1].filename), "--identity",
                           str(app.backup_key), "--database", str(target), "--yes",
                           "--no-services", "--env-file", "/nonexistent"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Row counts match the manifest: ok" in done.stdout
    assert "writer.batch" not in done.stdout       # the manifest is counts, not data
    assert _batches_are_whole(target) == seen[2]


def test_round_trip_through_the_age_and_sqlite3_commands(tmp_path):
    """The stock-tools restore from the README, "Running at the centre"."""
    require_tools("age", "sqlite3", "tar", "sha256sum")
    destination = tmp_path / "usb"
    app = backup_app(tmp_path, destinations=[str(destination)])
    with connected(app):
        run = services.run_backup("manual")
    out = tmp_path / "stock"
    out.mkdir()
    backup = destination / run.filename

    def sh(command: str) -> str:
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=destination,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
        return done.stdout

    assert "OK" in sh(f"sha256sum -c {backup.name}.sha256")
    sh(f"age -d -i {app.backup_key} {backup.name} | tar -xzf - -C {out}")
    assert sorted(p.name for p in out.iterdir()) == ["kituo.db", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert sh(f"sha256sum {out}/kituo.db").split()[0] == manifest["database_sha256"]
    assert sh(f"sqlite3 {out}/kituo.db 'PRAGMA integrity_check'").strip() == "ok"
    for table, count in manifest["tables"].items():
        assert int(sh(f"sqlite3 {out}/kituo.db 'SELECT COUNT(*) FROM \"{table}\"'")) == count
    # And a file the age command encrypted can be read back the same way.
    public = sh(f"age-keygen -y {app.backup_key}").strip()
    sh(f"sqlite3 {out}/kituo.db .dump | gzip | age -r {public} > {out}/dump.gz.age")
    dump = sh(f"age -d -i {app.backup_key} {out}/dump.gz.age | gunzip")
    assert "CREATE TABLE" in dump and "backup_run" in dump
