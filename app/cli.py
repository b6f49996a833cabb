"""Command line: flask --app app init-db | create-user | seed-demo."""
from __future__ import annotations

import os
import random
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app import db as database
from app.migrations import upgrade
from app.access import ROLES

# The demo centre's staff: fictional Kenyan names, one account per role.
DEMO_USERS = [
    ("amina", "Amina Wanjiru", "admin", "en"),
    ("baraka", "Baraka Otieno", "coordinator", "en"),
    ("chebet", "Chebet Kiprono", "counsellor", "sw"),
    ("daudi", "Daudi Mwangi", "mentor", "sw"),
    ("esther", "Esther Njeri", "finance", "en"),
    ("fatuma", "Fatuma Hassan", "trainer", "sw"),
    ("grace", "Grace Achieng", "safeguarding_lead", "en"),
    ("halima", "Halima Ali", "member", "sw"),
]


def demo_logins_path() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / "demo-logins.txt"


def _connected(func):
    def run(*args, **kwargs):
        with database.db.connection_context():
            return func(*args, **kwargs)
    run.__name__ = func.__name__
    run.__doc__ = func.__doc__
    return run


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create the database or apply pending migrations."""
    for line in upgrade() or ["schema is up to date"]:
        click.echo(line)
    click.echo(f"database: {current_app.config['DATABASE']}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(list(ROLES)))
@click.option("--name", "display_name", default=None, help="Display name (default: username).")
@click.option("--language", default="en", type=click.Choice(["en", "sw"]))
@click.option("--setup-code", is_flag=True,
              help="Print a one-time setup code instead of asking for a password.")
@with_appcontext
@_connected
def create_user_command(username, roles, display_name, language, setup_code):
    """Create a user, e.g. the first admin: create-user NAME --role admin."""
    from app.auth import services
    upgrade()
    password = None
    if not setup_code:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(username, display_name or username, roles,
                                    language=language, password=password)
    except services.AuthError as error:
        raise click.ClickException(str(error.message))
    click.echo(f"created {user.username} ({', '.join(user.role_names)})")
    if setup_code:
        issued = services.issue_setup_code(user, None)
        click.echo(f"setup code: {issued.code} (valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC,"
                   f" use it at /setup)")


def holds_real_data() -> bool:
    from app.auth.models import User
    real_users = User.select().where(User.is_demo == False).exists()  # noqa: E712
    return real_users or any(check() for check in current_app.extensions["kituo"].real_data_checks)


def write_demo_logins(password: str) -> Path:
    path = demo_logins_path()
    lines = [f"{u:<8} {role:<18} password: {password}" for u, _n, role, _l in DEMO_USERS]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


@click.command("seed-demo")
@click.option("--members", default=200, show_default=True, help="How many demo members.")
@click.option("--seed", default=None, type=int, help="Random seed (repeatable data).")
@click.option("--if-empty", is_flag=True,
              help="Seed only an empty database; otherwise say what it holds and start it "
                   "as it is (what `make run` does).")
@with_appcontext
@_connected
def seed_demo_command(members, seed, if_empty):
    """Fill an empty database with fictional demo data."""
    from app.auth.models import User
    upgrade()
    if User.select().exists() or holds_real_data():
        message = _what_it_holds()
        if if_empty:
            click.echo(message)
            return
        raise click.ClickException(message + " Nothing was seeded.")
    path = seed_demo(members, seed)
    click.echo(f"The database was empty: seeded fictional demo data; logins written to {path}")


def _what_it_holds() -> str:
    from app.auth.models import User
    if holds_real_data():
        return ("This database holds real (non-demo) data: it is used as it is, "
                "with its own accounts.")
    path = demo_logins_path()
    if path.exists() and User.select().where(User.is_demo == True).exists():  # noqa: E712
        return f"This database already holds the demo data: used as it is; logins in {path}."
    return (f"This database holds demo accounts but their logins file ({path}) is missing. "
            "To start afresh, see 'Start afresh' in the README.")


def seed_demo(members: int = 200, seed: int | None = None) -> Path:
    """Every demo account and module's data in one transaction, the logins
    file written in it: a seeder that fails leaves an empty database and no
    file (never accounts nobody can sign in to)."""
    from app.auth import services
    password = "demo-" + secrets.token_urlsafe(8)
    rng = random.Random(seed)
    path = demo_logins_path()
    try:
        with database.db.atomic():
            users = {}
            for username, name, role, language in DEMO_USERS:
                users[role] = services.create_user(username, name, [role], language=language,
                                                   password=password, is_demo=True)
            for _order, seeder in sorted(current_app.extensions["kituo"].demo_seeders,
                                         key=lambda pair: pair[0]):
                seeder(members=members, rng=rng, users=users)
            write_demo_logins(password)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def init_app(app) -> None:
    for command in (init_db_command, create_user_command, seed_demo_command):
        app.cli.add_command(command)
