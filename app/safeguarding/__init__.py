"""Safeguarding: concerns about a member, raised in seconds by anyone who
works with members, seen by the safeguarding leads and no one else (the
person who raised one sees their own, read-only). Work plan Objective 1.

Capabilities:
  safeguarding.raise   every staff role (mentors and counsellors included)
  safeguarding.manage  safeguarding leads: every concern, handle and close
"""
from flask import Blueprint
from app.i18n import lazy_gettext as _l
from app.i18n import ngettext

from app.access import STAFF_ROLES
from app.figures import kept
from app.registry import Banner, NavItem, Panel

bp = Blueprint("safeguarding", __name__, url_prefix="/safeguarding")

LABELS = {
    "safeguarding.raise": _l("Raise a safeguarding concern about a member; see one's own "
                             "concerns (read-only)"),
    "safeguarding.manage": _l("See and handle every safeguarding concern (safeguarding lead)"),
}


def _urgent_panel(user) -> dict:
    from app.safeguarding import services
    return {"count": services.urgent_waiting_count()}


def _summary_panel(user) -> dict:
    from app.safeguarding import services
    return kept("safeguarding.summary", services.summary)


def _urgent_banner(user) -> list:
    """On every page of a lead, counted at page load (the dashboard's badge
    polls; this banner does not), as a link to the list the badge opens,
    where the urgent unacknowledged concerns come first."""
    if not user.can("safeguarding.manage"):
        return []
    from flask import url_for
    from markupsafe import Markup
    from app.safeguarding import services
    count = services.urgent_waiting_count()
    if not count:
        return []
    text = ngettext("%(num)d urgent safeguarding concern is waiting to be acknowledged.",
                    "%(num)d urgent safeguarding concerns are waiting to be acknowledged.", count)
    link = Markup('<a href="{}" class="banner-link">{}</a>').format(
        url_for("safeguarding.index", status="active"), text)
    return [Banner(link, "danger")]


def _member_actions(user, member) -> list:
    from flask import url_for
    if user.can("safeguarding.raise") and not member.anonymised_at:
        return [(str(_l("Raise a safeguarding concern")),
                 url_for("safeguarding.new", member=member.id, source="member_page"))]
    return []


def _holds_real_data() -> bool:
    from app.auth.models import User
    from app.safeguarding.models import Concern
    return (Concern.select().join(User, on=(Concern.raised_by == User.id))
            .where(User.is_demo == False).exists())  # noqa: E712


def register(app) -> None:
    from app.safeguarding import demo, labels, migrations, models, views  # noqa: F401
    app.register_blueprint(bp)
    from app.safeguarding.services import scrub_member
    app.extensions["kituo"].anonymisers.append(scrub_member)
    app.jinja_env.globals["concern_label"] = labels.concern_label
    reg = app.extensions["kituo"]
    for role in STAFF_ROLES:
        reg.grant(role, "safeguarding.raise", label=LABELS)
    reg.grant("safeguarding_lead", "safeguarding.manage")
    reg.nav += [
        NavItem(_l("Safeguarding"), "safeguarding.index", "safeguarding.manage", 5),
        NavItem(_l("Concerns I raised"), "safeguarding.mine", "safeguarding.raise", 70),
    ]
    reg.panels += [
        Panel("urgent_concerns", "safeguarding/_panel_urgent.html", "safeguarding.manage",
              _urgent_panel, 0),
        Panel("concerns_summary", "safeguarding/_panel_summary.html", "safeguarding.manage",
              _summary_panel, 1),
    ]
    reg.banner_providers.append(_urgent_banner)
    reg.member_actions.append(_member_actions)
    reg.demo_seeders.append((31, demo.seed_concerns))
    reg.real_data_checks.append(_holds_real_data)
