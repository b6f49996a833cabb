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
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "DejaVu" in fonts


def test_no_template_loads_anything_from_outside_the_pi():
    import re
    from pathlib import Path
    templates = Path(__file__).resolve().parent.parent / "templates"
    pattern = re.compile(r"""(src|href)=["'](https?:)?//|url\(\s*["']?(https?:)?//|@import""")
    offenders = [str(p) for p in templates.rglob("*.html") if pattern.search(p.read_text())]
    assert offenders == []
