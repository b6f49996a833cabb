"""Kituo: the resource centre's intranet. `create_app()` builds the app."""
from __future__ import annotations

import importlib
from pathlib import Path

from flask import Flask

from app import config as kituo_config
from app.registry import Registry

__version__ = "0.1.0"

# Each module is a package with a `register(app)` function. Order matters
# only for navigation defaults; modules never import each other's views.
MODULES = [
    "app.core",
    "app.auth",
    "app.jobs",
    "app.admin",
    "app.members",
    "app.mentorship",
    "app.safeguarding",
    "app.counselling",
    "app.education",
    "app.loans",
    "app.backups",
    "app.wellbeing",
    "app.reports",
]

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=kituo_config.instance_path().as_posix(),
    )
    from app.templating import KituoEnvironment
    app.jinja_environment = KituoEnvironment     # before anything builds app.jinja_env
    app.config.update(kituo_config.from_environment())
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        from app import secret_key
        folder = Path(app.config["INSTANCE_PATH"])
        app.config["SECRET_KEY"] = secret_key.load_or_create(folder)
        app.config["SECRET_KEY_FILE"] = str(folder / secret_key.FILE_NAME)
    app.config["VERSION"] = __version__
    app.extensions["kituo"] = Registry()

    from app import extensions
    extensions.init_app(app)
    for name in MODULES:
        importlib.import_module(name).register(app)
        app.extensions["kituo"].add_module_metrics(name)
    from app import cli, migrations  # noqa: F401  (registers schema steps)
    cli.init_app(app)
    return app
