"""A member's own wellbeing trend, drawn like the report charts (pygal,
no script), as a data: image in the page: it is one small chart on a page
only they (or their counsellor) see, never cached or stored."""
from __future__ import annotations

import base64

from app.i18n import gettext as _


def member_chart(checks) -> str | None:
    """A data: URL of the SVG (None with fewer than two checks)."""
    if len(checks) < 2:
        return None
    from flask_babel import format_date

    from app.reports import charts
    spec = charts.spec(_("Wellbeing score (0-100)"),
                       [format_date(c.taken_on, "MMM yy") for c in checks[-8:]],
                       [c.score for c in checks[-8:]])
    svg = charts.render(spec).encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
