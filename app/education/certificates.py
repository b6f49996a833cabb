"""Certificates: issued on a confirmed completion, made as a PDF by the
worker in the member's language under a configurable issuer name (a
certificate shown to an employer need not name the centre; it never
mentions trafficking), verified by anyone with its short code at
/verify/<code> (course, month and initials only), revoked with a reason.
Every issue, revocation and PDF is audited."""
from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

from flask import current_app

from app import audit
from app.clock import utcnow
from app.db import Prepared, db, whole_row
from app.education.models import Certificate, Enrolment, TrainingClass, VerifyThrottle
from app.i18n import lazy_gettext as _l
from app.members.models import Member
from app.rules import RuleError

# Crockford's base 32: no I, L, O or U, so a code read aloud or typed from
# paper is not mistaken (O is read as 0, I and L as 1).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
VERIFY_LIMIT = 30                     # look-ups per address ...
VERIFY_WINDOW = dt.timedelta(minutes=10)   # ... per window


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(code: str) -> str:
    """What a person typed, as stored: upper case, no spaces or dashes,
    O read as 0 and I/L as 1."""
    text = (code or "").upper().replace("-", "").replace(" ", "")
    return text.translate(str.maketrans("OIL", "011"))[:CODE_LENGTH * 2]


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def initials_of(member: Member) -> str:
    """The holder's initials: of the name the certificate carries."""
    name = member.legal_name or member.preferred_name or ""
    return "".join(part[0].upper() + "." for part in name.split() if part[:1].isalpha())[:12]


def holder_name(member: Member) -> str:
    return member.legal_name or member.preferred_name or member.code


def issue(enrolment: Enrolment, actor=None) -> Certificate:
    """Inside the completion's transaction: one valid certificate per
    enrolment (a unique index), with a unique code."""
    klass = TrainingClass.get_by_id(enrolment.klass_id)
    member = Member.get_by_id(enrolment.member_id)
    language = member.language if member.language in ("en", "sw") else "sw"
    for _attempt in range(5):
        code = new_code()
        if not Certificate.select().where(Certificate.code == code).exists():
            break
    certificate = Certificate.create(
        enrolment=enrolment, code=code, language=language,
        title=klass.course.title(language), initials=initials_of(member),
        completed_on=enrolment.completed_on, issued_by=actor)
    audit.record("education.certificate_issued", "education_certificate", certificate.id,
                 actor=actor)
    return certificate


def latest_of(enrolment: Enrolment) -> Certificate | None:
    """The enrolment's certificate (the newest, revoked or not)."""
    return (Certificate.select().where(Certificate.enrolment == enrolment)
            .order_by(Certificate.id.desc()).first())


def folder() -> Path:
    path = Path(current_app.config.get("CERTIFICATES_DIR")
                or Path(current_app.config["INSTANCE_PATH"]) / "certificates")
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def pdf_path(certificate: Certificate) -> Path:
    return folder() / f"{certificate.id}-{certificate.code}.pdf"


def has_pdf(certificate: Certificate) -> bool:
    return certificate.pdf_ready_at is not None and pdf_path(certificate).exists()


def make_pdf_later(certificate: Certificate, actor=None, document=None):
    """A worker job makes (or makes again) the PDF; returns the job to follow
    (`document`: a jobs.Document, so its page names it and offers Retry)."""
    from app.education.tasks import render_certificate
    from app.jobs import services as jobs
    return jobs.start("education_certificate", actor, render_certificate,
                      certificate_id=certificate.id, document=document)


def verify_address() -> tuple[str, bool]:
    """(the address printed on certificates for checking a code, whether
    anyone can open it). KITUO_CERTIFICATE_VERIFY_URL when set (a public
    address that forwards to /verify); else this Pi's own /verify page from
    KITUO_HOSTNAME, which opens only inside the centre's network."""
    from app.urls import external_url
    configured = current_app.config.get("CERTIFICATE_VERIFY_URL", "")
    if configured:
        return configured, True
    return external_url("education.verify_form"), False


