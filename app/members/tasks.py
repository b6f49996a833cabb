"""Worker tasks of the members module: PDFs in the member's language and
the CSV import (check, then write)."""
from huey import crontab

from app.auth.models import User
from app.i18n import in_language
from app.jobs import services as jobs
from app.members import imports, services
from app.members.models import Member, MemberImport
from app.pdf import render_pdf
from app.queue import periodic_task, task


def _file_name(member: Member, kind_en: str, kind_sw: str) -> str:
    return f"{kind_sw if member.language == 'sw' else kind_en}-{member.code}.pdf"


@task()
def render_consent_form(job_id: str, member_id: int):
    """The consent form for signature, in the member's own language."""
    with jobs.running(job_id) as progress:
        member = Member.get_by_id(member_id)
        progress(30, "loaded")
        pdf = render_pdf("members/pdf/consent_form.html", locale=member.language,
                         member=member, consents=services.latest_consents(member),
                         today=services.today())
        jobs.save_result(job_id, pdf, _file_name(member, "consent-form", "fomu-ya-ridhaa"),
                         "application/pdf")


@task()
def render_induction_pack(job_id: str, member_id: int):
    """Welcome, what the centre offers, their consents, their buddy and how
    to reach the centre, in the member's language. Discreet wording only."""
    with jobs.running(job_id) as progress:
        member = Member.get_by_id(member_id)
        progress(30, "loaded")
        pdf = render_pdf("members/pdf/induction_pack.html", locale=member.language,
                         member=member, consents=services.latest_consents(member),
                         buddy=member.buddy if member.buddy_id else None,
                         meetings=list(services.upcoming_meetings(member)),
                         today=services.today())
        jobs.save_result(job_id, pdf, _file_name(member, "welcome-pack", "kifurushi-cha-karibu"),
                         "application/pdf")


@task()
def render_member_export(job_id: str, member_id: int, language: str):
    """Everything held about one member, readable (data-rights request).
    The collected data holds words (consent titles, referral sources) as
    well as values: collected in the PDF's language, not the worker's."""
    with jobs.running(job_id) as progress, in_language(language):
        member = Member.get_by_id(member_id)
        data = services.export_data(member)
        progress(40, "collected")
        pdf = render_pdf("members/pdf/export.html", locale=language, member=member, data=data)
        jobs.save_result(job_id, pdf, f"kituo-data-{member.code}.pdf", "application/pdf")


@task()
def check_member_import(job_id: str, import_id: str):
    with jobs.running(job_id) as progress:
        batch = MemberImport.get_by_id(import_id)
        imports.run_check(batch, lambda pct: progress(max(1, pct), "checking"))
        jobs.finish(job_id, "checked")


@task()
def write_member_import(job_id: str, import_id: str, actor_id: int | None):
    with jobs.running(job_id) as progress:
        batch = MemberImport.get_by_id(import_id)
        actor = User.get_or_none(User.id == actor_id) if actor_id else None
        imported = imports.run_import(batch, actor, lambda pct: progress(pct, "importing"))
        jobs.finish(job_id, f"{imported} imported" if imported else "stopped, nothing written")


@periodic_task(crontab(minute="23"))
def purge_old_import_files():
    """Hourly: uploaded member lists do not linger on the Pi."""
    imports.purge_old_uploads()
