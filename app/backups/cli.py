"""Command line: flask --app app backup run | status | snapshot PATH."""
from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app import db as database

DISK_FULL = "the disk is full; nothing was saved. Free some space, then try again."
DISK_ERROR = "the disk reported an I/O error; nothing was saved. Check the disk (or the SD card)."

backup_cli = AppGroup("backup", help="Encrypted backups (see the README, 'Running at the centre').")


@backup_cli.command("run")
@click.option("--trigger", default="cli", type=click.Choice(["cli", "upgrade"]),
              help="Recorded as the reason for this backup.")
@click.option("--wait", default=600, show_default=True,
              help="Seconds to wait when another backup is running.")
def run_command(trigger, wait):
    """Take a backup now and push it to every destination."""
    import time

    from app.backups import services
    deadline = time.monotonic() + wait
    with _report_here_not_in_the_log(), database.db.connection_context(), \
            _one_line_when_the_disk_fails("backup"):
        while True:
            try:
                run = services.run_backup(trigger, progress=_progress())
                break
            except services.BackupBusy:
                if time.monotonic() > deadline:
                    raise click.ClickException("another backup is still running") from None
                time.sleep(5)
        if run.error == "disk_full":
            click.echo(f"backup {run.id} failed: {DISK_FULL}", err=True)
            sys.exit(1)
        click.echo(f"backup {run.id}: {run.status} {run.filename} {run.size_bytes or 0} bytes")
        for result in run.results:
            click.echo(f"  {result.destination}: {result.status} (attempts {result.attempts}, "
                       f"verified by {result.verified_by or '-'}) {result.error}")
        if run.status not in ("ok", "local_only"):
            click.echo(f"error: {run.error}", err=True)
            sys.exit(1)


def _progress():
    """Progress lines for a person at a terminal; scripts and logs get the
    result line only."""
    if not sys.stderr.isatty():
        return None
    return lambda pct, phase: click.echo(f"  {pct:3d}% {phase}", err=True)


@contextlib.contextmanager
def _one_line_when_the_disk_fails(what: str):
    """A full disk (or a failing one) is said in one line, not a traceback."""
    try:
        yield
    except Exception as error:
        from app import storage
        kind = storage.explain(error, database.database_folder())
        if kind is None:
            raise
        click.echo(f"{what} failed: {DISK_FULL if kind == 'full' else DISK_ERROR}", err=True)
        sys.exit(1)


@contextlib.contextmanager
def _report_here_not_in_the_log():
    """This command says what happened in its own lines: the backup
    module's log lines (the worker's journal) would only repeat them."""
    quiet, silent = logging.getLogger("app.backups"), logging.NullHandler()
    quiet.propagate = False
    quiet.addHandler(silent)
    try:
        yield
    finally:
        quiet.removeHandler(silent)
        quiet.propagate = True


@backup_cli.command("status")
def status_command():
    """Last success per destination and the next scheduled run."""
    from app.backups import services, status
    with database.db.connection_context():
        for problem in status.configuration_problems():
            click.echo(f"problem: {problem}")
        for item in status.destination_overview():
            last = item.last_success
            click.echo(f"{item.label}: last success "
                       f"{last.finished_at:%Y-%m-%d %H:%M} UTC" if last else f"{item.label}: never")
            if item.problem:
                click.echo(f"  problem: {item.problem}")
        click.echo(f"next run: {services.next_run_at():%Y-%m-%d %H:%M} UTC")
        fresh = status.freshness()
        click.echo("last off-Pi backup: " + {
            "never": "never", "unknown": "unknown (the clock is behind the last backup)",
        }.get(fresh.kind, f"{fresh.age} ago"))


@backup_cli.command("snapshot")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def snapshot_command(target):
    """A plain, checked copy of the live database (kept before an upgrade)."""
    from app.backups import services
    with database.db.connection_context(), _one_line_when_the_disk_fails("snapshot"):
        try:
            counts = services.snapshot_copy(target)
        except services.BackupBusy:
            raise click.ClickException("a backup is still running after 10 minutes") from None
    click.echo(f"snapshot {target}: {sum(counts.values())} rows in {len(counts)} tables")


def init_app(app) -> None:
    app.cli.add_command(backup_cli)
