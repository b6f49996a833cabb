"""Microloans and survivor-led businesses (work plan Objective 2, Goal 2):
loan products, applications decided by a second person, schedules, an
append-only ledger of repayments, M-Pesa statement imports, arrears and
portfolio at risk, and the members' businesses with a directory.

Capabilities:
  loans.view        open the loans area: loans of the members one may see
                    (a coordinator: applications and statuses; a mentor:
                    their mentees' status, amounts only if the member agreed)
  loans.book        the whole book with amounts and the ledger (finance, admin)
  loans.apply       record an application (coordinators, mentors)
  loans.decide      approve or reject, pay out, record and reverse repayments,
                    import statements, decide on reschedules and write-offs
  loans.propose     propose a reschedule or a write-off
  loans.products    edit loan products
  loans.visits      the week's visit list (support, not collection)
  loans.export      CSV exports of the book and the ledger
  businesses.manage record and update members' businesses and their figures
  businesses.directory  the directory of businesses that agreed to be promoted
  loans.own         a member: their own loans, statement and business
"""
from flask import Blueprint

from app.i18n import lazy_gettext as _l
from app.registry import BenchPage, ExportSection, HomeSection, NavItem, Panel

bp = Blueprint("loans", __name__)

LABELS = {
    "loans.view": _l("Open the loans area: loans of the members you may see (coordinators: "
                     "applications and statuses; mentors: their mentees' status)"),
    "loans.book": _l("See the whole loan book with amounts and the ledger"),
    "loans.apply": _l("Record a loan application for a member"),
    "loans.decide": _l("Approve or reject applications (not one's own), pay out loans, record "
                       "and reverse repayments, import M-Pesa statements, decide on "
                       "reschedules and write-offs"),
    "loans.propose": _l("Propose a reschedule or a write-off"),
    "loans.products": _l("Edit loan products"),
    "loans.visits": _l("See the week's list of members to visit about their repayments"),
    "loans.export": _l("Export the loan book and the ledger (CSV)"),
    "businesses.manage": _l("Record members' businesses and their monthly figures"),
    "businesses.directory": _l("See the directory of survivor-led businesses"),
    "loans.own": _l("See one's own loans, repayments and business"),
}


def _grant_capabilities(reg) -> None:
    grant = reg.grant
    grant("finance", "loans.view", "loans.book", "loans.decide", "loans.propose",
          "loans.products", "loans.visits", "loans.export", "businesses.manage", label=LABELS)
    grant("admin", "loans.view", "loans.book", "loans.products", "loans.export",
          "businesses.manage")
    grant("coordinator", "loans.view", "loans.apply", "loans.propose", "loans.visits",
          "businesses.manage")
    grant("mentor", "loans.view", "loans.apply", "businesses.manage")
    grant("member", "loans.own")
    for role in ("admin", "coordinator", "mentor", "finance", "trainer", "safeguarding_lead",
                 "member"):
        grant(role, "businesses.directory")


def _finance_panel(user) -> dict:
    from app.loans import portfolio
    figures, month = portfolio.recent_figures()
    return {"figures": figures, "month": month}


def _home_section(member):
    from app.loans import book
    loans = book.next_payments(member)
    if not loans:
        return None
    from app.clock import today
    on = today()
    behind = any(loan.first_unpaid_on and loan.first_unpaid_on < on for loan in loans)
    return HomeSection("loans", "loans/_home_section.html", {"loans": loans, "behind": behind},
                       30)


def _member_actions(user, member) -> list:
    from flask import url_for
    if member.anonymised_at or member.status == "exited":
        return []
    actions = []
    if user.can("loans.apply") and member.status == "active":
        actions.append((str(_l("Record a loan application")),
                        url_for("loans.apply", member_code=member.code)))
    if user.can("businesses.manage"):
        actions.append((str(_l("Record a business")),
                        url_for("loans.new_business", member_code=member.code)))
    return actions


def _loan_bench_path() -> str:
    """A loan being repaid with a long history (a weekly one)."""
    from app.loans.models import Loan
    loan = (Loan.select(Loan.id).where((Loan.status == "active") & (Loan.frequency == "weekly"))
            .order_by(Loan.disbursed_on).first()) or Loan.select(Loan.id).first()
    return f"/loans/{loan.id}"


def _template_helpers(app) -> None:
    from app.loans import labels
    app.jinja_env.globals.update(loan_label=labels.label, loan_choices=labels.choices)


def _holds_real_data() -> bool:
    from app.loans.models import Loan
    from app.members.models import Member
    return (Loan.select().join(Member, on=(Loan.member == Member.id))
            .where(Member.is_demo == False).exists())  # noqa: E712


def register(app) -> None:
    from app.loans import demo, exports, imports, migrations, models, tasks, views  # noqa: F401
    reg = app.extensions["kituo"]
    _grant_capabilities(reg)
    app.register_blueprint(bp)
    _template_helpers(app)
    reg.nav += [
        NavItem(_l("Loans"), "loans.index", "loans.view", 30),
        NavItem(_l("Businesses"), "loans.business_list", "businesses.manage", 31),
        NavItem(_l("Business directory"), "loans.directory", "businesses.directory", 60),
        NavItem(_l("Kinds of loan"), "loans.product_list", "loans.products", 62),
        NavItem(_l("My payments"), "loans.my_loans", "loans.own", 3),
    ]
    reg.panels.append(Panel("loans_finance", "loans/_panel_finance.html", "loans.book",
                            _finance_panel, 30))
    reg.member_home_sections.append(_home_section)
    reg.member_actions.append(_member_actions)
    reg.member_export_sections.append(ExportSection(
        "loans", exports.member_export, "loans/_export_section.html", 40))
    reg.anonymisers.append(exports.scrub_member)
    reg.interrupted_work.append(imports.reopen_interrupted)
    reg.real_data_checks.append(_holds_real_data)
    reg.demo_seeders.append((40, demo.seed_loans))
    reg.bench_pages += [
        BenchPage("loan book", "finance", "/loans/"),
        BenchPage("a loan", "finance", _loan_bench_path),
        BenchPage("portfolio", "finance", "/loans/portfolio"),
    ]
