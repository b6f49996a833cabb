"""Render a template to PDF with WeasyPrint.

WeasyPrint (and its Pango/cairo libraries) is imported only when a PDF is
made, which happens in the huey worker, so the web workers stay small.
Fonts: only those installed on the machine (DejaVu Sans from Debian's
fonts-dejavu-core); no web fonts, no network access (url_fetcher refuses).
"""
from __future__ import annotations

from flask import render_template

from app.i18n import in_language


def _no_network(url: str, *args, **kwargs):
    raise ValueError(f"PDF may not fetch {url!r}: everything must be inline")


def render_pdf(template: str, locale: str | None = None, **context) -> bytes:
    """Render `template` (in `locale`, e.g. the member's language) to PDF."""
    from weasyprint import HTML  # lazy: heavy import, worker only

    if locale:
        with in_language(locale):
            html = render_template(template, **context)
    else:
        html = render_template(template, **context)
    return HTML(string=html, url_fetcher=_no_network).write_pdf()
