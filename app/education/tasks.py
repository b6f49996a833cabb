"""Worker tasks of education: certificate PDFs."""
from app.education import certificates
from app.education.models import Certificate
from app.jobs import services as jobs
from app.queue import task


@task()
def render_certificate(job_id: str, certificate_id: int):
    """The certificate in its language, kept for the member to download
    (and offered on the job's page to whoever asked for it)."""
    with jobs.running(job_id) as progress:
        certificate = Certificate.get_by_id(certificate_id)
        if certificate.revoked_at:
            jobs.fail(job_id, "revoked")
            return
        progress(20, "loaded")
        pdf = certificates.render(certificate)
        certificates.write_pdf(certificate, pdf)
        name = ("cheti" if certificate.language == "sw" else "certificate")
        jobs.save_result(job_id, pdf, f"{name}-{certificate.code}.pdf", "application/pdf")
