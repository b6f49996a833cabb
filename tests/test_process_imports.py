"""What each deployed process imports (DESIGN §10 memory: master + 2 workers
+ huey consumer <= 160 MB PSS). Found on the emulated Pi: 165.9 MB once the
loans, education and reports modules landed; icalendar alone is ~10 MB per
process. The huey worker never builds a calendar feed, so it must not carry
the library; the web master loads it once before forking (preload_app)."""
import subprocess
import sys

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow   # starts Python processes (make test-fast leaves it out)

ROOT = Path(__file__).resolve().parent.parent


def _imported_after(tmp_path, statement: str) -> set[str]:
    code = (f"import sys; {statement}; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "KITUO_INSTANCE": str(tmp_path),
                               "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_huey_worker_does_not_load_the_calendar_library(tmp_path):
    assert "icalendar" not in _imported_after(tmp_path, "import app.worker")


def test_the_web_master_loads_it_once_for_its_workers(tmp_path):
    assert "icalendar" in _imported_after(tmp_path, "import app.wsgi")


def test_a_process_that_made_a_pdf_does_not_keep_weasyprint(tmp_path):
    """The huey worker makes every PDF; WeasyPrint with Pango and cairo is
    ~30 MB that Python never gives back, so it runs in a child process that
    ends with the PDF (app/pdf_render.py). Before: the worker carried it from
    its first PDF on (44 MB PSS on the emulated Pi instead of ~35)."""
    statement = ("from app import create_app; from app.pdf import html_to_pdf; "
                 "app = create_app(); ctx = app.app_context(); ctx.push(); "
                 "pdf = html_to_pdf('<p>Habari</p>'); assert pdf.startswith(b'%PDF'), pdf[:20]")
    modules = _imported_after(tmp_path, statement)
    assert "weasyprint" not in modules and "cairocffi" not in modules


_UNDER_THE_UNITS_SETTINGS = """
import sys
from pathlib import Path
from bs4 import BeautifulSoup
if sys.flags.optimize != 2:
    raise SystemExit("not optimised")
from tests.conftest import make_test_app
from tests.factories import PASSWORD, app_db, make_user
from app.clock import today
from app.reports import periods
app = make_test_app(Path(sys.argv[1]), WTF_CSRF_ENABLED=False)
with app_db(app):
    make_user("coordinator", username="baraka")
client = app.test_client()
if client.post("/login", data={"username": "baraka", "password": PASSWORD}).status_code != 303:
    raise SystemExit("sign-in refused")
year = periods.containing("year", today()).key
for path in ("/", "/members/", "/mentoring/overview", f"/reports/?period={year}"):
    answer = client.get(path)
    if answer.status_code != 200:
        raise SystemExit(f"{path}: {answer.status_code}")
for kind, magic in (("pdf", b"%PDF"), ("xlsx", b"PK")):
    job = client.post(f"/reports/export?period={year}&format={kind}&language=sw").headers["Location"]
    link = BeautifulSoup(client.get(job).data, "html.parser").find("a", attrs={"download": True})
    data = client.get(link["href"]).data
    if not data.startswith(magic):
        raise SystemExit(f"{kind}: {data[:40]!r}")
print("ok")
"""


def test_the_services_work_without_docstrings_or_asserts(tmp_path):
    """kituo-web and kituo-worker run Python with PYTHONOPTIMIZE=2 (the
    units): no docstrings are held in memory, ~7 MB less across the four
    processes. A library that needs its docstrings would break there and
    nowhere else, so sign in, open pages and make a Swahili PDF (WeasyPrint
    in its child process, pygal charts) and a spreadsheet (openpyxl), all at
    that level."""
    done = subprocess.run([sys.executable, "-c", _UNDER_THE_UNITS_SETTINGS, str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                               "PYTHONOPTIMIZE": "2",
                               "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache")})
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]


def test_the_units_run_optimised_with_a_bytecode_cache_install_fills():
    units = [(ROOT / "deploy/pi" / name).read_text()
             for name in ("kituo-web.service", "kituo-worker.service")]
    install = (ROOT / "deploy/pi/install.sh").read_text()
    for unit in units:
        assert ("Environment=PYTHONOPTIMIZE=2 PYTHONPYCACHEPREFIX=/var/cache/kituo/pycache"
                in unit)
        assert "CacheDirectory=kituo" in unit
    assert "PYCACHE=/var/cache/kituo/pycache" in install
    assert 'env PYTHONOPTIMIZE=2 PYTHONPYCACHEPREFIX="$PYCACHE"' in install
