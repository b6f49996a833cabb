"""Education, skills and trainings (work plan Objective 2; mental-health,
leadership, outreach and citizenry trainings of Objectives 1 and 3):
courses and classes, the trainer's register on a phone, progress and
certificates, formal education, scholarships and opportunities, the study
space, and placements with their follow-ups.

Capabilities:
  education.view      courses and classes (a trainer: their own classes)
  education.teach     a trainer: registers, progress and completions of their classes
  education.courses   create and change courses and their units
  education.manage    coordinators: every class, enrolments, formal education,
                      opportunities, placements, study-space settings
  education.progress  see members' courses and progress on the member page
                      (a mentor: their mentees', without assessment notes)
  education.door      check members in at the study space
  education.reports   download aggregate figures (CSV)
  education.learn     a member: their classes, learning, certificates, study bookings
"""
from flask import Blueprint

from app.i18n import lazy_gettext as _l

bp = Blueprint("education", __name__)

LABELS = {
    "education.view": _l("See courses and classes (a trainer: only their own classes)"),
    "education.teach": _l("Trainer: keep the registers, progress and completions of one's "
                          "own classes"),
    "education.courses": _l("Create and change courses, their units and completion rules"),
    "education.manage": _l("Run education: every class, enrolments, formal education, "
                           "opportunities, placements and the study space"),
    "education.progress": _l("See members' courses and progress (a mentor: their mentees', "
                             "without assessment notes)"),
    "education.door": _l("Check members in at the study space"),
    "education.reports": _l("Download education figures (aggregates only)"),
    "education.learn": _l("See one's own classes, learning and certificates; book the study "
                          "space"),
}


def _grant_capabilities(reg) -> None:
    for role in ("admin", "coordinator"):
        reg.grant(role, "education.view", "education.courses", "education.manage",
                  "education.progress", "education.door", "education.reports", label=LABELS)
    reg.grant("trainer", "education.view", "education.teach", "education.courses",
              "education.progress", "education.door")
    reg.grant("mentor", "education.progress")
    reg.grant("member", "education.learn")


def _holds_real_data() -> bool:
    from app.education.models import Course
    from app.education.support_models import Opportunity
    return (Course.select().where(Course.is_demo == False).exists()  # noqa: E712
            or Opportunity.select().where(Opportunity.is_demo == False).exists())  # noqa: E712


def _member_progress_path() -> str:
    return "/me/learning"


def _register_path() -> str:
    """The demo trainer's register of her latest session until now."""
    import datetime as dt

    from app.auth.models import User
    from app.clock import utcnow
    from app.education.attendance import sessions_for_trainer
    from app.education.models import ClassSession
    user = User.get(User.username == "fatuma")
    session = (sessions_for_trainer(user, dt.datetime(2000, 1, 1), utcnow() + dt.timedelta(hours=6))
               .order_by(ClassSession.starts_at.desc()).first())
    return f"/education/sessions/{session.id}/register"


def _class_page_path() -> str:
    """The busiest class running now (or the latest one)."""
    from app.education.models import TrainingClass
    from app.rules import today
    klass = (TrainingClass.select(TrainingClass.id)
             .where((TrainingClass.start_date <= today()) & (TrainingClass.end_date >= today()))
             .order_by(TrainingClass.capacity.desc(), TrainingClass.id).first()
             or TrainingClass.select(TrainingClass.id).order_by(TrainingClass.id.desc()).first())
    return f"/education/classes/{klass.id}"


def register(app) -> None:
    from app.education import demo, figures, labels, members_side, migrations, models  # noqa: F401
    from app.education import support_models, tasks, views  # noqa: F401
    from app.registry import BenchPage, ExportSection, NavItem, Panel
    app.register_blueprint(bp)
    _grant_capabilities(app.extensions["kituo"])
    from app.education.certificates import display_code
    app.jinja_env.globals.update(education_label=labels.education_label,
                                 weekday_label=labels.weekday_label, certificate_code=lambda c:
                                 display_code(c.code))
    reg = app.extensions["kituo"]
    reg.nav += [
        NavItem(_l("Education"), "education.home", "education.view", 25),
        NavItem(_l("My learning"), "education.my_learning", "education.learn", 3),
    ]
    reg.panels += [
        Panel("education_today", "education/_panel_today.html", "education.teach",
              figures.trainer_today, 15),
        Panel("education_figures", "education/_panel_figures.html", "education.manage",
              figures.coordinator_panel, 25),
        Panel("education_deadlines", "education/_panel_deadlines.html", "education.manage",
              figures.deadlines_panel, 26),
        Panel("education_follow_ups", "education/_panel_follow_ups.html", "education.manage",
              figures.follow_ups_panel, 27),
    ]
    reg.schedule_providers.append(members_side.class_sessions)
    reg.member_home_sections += [members_side.home_classes, members_side.home_learning,
                                 members_side.home_study]
    reg.member_page_sections.append(members_side.progress_for_member_page)
    reg.member_export_sections += [
        ExportSection("learning", members_side.export_learning,
                      "education/pdf/_export_learning.html", 50),
        ExportSection("education_support", members_side.export_support,
                      "education/pdf/_export_support.html", 51),
    ]
    reg.anonymisers.append(members_side.scrub_member)
    reg.bench_pages += [
        BenchPage("trainer's register", "trainer", _register_path),
        BenchPage("class page", "coordinator", _class_page_path),
        BenchPage("member's progress", "member", _member_progress_path),
    ]
    reg.demo_seeders.append((40, demo.seed_education))
    reg.real_data_checks.append(_holds_real_data)
