"""Restore a backup: `scripts/restore BACKUP --identity KEYFILE`.

  1. fetch the backup (a file, or an rclone path such as usb:kituo/FILE);
  2. check its .sha256 file when there is one, decrypt with the private key,
     check the database against the manifest's sha256, run
     PRAGMA integrity_check and compare row counts with the manifest;
  3. print the manifest;
  4. stop kituo-web and kituo-worker (when their systemd units exist);
     refuse, changing nothing, while any Kituo process still has the
     database (under `make run`, say: every web, worker and command-line
     process holds DATABASE-inuse, see app.storage.hold_in_use);
  5. keep the current database aside (kituo.db.before-restore-TIME);
  6. install the restored database, migrate it, start the services.

Options: --database PATH (default from /etc/kituo/kituo.env or the
environment), --env-file FILE, --check-only (steps 1-3), --yes (no question),
--no-services (never touch systemd).
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from app.backups import archive, scratch
from app.backups.archive import ArchiveError
from app.storage import fsync_path

ROOT = Path(__file__).resolve().parent.parent.parent
UNITS = ("kituo-worker.service", "kituo-web.service")   # stop order


class RestoreError(Exception):
    pass


def say(message: str) -> None:
    print(message, flush=True)


def load_env_file(path: Path) -> None:
    """KEY=value lines (systemd EnvironmentFile style); the environment wins."""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)


def default_database() -> Path:
    from app.config import database_path
    return database_path()


def fetch(backup: str, into: Path) -> Path:
    """A local copy of the backup (and its .sha256 file when present)."""
    local = Path(backup)
    if local.is_file():
        return local
    if ":" not in backup:
        raise RestoreError(f"no such file: {backup}")
    say(f"Fetching {backup} with rclone...")
    command = ["rclone"]
    from app.config import rclone_config_path
    if rclone_config_path():
        command += ["--config", rclone_config_path()]
    name = backup.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    target = into / name
    for source, dest, required in ((backup, target, True),
                                   (backup + archive.CHECKSUM_SUFFIX,
                                    into / (name + archive.CHECKSUM_SUFFIX), False)):
        done = subprocess.run(command + ["copyto", source, str(dest)], capture_output=True,
                              text=True, check=False)
        if done.returncode != 0 and required:
            raise RestoreError(f"rclone could not fetch {backup}: {done.stderr.strip()[-300:]}")
    return target


def check_sidecar(backup: Path) -> None:
    sidecar = backup.with_name(backup.name + archive.CHECKSUM_SUFFIX)
    if not sidecar.is_file():
        say("No .sha256 file next to the backup: skipping the file checksum.")
        return
    expected = sidecar.read_text(encoding="utf-8").split()[0].lower()
    if archive.file_hashes(backup)["sha256"] != expected:
        raise RestoreError("the backup file does not match its .sha256 file: it is damaged")
    say("Backup file checksum: ok")


def verify(backup: Path, identity: Path, work: Path) -> archive.Extracted:
    from app.backups import snapshots
    check_sidecar(backup)
    extracted = archive.decrypt_and_extract(backup, archive.load_identities(identity), work)
    say("Decrypted; database checksum matches the manifest: ok")
    problems = snapshots.file_integrity_problems(extracted.database)
    if problems:
        raise RestoreError("integrity check failed: " + "; ".join(problems[:5]))
    say("PRAGMA integrity_check: ok")
    counts = snapshots.file_row_counts(extracted.database)
    if counts != extracted.manifest["tables"]:
        raise RestoreError("row counts differ from the manifest")
    say("Row counts match the manifest: ok")
    return extracted


# --- services ---------------------------------------------------------------------

def systemd_units() -> list[str]:
    """The Kituo units systemd knows here ([] without a running systemd)."""
    if not shutil.which("systemctl") or not Path("/run/systemd/system").is_dir():
        return []
    found = []
    for unit in UNITS:
        done = subprocess.run(["systemctl", "list-unit-files", "--no-legend", unit],
                              capture_output=True, text=True, check=False)
        if unit in done.stdout:
            found.append(unit)
    return found


def stop_services(units: list[str]) -> list[str]:
    stopped = []
    for unit in units:
        active = subprocess.run(["systemctl", "is-active", "--quiet", unit], check=False)
        if active.returncode == 0:
            say(f"Stopping {unit}...")
            subprocess.run(["systemctl", "stop", unit], check=True)
            stopped.append(unit)
    return stopped


def start_services(units: list[str]) -> None:
    for unit in reversed(units):  # web first (it migrates), then the worker
        say(f"Starting {unit}...")
        subprocess.run(["systemctl", "start", unit], check=True)


# --- install ------------------------------------------------------------------------

def _owner_of(folder: Path) -> tuple[int, int]:
    info = folder.stat()
    return info.st_uid, info.st_gid


def keep_aside(target: Path, stamp: str) -> Path | None:
    """Move the current database and its -wal/-shm files aside together."""
    if not target.exists():
        return None
    aside = target.with_name(f"{target.name}.before-restore-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        current = Path(f"{target}{suffix}")
        if current.exists():
            current.rename(f"{aside}{suffix}")
    return aside


def put_back(target: Path, aside: Path | None) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        if aside is not None and Path(f"{aside}{suffix}").exists():
            Path(f"{aside}{suffix}").rename(f"{target}{suffix}")


def migrate(target: Path) -> None:
    """Bring the restored database to this version's schema, in a child
    process running as the owner of the data folder (files it creates
    must belong to the service user, not root)."""
    uid, gid = _owner_of(target.parent)
    env = dict(os.environ, KITUO_DATABASE=str(target))
    env.setdefault("KITUO_INSTANCE", str(target.parent))
    as_owner = {"user": uid, "group": gid, "extra_groups": []} if os.geteuid() == 0 else {}
    done = subprocess.run([sys.executable, "-m", "app.backups.restore", "--migrate-only",
                           str(target)], cwd=ROOT, env=env, check=False, **as_owner)
    if done.returncode != 0:
        raise RestoreError("migrating the restored database failed (see above)")


def migrate_here(target: Path) -> None:
    from app import create_app
    from app.backups.models import BackupRun
    from app.db import db, utcnow
    from app.migrations import upgrade
    # HOLD_DATABASE off: the restore holds the database exclusively for us.
    app = create_app({"DATABASE": str(target), "SECRET_KEY": "restore-only",
                      "HOLD_DATABASE": False})
    with app.app_context():
        for line in upgrade() or ["schema is up to date"]:
            say(f"migration: {line}")
        with db.connection_context():
            # The backup was taken while its own run was in progress.
            BackupRun.update(status=BackupRun.INTERRUPTED, finished_at=utcnow()).where(
                BackupRun.status == BackupRun.RUNNING).execute()


def install(extracted: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(extracted, staged)
    os.chmod(staged, 0o600)
    if os.geteuid() == 0:
        os.chown(staged, *_owner_of(target.parent))
    with open(staged, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(staged, target)
    fsync_path(target.parent)


def _scratch(parent: Path | None):
    """A private folder (0700) for the decrypted copy: next to the database
    (same disk; swept at worker start if a crash leaves it), or in the
    system's temporary folder for --check-only."""
    if parent is None:
        return tempfile.TemporaryDirectory(prefix=scratch.PREFIX)
    return scratch.private_folder(parent)


