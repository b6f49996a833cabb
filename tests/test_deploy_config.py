"""The Pi deployment files are valid: shellcheck on the scripts,
`systemd-analyze verify` on the units, `nginx -t` on the generated site,
and the settings that matter are in them."""
from __future__ import annotations

import re
import subprocess

import pytest

from tests.backup_support import require_tools
from tests.deploy_support import PI, ROOT, make_cert, nginx_main_conf, render_site

pytestmark = pytest.mark.deployment   # Debian packages (tests/conftest.py)

SCRIPTS = [PI / "install.sh", PI / "upgrade.sh", PI / "make-cert.sh", PI / "kituo",
           ROOT / "scripts" / "restore", ROOT / "scripts" / "ensure-test-packages",
           ROOT / "scripts" / "ensure-chromium"]
UNITS = ["kituo-web.service", "kituo-worker.service"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck_passes(script):
    require_tools("shellcheck")
    done = subprocess.run(["shellcheck", "-x", str(script)], capture_output=True, text=True,
                          cwd=script.parent)
    assert done.returncode == 0, done.stdout
    assert script.stat().st_mode & 0o111, f"{script.name} is not executable"


def _units_for_this_machine(folder):
    """The units with /opt/kituo paths pointed at this checkout (verify
    checks that ExecStart programs exist)."""
    env_file = folder / "kituo.env"
    env_file.write_text("KITUO_INSTANCE=/var/lib/kituo\n")
    for unit in UNITS:
        text = (PI / unit).read_text()
        text = text.replace("/opt/kituo/venv", str(ROOT / ".venv"))
        text = text.replace("/opt/kituo/src", str(ROOT))
        text = text.replace("/etc/kituo/kituo.env", str(env_file))
        (folder / unit).write_text(text)
    return [folder / unit for unit in UNITS]


def test_systemd_analyze_verify_passes(tmp_path):
    require_tools("systemd-analyze")
    units = _units_for_this_machine(tmp_path)
    done = subprocess.run(["systemd-analyze", "verify", *map(str, units)], capture_output=True,
                          text=True, cwd=tmp_path, env={"SYSTEMD_LOG_LEVEL": "warning",
                                                        "PATH": "/usr/bin:/bin"})
    # verify is silent for sound units; unknown keys, bad values and missing
    # programs are reported (and most make it fail).
    assert done.returncode == 0, done.stdout + done.stderr
    assert (done.stdout + done.stderr).strip() == ""


def test_units_say_what_the_pi_needs():
    web = (PI / "kituo-web.service").read_text()
    worker = (PI / "kituo-worker.service").read_text()
    assert "deploy/pi/gunicorn.conf.py" in web and "User=kituo" in web
    assert "EnvironmentFile=/etc/kituo/kituo.env" in web and "ReadWritePaths=/var/lib/kituo" in web
    assert "huey_consumer app.worker.huey" in worker
    assert re.search(r"^KillSignal=SIGINT$", worker, re.M)
    assert "--flush-locks" in worker and "After=network-online.target kituo-web.service" in worker


def test_nginx_accepts_the_generated_site_for_the_pi(tmp_path):
    """The site exactly as install.sh writes it (ports 80/443, IPv6 too),
    only the certificate folder and static root pointing at test files."""
    require_tools("nginx", "openssl")
    tls = make_cert(tmp_path / "tls")
    site = render_site(tls_dir=str(tls), static_root=str(ROOT / "static"),
                       ca_cert=str(tls / "ca.crt"))
    conf = nginx_main_conf(tmp_path / "nginx", site)
    done = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", str(tmp_path / "nginx")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_generated_site_has_tls_redirect_static_caching_buffering_and_limits():
    site = render_site()
    assert "@" not in re.sub(r"#.*", "", site), "a placeholder was left unfilled"
    assert "server unix:/run/kituo/web.sock" in site
    assert "listen 443 ssl http2 default_server;" in site and "listen [::]:443" in site
    assert "listen 443 ssl http2;" in site and "listen [::]:443 ssl http2;" in site
    assert "return 301 https://$host$request_uri;" in site
    assert "ssl_certificate /etc/kituo/tls/kituo.crt;" in site
    assert "alias /opt/kituo/src/static/;" in site and "gzip_static on;" in site
    assert "expires 30d;" in site and 'Cache-Control "public' in site
    assert "proxy_buffering on;" in site and "proxy_request_buffering on;" in site
    assert re.search(r"client_max_body_size \d+m;", site)
    # Only the configured names are answered (#10 item 19); any other host
    # name meets a default server that closes the connection.
    assert re.findall(r"server_name ([^;]+);", site) == ["_", "_", "kituo.local", "kituo.local"]
    assert site.count("return 444;") == 2
    assert "X-Forwarded-Host" not in site


def test_generated_site_answers_the_configured_name_and_aliases():
    site = render_site(hostname="intranet", host_aliases="192.168.1.20 kituo.lan")
    assert re.findall(r"server_name ([^;]+);", site)[2:] == [
        "intranet.local 192.168.1.20 kituo.lan"] * 2


def test_install_refuses_a_host_name_that_is_not_one():
    done = subprocess.run([str(PI / "install.sh"), "--print-nginx-site"], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "KITUO_HOSTNAME": "evil/x"})
    assert done.returncode != 0 and "KITUO_HOSTNAME is not a host name" in done.stderr


