"""The business chart: self-reported revenue and profit by month, drawn on
the server as SVG by pygal. No JavaScript, nothing fetched: pygal's
tooltip script is switched off and its inline config script removed (the
chart is shown as an image, where scripts never run anyway)."""
from __future__ import annotations

import base64
from decimal import Decimal
from xml.etree import ElementTree

from app.filters import local_date
from app.i18n import gettext as _

STYLE_COLOURS = ("#1f6f5c", "#c0562f")


def _shillings(cents: int | None) -> float | None:
    return None if cents is None else float(Decimal(cents) / 100)


def business_svg(figures) -> str | None:
    """SVG text of a line chart of `figures` (BusinessFigure rows, oldest
    first), or None when there is nothing to draw."""
    if not figures:
        return None
    import pygal
    from pygal.style import Style
    style = Style(background="transparent", plot_background="transparent",
                  colors=STYLE_COLOURS, font_family="sans-serif", label_font_size=11,
                  major_label_font_size=11, legend_font_size=12, value_font_size=10)
    chart = pygal.Line(js=[], style=style, width=640, height=300, show_dots=True,
                       dots_size=3, x_label_rotation=30, legend_at_bottom=True,
                       disable_xml_declaration=True, include_x_axis=True,
                       title=_("Monthly figures (KES, as told by the owner)"),
                       no_data_text=_("No figures yet"), explicit_size=True)
    chart.x_labels = [local_date(f.month, "MMM yyyy") for f in figures]
    chart.add(_("Revenue"), [_shillings(f.revenue_cents) for f in figures])
    chart.add(_("Profit"), [_shillings(f.profit_cents) for f in figures])
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if str(child.tag).endswith("script"):
                parent.remove(child)
    return ElementTree.tostring(tree, encoding="unicode")


def data_uri(svg: str | None) -> str | None:
    """The chart as an <img> source: drawn inside the page, so no second
    request, and as an image it can run nothing."""
    if svg is None:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
