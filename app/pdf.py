"""Render a template to PDF with WeasyPrint.

The template is rendered here, in the caller's language; the HTML is turned
into a PDF by app/pdf_render.py in a short-lived child process, so no Kituo
process ever holds WeasyPrint (and its Pango/cairo libraries, ~30 MB that
Python does not give back) after the PDF is made: the huey worker stays the
size it started at (DESIGN §10: Kituo within 160 MB on a Pi 3B).
Fonts: only those installed on the machine (DejaVu Sans from Debian's
fonts-dejavu-core); no web fonts, no network access (URLs are refused).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from flask import render_template

from app.i18n import in_language

RENDERER = Path(__file__).with_name("pdf_render.py")
# A big report on a Pi 3B takes tens of seconds; a PDF never takes this long.
TIMEOUT_SECONDS = 600


class PdfFailed(RuntimeError):
    """WeasyPrint could not make the PDF (the job that asked is marked failed)."""


def render_pdf(template: str, locale: str | None = None, **context) -> bytes:
    """Render `template` (in `locale`, e.g. the member's language) to PDF."""
    if locale:
        with in_language(locale):
            html = render_template(template, **context)
    else:
        html = render_template(template, **context)
    return html_to_pdf(html)


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html`, made in a child process that ends with it."""
    try:
        done = subprocess.run([sys.executable, "-I", str(RENDERER)], input=html.encode("utf-8"),
                              capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as error:
        raise PdfFailed(f"PDF not made within {TIMEOUT_SECONDS} s") from error
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        kind = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise PdfFailed(f"PDF not made (exit {done.returncode}): {kind[0][:120]}")
    return done.stdout