def restore(args) -> int:
    target = Path(args.database) if args.database else default_database()
    target = target.resolve()
    scratch_parent = None if args.check_only else target.parent
    with _scratch(scratch_parent) as tmp:
        work = Path(tmp)
        os.chmod(work, 0o700)
        backup = fetch(args.backup, work)
        extracted = verify(backup, Path(args.identity), work / "extracted")
        say("")
        say(archive.describe_manifest(extracted.manifest))
        say("")
        if args.check_only:
            say("Check only: nothing was changed.")
            return 0
        say(f"This replaces the database at {target}.")
        if not args.yes:
            answer = input("Type yes to restore: ").strip().lower()
            if answer != "yes":
                say("Nothing was changed.")
                return 1
        units = [] if args.no_services else systemd_units()
        stopped = stop_services(units)
        try:
            with _nothing_else_running(target):
                _replace(extracted.database, target)
        finally:
            start_services(stopped)
    say(f"Restored the backup of {extracted.manifest['created_at']} into {target}.")
    return 0


@contextlib.contextmanager
def _nothing_else_running(target: Path):
    """Hold the database exclusively: no web, worker or command line may
    have it (a save would go into the copy kept aside), and none can start
    until the restored one is in place."""
    from app import storage
    owner = _owner_of(target.parent) if os.geteuid() == 0 else None
    try:
        with storage.exclusive_use(target, owner):
            yield
    except storage.DatabaseInUse as busy:
        raise RestoreError(
            f"Kituo is running ({busy or 'web server or worker'}): stop the web server and the "
            "worker first (Ctrl-C under `make run`; on the Pi the restore stops them itself), "
            "then run the restore again. Nothing was changed.") from None


def _replace(restored: Path, target: Path) -> None:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = keep_aside(target, stamp)
    if aside:
        say(f"The current database is kept at {aside}")
    try:
        install(restored, target)
        migrate(target)
    except Exception:
        say("Restore failed: putting the previous database back.")
        put_back(target, aside)
        raise


def parse(argv):
    parser = argparse.ArgumentParser(prog="scripts/restore", description=(__doc__ or "").split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backup", help="backup file (.tar.gz.age) or rclone path")
    parser.add_argument("--identity", "-i", required=True,
                        help="the private key file made by age-keygen")
    parser.add_argument("--database", help="database to replace")
    parser.add_argument("--env-file", default="/etc/kituo/kituo.env")
    parser.add_argument("--check-only", action="store_true")
    parser.add_argument("--yes", action="store_true")
    parser.add_argument("--no-services", action="store_true")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--migrate-only"]:
        migrate_here(Path(argv[1]))
        return 0
    args = parse(argv)
    env_file = Path(args.env_file)
    if env_file.is_file() and os.access(env_file, os.R_OK):
        load_env_file(env_file)
    try:
        return restore(args)
    except (RestoreError, ArchiveError, OSError) as error:
        print(f"restore: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
