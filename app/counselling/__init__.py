"""Mental-health support: counsellors' availability, one-to-one bookings,
group sessions (trainings and peer-support circles), confidential session
notes, agendas, calendar feeds and dashboard panels.

Confidentiality: session notes are read only by their author and by holders
of `counselling.supervise`, which no default role has — it belongs to the
dedicated `counselling_supervisor` role (app/access.py).
Administrators never read notes. A note reaches the member's own data
export only when its author or a supervisor released it (notes.py).
"""
from flask import Blueprint
from app.i18n import lazy_gettext as _l

from app.registry import BenchPage, ExportSection, NavItem, Panel

bp = Blueprint("counselling", __name__)

SUPERVISOR_ROLE = "counselling_supervisor"

LABELS = {
    "counselling.book": _l("Book, move and cancel counselling appointments for the members "
                           "one may see (with every counsellor's bookings: any member)"),
    "counselling.manage": _l("See every counsellor's bookings, agenda and availability"),
    "counselling.self_book": _l("Book, move and cancel one's own appointments "
                                "(when self-booking is switched on)"),
    "counselling.availability": _l("Set one's own weekly availability and leave"),
    "counselling.agenda": _l("See one's own day and week agenda of sessions; mark attendance"),
    "counselling.notes": _l("Write and read one's own confidential session notes"),
    "counselling.supervise": _l("Read every counsellor's confidential session notes "
                                "(supervision; each read is audited). No default role has it: "
                                "only the counselling supervisor role."),
    "counselling.reminders": _l("Print tomorrow's appointments for reminder calls"),
    "counselling.groups": _l("Plan group sessions, sign members up, keep the attendance "
                             "register"),
    "counselling.group_signup": _l("Sign oneself up for group sessions"),
    "counselling.feed": _l("Use a private calendar address (iCalendar)"),
    "counselling.dashboard": _l("See counselling figures on the dashboard"),
    "counselling.settings": _l("Change booking rules and the public holiday list"),
}


def _grant_capabilities(reg) -> None:
    reg.grant("admin", "counselling.book", "counselling.manage", "counselling.availability",
              "counselling.groups", "counselling.dashboard", "counselling.settings", label=LABELS)
    reg.grant("coordinator", "counselling.book", "counselling.manage", "counselling.availability",
              "counselling.agenda", "counselling.groups", "counselling.reminders",
              "counselling.dashboard", "counselling.settings", "counselling.feed")
    reg.grant("counsellor", "counselling.book", "counselling.availability", "counselling.agenda",
              "counselling.notes", "counselling.groups", "counselling.dashboard",
              "counselling.feed")
    reg.grant("trainer", "counselling.groups", "counselling.feed")
    reg.grant(SUPERVISOR_ROLE, "counselling.supervise")
    reg.grant("member", "counselling.self_book", "counselling.group_signup", "counselling.feed")


def register(app) -> None:
    from app.counselling import demo, migrations, panels, schedule, views  # noqa: F401
    from app.counselling.bookings import counsellor_members, scrub_member
    app.register_blueprint(bp)
    app.extensions["kituo"].anonymisers.append(scrub_member)
    _grant_capabilities(app.extensions["kituo"])
    app.extensions["kituo"].member_scopes.append(counsellor_members)
    app.jinja_env.globals.update(panels.template_helpers())
    reg = app.extensions["kituo"]
    reg.nav += [
        NavItem(_l("Agenda"), "counselling.agenda", "counselling.agenda", 20),
        NavItem(_l("Appointments"), "counselling.slot_finder", "counselling.book", 21),
        NavItem(_l("Group sessions"), "counselling.groups_index", "counselling.groups", 22),
        NavItem(_l("Availability"), "counselling.availability", "counselling.availability", 23),
        NavItem(_l("My appointments"), "counselling.my_appointments", "counselling.self_book", 2),
    ]
    reg.panels += [
        Panel("counselling_sessions", "counselling/_panel_sessions.html",
              "counselling.dashboard", panels.sessions_panel, 20),
        Panel("counselling_capacity", "counselling/_panel_capacity.html",
              "counselling.dashboard", panels.capacity_panel, 21),
        Panel("counselling_waitlists", "counselling/_panel_waitlists.html",
              "counselling.dashboard", panels.waitlists_panel, 22),
    ]
    reg.schedule_providers += [schedule.appointments, schedule.group_sessions]
    reg.member_home_sections.append(schedule.group_notices)
    from app.counselling.notes import released_for_export
    reg.member_export_sections.append(ExportSection(
        "appointment_notes", released_for_export, "counselling/pdf/_export_notes.html", 40))
    reg.banner_providers.append(schedule.promotion_banner)
    reg.bench_pages += [
        BenchPage("counsellor week agenda", "counsellor", demo.bench_agenda_path),
        BenchPage("slot finder", "coordinator", "/counselling/slots"),
    ]
    reg.demo_seeders.append((30, demo.seed_counselling))
    reg.real_data_checks.append(demo.holds_real_data)
