"""Nightly encrypted backups: snapshot, check, compress, encrypt with age,
push with rclone, verify, prune; catch-up after downtime; an admin page,
banners, /healthz, and the clock-sanity warning."""
from flask import Blueprint
from app.i18n import lazy_gettext as _l

from app.registry import BenchPage, NavItem

bp = Blueprint("backups", __name__, url_prefix="/admin/backups")


def register(app) -> None:
    from app.backups import (banners, cli, filters, migrations, models, services,  # noqa: F401
                             settings, status, tasks, views)
    from app.config import backup_settings
    for key, value in backup_settings(app.config["INSTANCE_PATH"]).items():
        app.config.setdefault(key, value)
    app.register_blueprint(bp)
    reg = app.extensions["kituo"]
    reg.grant("admin", "backups.view", "backups.run", label={
        "backups.view": _l("See the state of the backups"),
        "backups.run": _l("Start a backup now"),
    })
    reg.nav.append(NavItem(_l("Backups"), "backups.index", "backups.view", 88))
    reg.banner_providers += [banners.stale_backup_banner, banners.clock_banner,
                             banners.disk_space_banner]
    reg.health_checks.append(status.health)
    reg.interrupted_work.append(services.put_back_interrupted)
    reg.bench_pages.append(BenchPage("backups", "admin", "/admin/backups/"))
    cli.init_app(app)
    filters.init_app(app)
