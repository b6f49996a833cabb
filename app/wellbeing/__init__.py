"""Wellbeing checks (outcome measures, work plan Objective 1): the WHO-5
Well-Being Index a member answers on their phone, with consent, at
induction and every 3 months; their own trend; counsellors see it; reports
show only the average change of at least 5 people (app/wellbeing/metrics.py).

Capabilities:
  wellbeing.self   a member: answer the check, see their own trend
  wellbeing.view   counsellors: a member's scores (members they may see)
"""
from flask import Blueprint

from app.i18n import lazy_gettext as _l
from app.registry import ExportSection, HomeSection

bp = Blueprint("wellbeing", __name__)

LABELS = {
    "wellbeing.self": _l("Answer the wellbeing check and see one's own answers"),
    "wellbeing.view": _l("See the wellbeing scores of the members one may see (with their "
                         "consent; every look is audited)"),
}


def _home_section(member):
    from app.wellbeing import services
    if not services.due(member):
        return None
    return HomeSection("wellbeing", "wellbeing/_home_section.html",
                       {"asked": services.asked(member)}, 30)


def _member_actions(user, member) -> list:
    from flask import url_for
    if user.can("wellbeing.view") and not member.anonymised_at:
        return [(str(_l("Wellbeing scores")),
                 url_for("wellbeing.member_scores", member_id=member.id))]
    return []


def register(app) -> None:
    from app.wellbeing import demo, migrations, models, services, views  # noqa: F401
    app.register_blueprint(bp)
    reg = app.extensions["kituo"]
    reg.grant("member", "wellbeing.self", label=LABELS)
    reg.grant("counsellor", "wellbeing.view")
    reg.demo_seeders.append((80, demo.seed_wellbeing))
    reg.member_home_sections.append(_home_section)
    reg.member_actions.append(_member_actions)
    reg.anonymisers.append(services.scrub_member)
    reg.member_export_sections.append(ExportSection(
        "wellbeing", services.export_rows, "wellbeing/_export.html", 70))