def test_cert_script_is_idempotent(tmp_path):
    require_tools("openssl")
    first = subprocess.run([str(PI / "make-cert.sh"), str(tmp_path)], capture_output=True,
                           text=True, check=True)
    before = (tmp_path / "kituo.crt").read_bytes()
    second = subprocess.run([str(PI / "make-cert.sh"), str(tmp_path)], capture_output=True,
                            text=True, check=True)
    assert first.stdout.strip() == "changed" and second.stdout == ""
    assert (tmp_path / "kituo.crt").read_bytes() == before
    assert (tmp_path / "ca.key").stat().st_mode & 0o777 == 0o600
    verify = subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "ca.crt"),
                             str(tmp_path / "kituo.crt")], capture_output=True, text=True)
    assert verify.returncode == 0
    san = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "kituo.crt"), "-noout",
                          "-ext", "subjectAltName"], capture_output=True, text=True).stdout
    assert "DNS:kituo.local" in san


def test_install_script_refuses_without_root_and_explains_usage():
    done = subprocess.run([str(PI / "install.sh"), "--help"], capture_output=True, text=True)
    assert done.returncode == 2 and "Idempotent" in done.stdout


def test_nginx_logs_no_query_strings():
    """Searches (?q=name) must not end up in nginx's access log, nor the
    calendar feed's token (the path goes through the masking map)."""
    site = (PI / "nginx-kituo.conf").read_text()
    logs = re.findall(r"^\s*access_log\s+([^;]+);", site, flags=re.M)
    assert logs and all(v.strip() == "off" or v.strip().endswith("kituo_noquery") for v in logs)
    fmt = re.search(r"log_format kituo_noquery(.*?);", site, flags=re.S).group(1)
    assert "$request_uri" not in fmt and "$args" not in fmt and "$request " not in fmt
    assert "$uri" not in fmt and "$kituo_log_path" in fmt
    errors = re.findall(r"^\s*error_log\s+([^;]+);", site, flags=re.M)
    assert errors and all(v.split()[-1] == "crit" for v in errors)


def test_install_runs_one_nginx_worker_unless_the_administrator_chose(tmp_path):
    """Debian's nginx.conf says `worker_processes auto;`: one worker per
    core, four on a Pi, ~3 MB each of a Pi 3B's memory (#13: Kituo + nginx
    measured 161.2 MB of the 160 MB budget with two). install.sh makes it
    one; a number an administrator wrote stays."""
    script = (PI / "install.sh").read_text()
    function = re.search(r"^one_nginx_worker\(\) \{.*?^\}", script, re.S | re.M).group(0)
    debian = tmp_path / "nginx.conf"
    debian.write_text("user www-data;\nworker_processes auto;\npid /run/nginx.pid;\n")
    chosen = tmp_path / "chosen.conf"
    chosen.write_text("user www-data;\nworker_processes 3;\n")

    def run(conf):
        return subprocess.run(["bash", "-c", f'{function}\none_nginx_worker "$1"', "_", str(conf)],
                              capture_output=True, text=True).returncode
    assert run(debian) == 0
    assert debian.read_text() == "user www-data;\nworker_processes 1;\npid /run/nginx.pid;\n"
    assert run(debian) == 1            # a second install changes nothing
    assert run(chosen) == 1 and "worker_processes 3;" in chosen.read_text()
    assert "if one_nginx_worker /etc/nginx/nginx.conf; then" in script
