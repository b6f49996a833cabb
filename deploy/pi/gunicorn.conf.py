"""gunicorn settings used on the Pi, by `make run` and by scripts/bench.

Environment: KITUO_BIND (default 127.0.0.1:8000), KITUO_WEB_WORKERS (default 2;
a Pi 4 has 4 cores but 1-4 GB RAM; a Pi 3B should keep 2).
On the Pi (deploy/pi/install.sh) KITUO_BIND is unix:/run/kituo/web.sock and
systemd's kituo-web.service runs this file; nginx is in front.
"""
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from app.memory import return_large_allocations  # noqa: E402

return_large_allocations()     # inherited by the workers

wsgi_app = "app.wsgi:app"
bind = os.environ.get("KITUO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KITUO_WEB_WORKERS", "2"))
worker_class = "sync"          # nginx buffers slow phones in front of us
timeout = 60
graceful_timeout = 20
keepalive = 2
max_requests = 2000            # recycle workers: bounds memory growth on a 1 GB Pi
max_requests_jitter = 200
# The app is built once in the master and shared by the workers (copy on
# write: ~30 MB less on a Pi). It opens no database connection at import:
# each worker opens its own on its first request, after the fork.
preload_app = True
accesslog = os.environ.get("KITUO_ACCESS_LOG", "-")
# No query strings in the access log (search terms can be names), and the
# calendar feed's secret token masked (app/access_log.py).
logger_class = "app.access_log.GunicornLogger"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("KITUO_FORWARDED_ALLOW_IPS", "127.0.0.1")
# A unix socket is created 0770: nginx (in group kituo) may connect, nobody else.
umask = 0o007


def on_starting(server):
    """Apply pending schema migrations once, in the master, before forking."""
    from app import create_app
    from app.db import db
    from app.migrations import upgrade

    app = create_app()
    with app.app_context():
        for line in upgrade():
            server.log.info("migration: %s", line)
    if not db.is_closed():
        db.close()


def pre_fork(server, worker):
    """No SQLite connection may cross the fork; and keep the garbage
    collector from touching (and so copying) the pages the preloaded app
    shares with the workers. Collect first: on_starting's app (built for
    the migrations) is garbage held in reference cycles, and a freeze
    would keep it for the master's whole life."""
    from app.db import db
    from app.queue import huey

    if db.obj is not None and not db.is_closed():
        db.close()
    huey.storage.close()
    gc.collect()
    gc.freeze()


def post_request(worker, req, environ, resp):
    """After the response has gone out: hand the memory the request freed
    back to the system (app/memory.py; a worker that served the report,
    the members list and the slot finder kept 15 MB it no longer used)."""
    from app.memory import give_back_freed
    give_back_freed()
