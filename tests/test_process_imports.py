"""What each deployed process imports (DESIGN §10 memory: master + 2 workers
+ huey consumer <= 160 MB PSS). Found on the emulated Pi: 165.9 MB once the
loans, education and reports modules landed; icalendar alone is ~10 MB per
process. The huey worker never builds a calendar feed, so it must not carry
the library; the web master loads it once before forking (preload_app)."""
import subprocess
import sys

from pathlib import Path

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
