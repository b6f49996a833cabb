"""gunicorn settings used on the Pi, by `make run` and by scripts/bench.

Environment: KITUO_BIND (default 127.0.0.1:8000), KITUO_WEB_WORKERS (default 2;
a Pi 4 has 4 cores but 1-4 GB RAM; a Pi 3B should keep 2).
On the Pi (deploy/pi/install.sh) KITUO_BIND is unix:/run/kituo/web.sock and
systemd's kituo-web.service runs this file; nginx is in front.
"""
import os

wsgi_app = "app.wsgi:app"
bind = os.environ.get("KITUO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("KITUO_WEB_WORKERS", "2"))
worker_class = "sync"          # nginx buffers slow phones in front of us
timeout = 60
graceful_timeout = 20
keepalive = 2
max_requests = 2000            # recycle workers: bounds memory growth on a 1 GB Pi
max_requests_jitter = 200
preload_app = False            # each worker opens its own database after fork
accesslog = os.environ.get("KITUO_ACCESS_LOG", "-")
# No query strings in the access log: search terms can be names.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("KITUO_FORWARDED_ALLOW_IPS", "127.0.0.1")
# A unix socket is created 0770: nginx (in group kituo) may connect, nobody else.
umask = 0o007


def on_starting(server):
    """Apply pending schema migrations once, in the master, before forking."""
    from app import create_app
    from app.db import db, upgrade

    app = create_app()
    with app.app_context():
        for line in upgrade():
            server.log.info("migration: %s", line)
    if not db.is_closed():
        db.close()
