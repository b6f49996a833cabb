"""Authentication: users, sessions, login throttling, setup codes."""
from flask import Blueprint

bp = Blueprint("auth", __name__)


def register(app) -> None:
    from app.auth import models, tasks, views  # noqa: F401  (routes, tasks, tables)
    from app.auth.services import load_session_user
    from app.extensions import login_manager

    login_manager.user_loader(load_session_user)
    app.register_blueprint(bp)
