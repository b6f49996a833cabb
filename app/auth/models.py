"""Users, their roles, server-side sessions, login counters and setup codes."""
from __future__ import annotations

import peewee as pw
from flask_login import UserMixin

from app.access import capabilities_of
from app.db import BaseModel, utcnow


class User(UserMixin, BaseModel):
    username = pw.CharField(max_length=64, unique=True)
    display_name = pw.CharField(max_length=120)
    language = pw.CharField(max_length=5, default="en")
    active = pw.BooleanField(default=True)
    password_hash = pw.CharField(max_length=255, null=True)
    password_changed_at = pw.DateTimeField(null=True)
    last_login_at = pw.DateTimeField(null=True)
    # Failed sign-in attempts (and wrong current passwords) since the last
    # sign-in: told to the user at their next sign-in.
    failed_logins = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)
    is_demo = pw.BooleanField(default=False)

    # Flask-Login: the id in the cookie is the server-side session token, so a
    # revoked session (logout, disable, idle) is dead even if the cookie lives.
    session_token: str | None = None

    def get_id(self):
        return self.session_token

    @property
    def is_active(self):
        return self.active

    @property
    def role_names(self) -> list[str]:
        if not hasattr(self, "_role_names"):
            self._role_names = sorted(r.role for r in self.roles)
        return self._role_names

    @property
    def capabilities(self) -> set[str]:
        if not hasattr(self, "_capabilities"):
            self._capabilities = capabilities_of(self.role_names)
        return self._capabilities

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    @classmethod
    def by_username(cls, username: str):
        return cls.get_or_none(cls.username == username.strip().lower())


class UserRole(BaseModel):
    user = pw.ForeignKeyField(User, backref="roles", on_delete="CASCADE")
    role = pw.CharField(max_length=32, index=True)

    class Meta:
        indexes = ((("user", "role"), True),)


class UserSession(BaseModel):
    token_hash = pw.CharField(max_length=64, unique=True)
    user = pw.ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    created_at = pw.DateTimeField(default=utcnow)
    last_seen_at = pw.DateTimeField(default=utcnow)
    revoked_at = pw.DateTimeField(null=True, index=True)
    revoked_reason = pw.CharField(max_length=32, default="")
    # Wrong current passwords typed in this session (/account/password).
    password_failures = pw.IntegerField(default=0)


class LoginThrottle(BaseModel):
    """Failure counter per key, shared by every gunicorn worker because it
    lives in the database: "user:<name>" and "addr:<ip>" for browsers not
    known for that user, "device:<name>:<nonce>" for one that signed in as
    them before (app/auth/devices.py), "setup:<ip>" for setup codes."""
    key = pw.CharField(max_length=160, unique=True)
    failures = pw.IntegerField(default=0)
    last_failure_at = pw.DateTimeField(null=True)
    locked_until = pw.DateTimeField(null=True)


class SetupCode(BaseModel):
    user = pw.ForeignKeyField(User, backref="setup_codes", on_delete="CASCADE")
    code_hash = pw.CharField(max_length=64, unique=True)
    issued_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)
    revoked_at = pw.DateTimeField(null=True)
