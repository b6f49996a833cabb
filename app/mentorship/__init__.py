"""Mentorship: mentor profiles, pairings with ranked suggestions, goals,
the phone-first session log, overdue pairings and the mentee's read-only
view (work plan Objective 3, Goal 1, Activity 2).

Capabilities:
  mentorship.view      open pairings and logs (scoped: a mentor only their own)
  mentorship.view_own  a mentor: their own mentees and logs only
  mentorship.manage    coordinators: every pairing, propose/start/end, profiles
  mentorship.mentee    a member: their own mentor, next meeting and goals
"""
from flask import Blueprint

from app.figures import kept
from app.i18n import lazy_gettext as _l
from app.registry import BenchPage, NavItem, Panel

# The rules first: pairings, lists, sessions and overdue import from
# services.py, which re-exports theirs (see its docstring).
from app.mentorship import services  # noqa: E402,F401

bp = Blueprint("mentorship", __name__)

LABELS = {
    "mentorship.view": _l("Open mentoring pairings and session logs (a mentor: only their own)"),
    "mentorship.view_own": _l("Mentor: see own mentees and log sessions with them"),
    "mentorship.manage": _l("See every mentoring pairing; propose, start and end pairings; "
                            "edit mentor profiles"),
    "mentorship.mentee": _l("See one's own mentor, next meeting and goals"),
}


def _grant_capabilities(reg) -> None:
    reg.grant("mentor", "mentorship.view", "mentorship.view_own", label=LABELS)
    for role in ("admin", "coordinator"):
        reg.grant(role, "mentorship.view", "mentorship.manage")
    reg.grant("member", "mentorship.mentee")


def _figures(services) -> dict:
    return {"active": services.active_pairings_count(),
            "sessions": services.sessions_this_month(),
            "overdue": services.overdue_count()}


def _figures_panel(user) -> dict:
    from app.mentorship import services
    return kept("mentorship.figures", lambda: _figures(services))


def _overdue_panel(user) -> dict:
    from app.mentorship import services
    return {"rows": list(services.overdue_pairings(limit=8)),
            "count": kept("mentorship.figures", lambda: _figures(services))["overdue"],
            "days": services.overdue_days()}


def _capacity_panel(user) -> dict:
    from app.mentorship import services
    return {"rows": services.mentors_at_capacity()}


def _my_mentees_panel(user) -> dict:
    from app.mentorship import services
    return {"rows": services.my_pairings(user)}


def _mentor_home_path() -> str:
    return "/mentoring/"


def _overview_path() -> str:
    return "/mentoring/overview"


def _mentee_scope(user):
    from app.mentorship.services import mentee_ids_of
    return mentee_ids_of(user)


def _member_actions(user, member) -> list:
    from flask import url_for
    if user.can("mentorship.manage") and not member.anonymised_at and member.status != "exited":
        return [(str(_l("Pair with a mentor")),
                 url_for("mentorship.new_pairing", member_code=member.code))]
    return []


def _home_section(member):
    from app.mentorship import services
    from app.registry import HomeSection
    view = services.mentee_view(member)
    if not view["pairings"]:
        return None
    return HomeSection("mentoring", "mentorship/_home_section.html", view, 20)


def _member_page_section(user, member):
    """The member's current mentor on the member page: a coordinator sees
    every open pairing, a mentor their own."""
    from app.mentorship import labels, services
    from app.registry import HomeSection
    if not (user.can("mentorship.manage") or user.can("mentorship.view_own")):
        return None
    pairings = services.open_pairings_of(member, viewer=user)
    summary = ", ".join(f"{p.mentor_name} ({labels.mentoring_label('pairing', p.status)})"
                        for p in pairings) or str(_l("No mentor yet."))
    return HomeSection("mentor", "mentorship/_member_page.html", {"pairings": pairings}, 10,
                       title=str(_l("Mentor")), summary=summary)


def _holds_real_data() -> bool:
    from app.auth.models import User
    from app.mentorship.models import Pairing
    return (Pairing.select().join(User, on=(Pairing.mentor == User.id))
            .where(User.is_demo == False).exists())  # noqa: E712


def register(app) -> None:
    from app.mentorship import (  # noqa: F401
        demo, labels, migrations, models, schedule, tasks, views)
    app.register_blueprint(bp)
    from app.mentorship.services import scrub_member
    app.extensions["kituo"].anonymisers.append(scrub_member)
    app.jinja_env.globals.update(mentoring_label=labels.mentoring_label,
                                 duration_label=labels.duration_label)
    _grant_capabilities(app.extensions["kituo"])
    app.extensions["kituo"].member_scopes.append(_mentee_scope)
    reg = app.extensions["kituo"]
    reg.nav += [
        NavItem(_l("My mentees"), "mentorship.mentor_home", "mentorship.view_own", 20),
        NavItem(_l("Mentoring"), "mentorship.overview", "mentorship.manage", 21),
        NavItem(_l("My mentor"), "mentorship.mentee_home", "mentorship.mentee", 2),
    ]
    reg.panels += [
        Panel("mentoring_figures", "mentorship/_panel_figures.html", "mentorship.manage",
              _figures_panel, 20),
        Panel("mentoring_overdue", "mentorship/_panel_overdue.html", "mentorship.manage",
              _overdue_panel, 21),
        Panel("mentors_at_capacity", "mentorship/_panel_capacity.html", "mentorship.manage",
              _capacity_panel, 22),
        Panel("my_mentees", "mentorship/_panel_my_mentees.html", "mentorship.view_own",
              _my_mentees_panel, 23),
    ]
    reg.schedule_providers.append(schedule.meetings)
    reg.member_actions.append(_member_actions)
    reg.member_page_sections.append(_member_page_section)
    reg.member_home_sections.append(_home_section)
    reg.bench_pages += [
        BenchPage("mentor home", "mentor", _mentor_home_path),
        BenchPage("mentorship overview", "coordinator", _overview_path),
    ]
    reg.demo_seeders.append((30, demo.seed_mentorship))
    reg.real_data_checks.append(_holds_real_data)
