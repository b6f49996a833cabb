"""Data rights: a member's own export (JSON and PDF), anonymisation on
request, and the retention review."""
from __future__ import annotations

from app import audit
from app.clock import utcnow
from app.db import db
from app.i18n import lazy_gettext as _l
from app.members import search_index
from app.members.consent import consent_history
from app.members.induction import checklist
from app.members.labels import PURPOSE_LABELS, source_label
from app.members.models import (
    ConsentEvent, InductionCompletion, InductionMeeting, Member, MemberChange)
from app.members.services import RESTRICTED_FIELDS, MemberError, history, retention_years
from app.registry import registry
from app.rules import today


def retention_due():
    """Members who left more than RETENTION_YEARS ago and are not yet anonymised."""
    years = retention_years()
    now = today()
    try:
        cutoff = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        cutoff = now.replace(year=now.year - years, day=28)
    return (Member.select().where((Member.status == "exited") & (Member.exited_on < cutoff)
                                  & Member.anonymised_at.is_null())
            .order_by(Member.exited_on))


def anonymise(member: Member, typed_code: str, actor=None) -> None:
    """Remove identity and free text for good; keep the pseudonymous
    activity (code, status, dates, consents given, induction) for statistics."""
    if member.anonymised_at:
        raise MemberError(_l("This member is already anonymised."))
    if (typed_code or "").strip().upper() != member.code.upper():
        raise MemberError(_l("Type the member's code exactly to confirm."), "confirm")
    from app.auth import services as auth
    from app.auth.models import User
    now = utcnow()
    with db.atomic():
        was = member.status
        member.preferred_name = ""
        member.legal_name = member.phone = member.location = member.notes = ""
        member.referring_org = ""
        member.birth_year = None
        member.buddy = None
        member.anonymised_at = now
        if member.status != "exited":
            member.status, member.exit_reason = "exited", "anonymised"
            member.exited_on = today()
            member.status_changed_at = now
        member.save()
        Member.update(buddy=None).where(Member.buddy == member).execute()
        MemberChange.update(old_value="", new_value="").where(
            (MemberChange.member == member)
            & (MemberChange.field.in_(RESTRICTED_FIELDS + ("preferred_name", "referring_org",
                                                           "birth_year")))).execute()
        MemberChange.create(member=member, actor=actor.id if actor else None,
                            field="status", old_value=was, new_value="anonymised")
        ConsentEvent.update(note="").where(ConsentEvent.member == member).execute()
        InductionCompletion.update(note="").where(InductionCompletion.member == member).execute()
        for scrub in registry().anonymisers:  # other modules' free text
            scrub(member)
        search_index.purge_removed()
        if member.user_id:
            user = User.get_by_id(member.user_id)
            auth.set_active(user, False, actor=actor)
            User.update(display_name=member.code).where(User.id == user.id).execute()
        audit.record("member.anonymised", "member", member.id, f"code {member.code}",
                     actor=actor)


def export_data(member: Member) -> dict:
    """Everything held about one member (for their data-rights request),
    with what other modules add through registry().member_export_sections."""
    steps = {s.id: s for s in checklist(include_retired=True)}
    return {
        "exported_at": utcnow().isoformat(timespec="seconds") + "Z",
        "member": {
            "code": member.code, "preferred_name": member.preferred_name,
            "legal_name": member.legal_name, "gender": member.gender,
            "birth_year": member.birth_year, "age_band": member.age_band,
            "phone": member.phone, "language": member.language, "county": member.county,
            "location": member.location,
            "referral_source": source_label(member.referral_source)
            if member.referral_source_id else "",
            "referring_organisation": member.referring_org,
            "date_joined": member.joined_on.isoformat(), "needs": member.needs,
            "status": member.status, "exit_reason": member.exit_reason,
            "exited_on": member.exited_on.isoformat() if member.exited_on else None,
            "notes": member.notes,
            "buddy": member.buddy.code if member.buddy_id else None,
            "login": member.user.username if member.user_id else None,
            "anonymised_at": member.anonymised_at.isoformat() if member.anonymised_at else None,
        },
        "consents": [
            {"purpose": c.purpose, "purpose_label": str(PURPOSE_LABELS[c.purpose]),
             "given": c.given, "date": c.recorded_on.isoformat(), "method": c.method,
             "language": c.language, "note": c.note,
             "recorded_by": c.recorded_by.display_name if c.recorded_by_id else ""}
            for c in consent_history(member).order_by(ConsentEvent.id)],
        "induction": [
            {"step": steps[c.step_id].title(member.language) if c.step_id in steps else "",
             "completed_at": c.completed_at.isoformat(timespec="minutes") + "Z",
             "completed_by": c.completed_by.display_name if c.completed_by_id else "",
             "note": c.note}
            for c in InductionCompletion.select().where(InductionCompletion.member == member)
            .order_by(InductionCompletion.id)],
        "meetings": [
            {"starts_at": m.starts_at.isoformat(timespec="minutes") + "Z",
             "with_buddy": m.with_buddy, "cancelled": m.cancelled_at is not None}
            for m in InductionMeeting.select().where(InductionMeeting.member == member)
            .order_by(InductionMeeting.starts_at)],
        "changes": [
            {"at": h.at.isoformat(timespec="minutes") + "Z", "field": h.field,
             "old": h.old_value, "new": h.new_value,
             "by": h.actor.display_name if h.actor_id else ""}
            for h in history(member).order_by(MemberChange.id)],
        # other modules' parts (registry.ExportSection), each under its key
        **{section.key: section.collect(member) for section in registry().export_sections()},
    }


def record_export(member: Member, kind: str, actor=None) -> None:
    audit.record("member.exported", "member", member.id, kind, actor=actor)
