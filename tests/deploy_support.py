"""Helpers for the deployment tests: render the deploy configuration with
paths and ports of a test folder."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PI = ROOT / "deploy" / "pi"


def make_cert(folder: Path) -> Path:
    subprocess.run([str(PI / "make-cert.sh"), str(folder)], check=True, capture_output=True)
    return folder


def render_site(**overrides: str) -> str:
    """`install.sh --print-nginx-site` with KITUO_* overrides (the host
    name kituo.local unless `hostname` is given, never this machine's
    /etc/kituo/kituo.env)."""
    overrides = {"hostname": "kituo.local", "host_aliases": "", **overrides}
    env = dict(os.environ, **{f"KITUO_{k.upper()}": v for k, v in overrides.items()})
    done = subprocess.run([str(PI / "install.sh"), "--print-nginx-site"], env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout


def nginx_main_conf(folder: Path, site: str) -> Path:
    """A main nginx.conf running from `folder`, including the Kituo site."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / "kituo-site.conf").write_text(site)
    conf = folder / "nginx.conf"
    conf.write_text(f"""
user root root;
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {folder}/logs/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/kituo-site.conf;
}}
""")
    return conf
