"""Background jobs: a Job record, progress polling and result downloads."""
from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def register(app) -> None:
    from app.jobs import models, services, tasks, views  # noqa: F401
    app.register_blueprint(bp)
    app.extensions["kituo"].interrupted_work.append(services.fail_interrupted)
