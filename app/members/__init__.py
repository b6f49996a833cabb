"""Members and induction: the member record, consent, the induction
checklist, peer buddies, member logins, data rights, CSV import and the
member's own home page (/me).

Capabilities (see the labels below and the admin access table):
  members.view        find members; what of a record each role sees is the
                      per-role table in fields.py (ROLE_PARTS)
  members.view_all    ... every member (mentors and counsellors only see the
                      members another module scopes to them, e.g. mentees)
  members.identity    legal name, phone, location, notes (every view audited)
  members.edit, members.consent, members.induction, members.accounts,
  members.import, members.data_rights, induction.configure, member.home
"""
from flask import Blueprint

from app.figures import kept
from app.i18n import lazy_gettext as _l
from app.registry import BenchPage, NavItem, Panel

# The record's rules first: consent, induction, listing and data rights
# import from services.py, which re-exports theirs (see its docstring).
from app.members import services  # noqa: E402,F401

bp = Blueprint("members", __name__)

STAFF = ("admin", "coordinator", "counsellor", "mentor", "finance", "trainer",
         "safeguarding_lead")

LABELS = {
    "members.view": _l("Open the members area: code, preferred name and status; the rest of "
                       "a record only as the table of what each role sees allows"),
    "members.view_all": _l("Find every member (without it: only members linked to you, "
                           "e.g. your mentees)"),
    "members.identity": _l("See and search members' legal name, phone, location and notes "
                           "(every view is audited)"),
    "members.edit": _l("Register members, edit their records and change their status"),
    "members.consent": _l("Record consent given or withdrawn; print consent forms"),
    "members.induction": _l("Record induction steps and meetings, assign peer buddies, "
                            "confirm inductions, print induction packs"),
    "members.accounts": _l("Create a member's login and print their setup slip"),
    "members.import": _l("Import members from a spreadsheet (CSV)"),
    "members.data_rights": _l("Export a member's data, anonymise a member, review retention"),
    "induction.configure": _l("Edit the induction checklist and the referral sources"),
    "member.home": _l("See one's own member home page (/me)"),
}


def _grant_capabilities(reg) -> None:
    for role in STAFF:
        reg.grant(role, "members.view", label=LABELS)
    for role in ("admin", "coordinator", "finance", "trainer", "safeguarding_lead"):
        reg.grant(role, "members.view_all")
    for role in ("admin", "coordinator"):
        reg.grant(role, "members.identity", "members.edit", "members.consent",
                  "members.induction", "members.accounts", "members.import", "members.data_rights")
    reg.grant("admin", "induction.configure")
    reg.grant("member", "member.home")


def _inductions_panel(user) -> dict:
    from app.members import services
    return {"count": kept("members.inducting", services.inducting_count),
            "oldest": services.oldest_waiting()}


def _status_panel(user) -> dict:
    from app.members import services
    counts = kept("members.by_status", lambda: dict(services.counts_by_status()))
    return {"rows": list(counts.items())}


def _new_members_panel(user) -> dict:
    from app.members import services
    return {"count": kept("members.new_this_month", services.new_this_month),
            "month": services.today()}


def _profile_bench_path() -> str:
    from app.members.models import Member
    member = (Member.select(Member.id).where(Member.status == "active")
              .order_by(Member.id.desc()).first()) or Member.select(Member.id).first()
    return f"/members/{member.id}"


def _holds_real_members() -> bool:
    from app.members.models import Member
    return Member.select().where(Member.is_demo == False).exists()  # noqa: E712


def _template_helpers() -> dict:
    from app.i18n import gettext as _
    from app.members import labels as L
    kinds = {"status": L.STATUS_LABELS, "need": L.NEED_LABELS, "gender": L.GENDER_LABELS,
             "age_band": L.AGE_BAND_LABELS, "purpose": L.PURPOSE_LABELS,
             "method": L.METHOD_LABELS, "exit_reason": L.EXIT_REASON_LABELS,
             "field": L.FIELD_LABELS, "language": L.LANGUAGE_LABELS}

    def member_label(kind: str, key) -> str:
        return L.label(kinds[kind], key)

    def history_value(field: str, value: str) -> str:
        """A stored old/new value in words (keys become labels)."""
        if not value:
            return ""
        if field == "status" and value == "anonymised":
            return _("Anonymised")
        if field == "needs":
            return ", ".join(L.label(L.NEED_LABELS, v.strip()) for v in value.split(","))
        kind = {"status": "status", "gender": "gender", "age_band": "age_band",
                "language": "language", "exit_reason": "exit_reason"}.get(field)
        return member_label(kind, value) if kind else value

    def member_labels(kind: str) -> dict:
        return {key: str(value) for key, value in kinds[kind].items()}

    return {
        "member_label": member_label,
        "member_labels": member_labels,
        "history_value": history_value,
        # Member-facing wording of a consent purpose (title, explanation,
        # agreed, refused, i_agree), in the current language.
        "consent_purpose": lambda purpose: L.PURPOSES[purpose],
        "member_programmes": lambda: [str(p) for p in L.PROGRAMMES],
    }


def register(app) -> None:
    from app.members import demo, imports, migrations, models, schedule, tasks, views  # noqa: F401
    app.register_blueprint(bp)
    app.jinja_env.globals.update(_template_helpers())
    _grant_capabilities(app.extensions["kituo"])
    reg = app.extensions["kituo"]
    reg.nav += [
        NavItem(_l("Members"), "members.index", "members.view", 10),
        NavItem(_l("My home"), "members.me", "member.home", 1),
    ]
    reg.panels += [
        # Each role's dashboard shows what it works on (#12): the centre's
        # member figures are the coordinator's, not finance's or trainers'.
        Panel("inductions", "members/_panel_inductions.html", "members.induction",
              _inductions_panel, 10),
        Panel("members_by_status", "members/_panel_status.html", "members.edit",
              _status_panel, 11),
        Panel("new_members", "members/_panel_new.html", "members.edit",
              _new_members_panel, 12),
    ]
    reg.schedule_providers.append(schedule.meetings)
    reg.bench_pages += [
        BenchPage("members list", "coordinator", "/members/"),
        BenchPage("member profile", "coordinator", _profile_bench_path),
        # A name that many demo members share: a search that finds a page of them.
        BenchPage("members search", "coordinator", "/members/?q=Wanjiku"),
        BenchPage("member home", "member", "/me"),
    ]
    reg.demo_seeders.append((10, demo.seed_members))
    reg.interrupted_work.append(imports.reopen_interrupted_imports)
    reg.real_data_checks.append(_holds_real_members)
