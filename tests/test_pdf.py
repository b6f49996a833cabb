"""PDFs: rendered with local fonts only, Swahili text intact."""
import subprocess

import pytest

from app.pdf import render_pdf


def test_setup_slip_in_swahili(conn, pdf_text):
    from tests.factories import make_user
    user = make_user("member", language="sw", username="zawadi")
    import datetime as dt
    pdf = render_pdf("pdf/setup_slip.html", locale="sw", user=user, code="ABCD-EFGH-JKMN",
                     expires_at=dt.datetime(2026, 12, 1, 9, 0))
    text = pdf_text(pdf)
    assert "Kituo: kuingia kwako kwa mara ya kwanza" in text
    assert "ABCD-EFGH-JKMN" in text and "zawadi" in text
    assert "http://kituo.local/setup" in text      # the configured host name (KITUO_HOSTNAME)
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "DejaVu" in fonts


def test_no_template_loads_anything_from_outside_the_pi():
    import re
    from pathlib import Path
    templates = Path(__file__).resolve().parent.parent / "templates"
    pattern = re.compile(r"""(src|href)=["'](https?:)?//|url\(\s*["']?(https?:)?//|@import""")
    offenders = [str(p) for p in templates.rglob("*.html") if pattern.search(p.read_text())]
    assert offenders == []


def test_the_pdf_renderer_reports_a_failure_without_the_document():
    """app/pdf_render.py runs in its own process; on failure it says what
    kind of error it was and never echoes the HTML (a member's data)."""
    from app.pdf import RENDERER
    import sys
    done = subprocess.run([sys.executable, "-I", str(RENDERER)],
                          input=b"<p>Amina Wanjiru \xff</p>", capture_output=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout == b""
    assert done.stderr.decode().strip() == "UnicodeDecodeError"


def test_a_pdf_that_cannot_be_made_fails_its_job_with_a_plain_reason(monkeypatch, tmp_path, app):
    import app.pdf as pdf
    broken = tmp_path / "broken.py"
    broken.write_text("import sys; sys.stderr.write('Amina Wanjiru\\nMemoryError\\n'); sys.exit(1)\n")
    monkeypatch.setattr(pdf, "RENDERER", broken)
    with pytest.raises(pdf.PdfFailed) as failed:
        pdf.html_to_pdf("<p>x</p>")
    assert str(failed.value) == "PDF not made (exit 1): MemoryError"
