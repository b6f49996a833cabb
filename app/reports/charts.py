"""Trend charts: small server-rendered SVG line charts (pygal), readable at
360 px and in print (dark line on white, no colour needed, no script).

A chart is addressed by a digest of what it shows (values, labels, title,
language), so a stored chart is never stale: the report page only names
charts (<img src=".../charts/DIGEST.svg">) and the chart is drawn when it
is first asked for. Hidden values ("<5") are gaps in the line.
"""
from __future__ import annotations

import hashlib
import json
import re

from app.reports import cache

WIDTH, HEIGHT = 320, 150


def spec(title: str, labels: list[str], values: list, unit: str = "") -> dict:
    """What a chart shows; `values` are numbers or None (hidden)."""
    return {"title": str(title), "labels": [str(x) for x in labels],
            "values": [None if v is None else float(v) for v in values], "unit": str(unit)}


def _text(chart: dict) -> str:
    """What is kept of a chart (JSON) and what its digest is made of."""
    return json.dumps(chart, sort_keys=True)


def _digest_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def digest(chart: dict) -> str:
    return _digest_of(_text(chart))


def _style():
    from pygal.style import Style
    return Style(background="white", plot_background="white", foreground="#222",
                 foreground_strong="#111", foreground_subtle="#d0d0d0", opacity="1",
                 guide_stroke_dasharray="2,4", major_guide_stroke_dasharray="2,4",
                 colors=("#1f4e79",), font_family="DejaVu Sans, Arial, sans-serif",
                 label_font_size=12, major_label_font_size=12, value_font_size=11,
                 title_font_size=13, tooltip_font_size=11)


def render(chart: dict) -> str:
    """The SVG text (no script, no external reference)."""
    import pygal
    line = pygal.Line(width=WIDTH, height=HEIGHT, show_legend=False, js=[],
                      disable_xml_declaration=True, explicit_size=True, style=_style(),
                      margin=6, dots_size=3, stroke_style={"width": 2.5},
                      allow_interruptions=True, include_x_axis=True,
                      show_minor_x_labels=False, x_labels_major_every=2, truncate_label=-1,
                      y_labels_major_count=3, show_minor_y_labels=False, show_y_guides=True,
                      pretty_print=False,
                      print_values=False, title=None, no_data_text="—",
                      value_formatter=lambda v: f"{v:,.0f}" if v == int(v) else f"{v:,.1f}")
    line.x_labels = chart["labels"]
    line.add(chart["title"], chart["values"])
    svg = line.render(is_unicode=True)
    svg = re.sub(r"<script.*?</script>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    title = chart["title"].replace("&", "&amp;").replace("<", "&lt;")
    return svg.replace('class="pygal-chart"', 'class="pygal-chart" role="img"', 1).replace(
        "<defs>", f"<title>{title}</title><defs>", 1)


def names(charts: list[dict]) -> list[str]:
    """Register charts to be drawn on request; returns their digests."""
    texts = [_text(c) for c in charts]
    keys = [_digest_of(t) for t in texts]
    cache.want_charts(dict(zip(keys, texts)))
    return keys


def svg_for(key: str) -> str | None:
    """The stored chart, drawn now if it has not been yet."""
    stored = cache.chart(key)
    if stored is None:
        return None
    svg, chart_json = stored
    if not svg:
        svg = render(json.loads(chart_json))
        cache.keep_chart(key, svg)
    return svg
