"""Worker tasks of the auth module."""
from flask_babel import force_locale
from app.i18n import gettext as _

from app.auth import services
from app.auth.models import User
from app.jobs import services as jobs
from app.pdf import render_pdf
from app.queue import task


@task()
def render_setup_slip(job_id: str, user_id: int, issued_by_id: int | None):
    """Issue a setup code and print it on a small slip, in the user's own
    language. The code exists in plain text only inside this task and the
    PDF: it never passes through the queue or the database."""
    with jobs.running(job_id) as progress:
        user = User.get_by_id(user_id)
        issued_by = User.get_or_none(User.id == issued_by_id) if issued_by_id else None
        issued = services.issue_setup_code(user, issued_by)
        progress(40, "code issued")
        pdf = render_pdf("pdf/setup_slip.html", locale=user.language, user=user,
                         code=issued.code, expires_at=issued.expires_at)
        with force_locale(user.language):
            name = _("setup-slip") + f"-{user.username}.pdf"
        jobs.save_result(job_id, pdf, name, "application/pdf")
