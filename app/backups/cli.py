"""Command line: flask --app app backup run | status | snapshot PATH."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app import db as database

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
    with database.db.connection_context():
        while True:
            try:
                run = services.run_backup(trigger, progress=lambda pct, phase: click.echo(
                    f"  {pct:3d}% {phase}", err=True))
                break
            except services.BackupBusy:
                if time.monotonic() > deadline:
                    raise click.ClickException("another backup is still running") from None
                time.sleep(5)
        click.echo(f"backup {run.id}: {run.status} {run.filename} {run.size_bytes or 0} bytes")
        for result in run.results:
            click.echo(f"  {result.destination}: {result.status} (attempts {result.attempts}, "
                       f"verified by {result.verified_by or '-'}) {result.error}")
        if run.status not in ("ok", "local_only"):
            click.echo(f"error: {run.error}", err=True)
            sys.exit(1)


@backup_cli.command("status")
def status_command():
    """Last success per destination and the next scheduled run."""
    from app.backups import services
    with database.db.connection_context():
        for problem in services.configuration_problems():
            click.echo(f"problem: {problem}")
        for item in services.destination_overview():
            last = item.last_success
            click.echo(f"{item.label}: last success "
                       f"{last.finished_at:%Y-%m-%d %H:%M} UTC" if last else f"{item.label}: never")
        click.echo(f"next run: {services.next_run_at():%Y-%m-%d %H:%M} UTC")
        age = services.offsite_age()
        click.echo("last off-Pi backup: " + ("never" if age is None else f"{age} ago"))


@backup_cli.command("snapshot")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def snapshot_command(target):
    """A plain, checked copy of the live database (kept before an upgrade)."""
    from app.backups import services
    with database.db.connection_context():
        counts = services.snapshot_copy(target)
    click.echo(f"snapshot {target}: {sum(counts.values())} rows in {len(counts)} tables")


def init_app(app) -> None:
    app.cli.add_command(backup_cli)
