"""Helpers for the emulated-Pi tier: a browser that reaches the Pi's nginx
by its name (kituo.local, on this machine's 127.0.0.1: the container shares
the network), and the steps a person takes on a fresh Pi."""
from __future__ import annotations

import http.client
import ssl
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
# The emulated Pi yields the CPU to everything else on this machine (other
# people's tests on a shared one); an idle CI machine gives it all the same.
NICE = 19
sys.path.insert(0, str(ROOT / "scripts"))

import emulated_pi  # noqa: E402  (scripts/emulated_pi.py)

HOST = emulated_pi.PI_HOST
CHECKOUT = "/home/pi/kituo"
ADMIN = ("amina", "a long test passphrase for the Pi")


class PiBrowser:
    """Cookies, CSRF tokens and forms over https://kituo.local, trusting the
    certificate authority the Pi made for itself."""

    def __init__(self, ca: Path, host: str = HOST):
        self.host = host
        self.context = ssl.create_default_context(cafile=str(ca))
        self.cookies = SimpleCookie()

    def request(self, method, path, form=None, headers=None, timeout=120):
        conn = emulated_pi.NamedHTTPSConnection(self.host, context=self.context, timeout=timeout)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://{self.host}{path}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        return response, data

    def csrf(self, path) -> str:
        _response, data = self.request("GET", path)
        return BeautifulSoup(data, "html.parser").find("input", {"name": "csrf_token"})["value"]

    def form(self, path, form_path=None) -> dict:
        """What a browser sends for the form posting to `path` on the page
        `form_path` as it is shown: its CSRF token, every field's value,
        the selected option of each list (else its first), ticked boxes."""
        _response, data = self.request("GET", form_path or path)
        page = BeautifulSoup(data, "html.parser")
        form = next((f for f in page.find_all("form")
                     if (f.get("action") or form_path or path) == path and
                     f.find("input", {"name": "csrf_token"})), None)
        assert form is not None, f"no form posting to {path} on {form_path or path}"
        values = {}
        for field in form.find_all(["input", "select", "textarea"]):
            name, kind = field.get("name"), (field.get("type") or "").lower()
            if not name or kind in ("submit", "button", "file", "image", "reset"):
                continue
            if kind in ("checkbox", "radio"):
                if field.has_attr("checked"):
                    values[name] = field.get("value", "on")
            elif field.name == "select":
                options = field.find_all("option")
                chosen = next((o for o in options if o.has_attr("selected")),
                              options[0] if options else None)
                values[name] = chosen.get("value", chosen.get_text()) if chosen else ""
            elif field.name == "textarea":
                values[name] = field.get_text()
            else:
                values[name] = field.get("value", "")
        return values

    def submit(self, path, form_path=None, **fields):
        """POST a form as a browser does: the page's own values and CSRF
        token, with `fields` typed in."""
        return self.request("POST", path, dict(self.form(path, form_path), **fields))

    def sign_in(self, username, password) -> None:
        response, _ = self.submit("/login", username=username, password=password)
        location = response.getheader("Location") or ""
        assert response.status == 303 and not location.startswith("/login"), \
            (response.status, location)


def fetch_ca(pi: emulated_pi.Pi, folder: Path) -> Path:
    """The CA certificate as a phone gets it: http://kituo.local/kituo-ca.crt.
    Right after install.sh, nginx may still be finishing its reload (the
    default site's 404 for a moment; seen in the upgrade test): a phone
    opening the address later gets the file, so wait up to a minute."""
    deadline = time.monotonic() + 60
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", 80, timeout=30)
        conn.request("GET", "/kituo-ca.crt", headers={"Host": HOST})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        if response.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert response.status == 200, response.status
    path = folder / "kituo-ca.crt"
    path.write_bytes(body)
    assert body == pi.path("/etc/kituo/tls/ca.crt").read_bytes()
    return path


def install(pi: emulated_pi.Pi, source: Path, files: list[Path] | None = None) -> str:
    """As the README says: the code in /home/pi/kituo, then
    `sudo deploy/pi/install.sh` as the pi user. Returns its output."""
    pi.copy_in(files if files is not None else emulated_pi.checkout_files(source), source,
               CHECKOUT)
    done = pi.run("sudo", "deploy/pi/install.sh", user="pi", cwd=CHECKOUT, timeout=1800)
    return done.stdout + done.stderr


def wait_healthy(pi: emulated_pi.Pi, timeout: float = 300) -> dict:
    """/healthz through nginx, as the README's after-a-power-cut check does."""
    import json
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        done = pi.run("curl", "-s", "--max-time", "20", "--cacert", "/etc/kituo/tls/ca.crt",
                      f"https://{HOST}/healthz", check=False)
        last = done.stdout
        if done.returncode == 0 and last.startswith("{"):
            data = json.loads(last)
            if data.get("db") == "ok":
                return data
        time.sleep(2)
    raise AssertionError(f"/healthz not ok after {timeout} s: {last!r}\n"
                         + pi.journal("kituo-web", "nginx", lines=60))