def render(certificate: Certificate) -> bytes:
    """The PDF, in the certificate's language, from what it says."""
    from app.pdf import render_pdf
    enrolment = Enrolment.get_by_id(certificate.enrolment_id)
    member = Member.get_by_id(enrolment.member_id)
    return render_pdf("education/pdf/certificate.html", locale=certificate.language,
                      certificate=certificate, holder=holder_name(member),
                      issuer=current_app.config["CERTIFICATE_ISSUER"],
                      code=display_code(certificate.code),
                      verify=verify_address())


def write_pdf(certificate: Certificate, data: bytes) -> Path:
    path = pdf_path(certificate)
    temporary = path.with_suffix(".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    with db.atomic():
        Certificate.update(pdf_ready_at=utcnow()).where(Certificate.id == certificate.id).execute()
        audit.record("education.certificate_pdf", "education_certificate", certificate.id)
    return path


def revoke(certificate: Certificate, reason: str, actor=None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise RuleError(_l("Say why the certificate is revoked."), "reason")
    if certificate.revoked_at:
        raise RuleError(_l("This certificate is already revoked."))
    with db.atomic():
        certificate.revoked_at, certificate.revoked_by = utcnow(), actor
        certificate.revoke_reason = reason[:255]
        certificate.save(only=[Certificate.revoked_at, Certificate.revoked_by,
                               Certificate.revoke_reason])
        audit.record("education.certificate_revoked", "education_certificate", certificate.id,
                     actor=actor)
    try:
        pdf_path(certificate).unlink()
    except FileNotFoundError:
        pass


def valid_by_code(code: str) -> Certificate | None:
    """A certificate that is not revoked, by its code; None otherwise."""
    code = normalise(code)
    if len(code) != CODE_LENGTH:
        return None
    return Certificate.get_or_none((Certificate.code == code) & Certificate.revoked_at.is_null())


def verify_allowed(address: str) -> bool:
    """Count a look-up from `address`; False once it made VERIFY_LIMIT in
    the current window (guessing codes stays slow)."""
    key = f"addr:{address or '-'}"[:80]
    now = utcnow()
    with db.atomic():
        row = VerifyThrottle.get_or_none(VerifyThrottle.key == key)
        if row is None or now - row.window_start >= VERIFY_WINDOW:
            (VerifyThrottle.insert(key=key, window_start=now, count=1)
             .on_conflict(conflict_target=[VerifyThrottle.key],
                          update={VerifyThrottle.window_start: now, VerifyThrottle.count: 1})
             .execute())
            VerifyThrottle.delete().where(VerifyThrottle.window_start < now - VERIFY_WINDOW).execute()
            return True
        if row.count >= VERIFY_LIMIT:
            return False
        VerifyThrottle.update(count=VerifyThrottle.count + 1).where(
            VerifyThrottle.id == row.id).execute()
        return True


# On the member's home (/me, a key page) and /me/learning: built once
# (app.db.Prepared; README, performance). Whole rows: a certificate is
# downloaded and remade from them.
_certificates_of = Prepared(lambda param: (
    Certificate.select(Certificate).join(Enrolment)
    .where((Enrolment.member == param("member"))
           & (Certificate.revoked_at.is_null() | (param("include_revoked") == 1)))
    .order_by(Certificate.issued_at.desc())))


def certificates_of_member(member: Member, include_revoked: bool = False) -> list[Certificate]:
    """The member's certificates, newest first (valid ones unless asked)."""
    return [whole_row(Certificate, row) for row in _certificates_of.all(
        member=member.id, include_revoked=int(include_revoked))]


def member_certificate(member: Member, certificate_id: int) -> Certificate | None:
    """One of the member's own valid certificates (None for anyone else's)."""
    return next((c for c in certificates_of_member(member) if c.id == certificate_id), None)
