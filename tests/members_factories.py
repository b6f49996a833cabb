"""Builders for members tests."""
from __future__ import annotations

from app.members import services
from app.members.models import Member


def make_member(actor=None, consent=True, status=None, **fields) -> Member:
    data = {"preferred_name": "Wanjiku", "legal_name": "Wanjiku Kamau", "phone": "0712 345678",
            "location": "Kawangware", "notes": "Sleeps at her aunt's", "language": "sw",
            "gender": "female", "county": "Nairobi"}
    data.update(fields)
    member = services.create_member(data, actor=actor)
    if consent:
        services.record_consent(member, "processing", True, "signed", "sw", actor=actor)
    if status == "active":
        for step in services.checklist():
            services.complete_step(member, step, actor)
        member = Member.get_by_id(member.id)
        services.confirm_induction(member, actor)
    elif status and status != "referred":
        services.change_status(member, status, actor,
                               exit_reason="own_choice" if status == "exited" else "")
    return Member.get_by_id(member.id)
