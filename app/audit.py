"""Audit trail: who saw or changed what, when, from where.

One helper, `record()`, serves every module. Summaries must never carry
personal data: name the object by type and id, say what happened.
"""
from __future__ import annotations

import peewee as pw
from flask import has_request_context, request
from flask_login import current_user

from app.db import BaseModel, utcnow


class AuditEvent(BaseModel):
    at = pw.DateTimeField(default=utcnow, index=True)
    # A plain id, not a foreign key: the trail outlives any change to users.
    actor = pw.IntegerField(null=True, index=True)
    actor_username = pw.CharField(max_length=64, default="")
    action = pw.CharField(max_length=64, index=True)
    object_type = pw.CharField(max_length=32, default="", index=True)
    object_id = pw.CharField(max_length=64, default="")
    client_address = pw.CharField(max_length=64, default="")
    summary = pw.CharField(max_length=255, default="")

    class Meta:
        indexes = ((("object_type", "object_id"), False),)

    @classmethod
    def filtered(cls, action=None, actor=None, object_type=None, since=None, until=None):
        query = cls.select().order_by(cls.at.desc(), cls.id.desc())
        if action:
            query = query.where(cls.action == action)
        if actor:
            query = query.where(cls.actor_username == actor)
        if object_type:
            query = query.where(cls.object_type == object_type)
        if since:
            query = query.where(cls.at >= since)
        if until:
            query = query.where(cls.at < until)
        return query

    @classmethod
    def distinct_actions(cls) -> list[str]:
        return [r.action for r in cls.select(cls.action).distinct().order_by(cls.action)]


def client_address() -> str:
    return (request.remote_addr or "") if has_request_context() else ""


def record(action: str, object_type: str = "", object_id=None, summary: str = "",
           actor=None) -> AuditEvent:
    """Write one audit event. `actor` defaults to the signed-in user."""
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    return AuditEvent.create(
        actor=actor.id if actor else None,
        actor_username=actor.username if actor else "",
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        client_address=client_address(),
        summary=summary[:255],
    )
