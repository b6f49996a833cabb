"""WSGI entry point for gunicorn: `app.wsgi:app`."""
from app import create_app
from app.preload import compile_for_workers

app = create_app()
compile_for_workers(app)
