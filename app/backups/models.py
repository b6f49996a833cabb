"""Backup runs and the result of each run at each destination."""
from __future__ import annotations

import peewee as pw

from app.db import BaseModel, utcnow


class BackupRun(BaseModel):
    RUNNING, OK, PARTIAL, FAILED = "running", "ok", "partial", "failed"
    LOCAL_ONLY, INTERRUPTED = "local_only", "interrupted"
    # A run that needs no repeat tonight (every destination reached, or
    # none configured: the encrypted copy stays in the work folder).
    COMPLETE = (OK, LOCAL_ONLY)

    started_at = pw.DateTimeField(default=utcnow, index=True)
    finished_at = pw.DateTimeField(null=True)
    status = pw.CharField(max_length=16, default=RUNNING, index=True)
    trigger = pw.CharField(max_length=16)          # scheduled, catch_up, manual, upgrade, cli
    requested_by = pw.IntegerField(null=True)      # user id for manual runs
    job_id = pw.CharField(max_length=36, null=True)
    progress = pw.IntegerField(default=0)
    phase = pw.CharField(max_length=16, default="")
    filename = pw.CharField(max_length=120, default="")
    size_bytes = pw.BigIntegerField(null=True)     # encrypted archive
    database_bytes = pw.BigIntegerField(null=True)
    sha256 = pw.CharField(max_length=64, default="")
    schema_version = pw.IntegerField(null=True)
    table_count = pw.IntegerField(null=True)
    row_count = pw.BigIntegerField(null=True)
    duration_ms = pw.IntegerField(null=True)
    error = pw.CharField(max_length=255, default="")   # a code or tool message, never data
    # PRAGMA integrity_check of the snapshot: "ok", "failed", or "" (not reached).
    integrity = pw.CharField(max_length=8, default="")

    @property
    def finished(self) -> bool:
        return self.status != self.RUNNING

    @classmethod
    def latest(cls, limit: int = 20):
        return list(cls.select().order_by(cls.started_at.desc(), cls.id.desc()).limit(limit))

    @classmethod
    def running(cls):
        return cls.select().where(cls.status == cls.RUNNING).order_by(cls.id.desc()).first()

    @classmethod
    def last_checked(cls):
        """The latest run whose snapshot went through the integrity check."""
        return cls.select().where(cls.integrity != "").order_by(cls.started_at.desc()).first()

    @classmethod
    def last_finished(cls):
        return (cls.select().where(cls.status != cls.RUNNING)
                .order_by(cls.started_at.desc()).first())


class DestinationResult(BaseModel):
    PENDING, OK, FAILED = "pending", "ok", "failed"

    run = pw.ForeignKeyField(BackupRun, backref="results", on_delete="CASCADE")
    destination = pw.CharField(max_length=255)     # label without credentials
    status = pw.CharField(max_length=12, default=PENDING)
    attempts = pw.IntegerField(default=0)
    verified_by = pw.CharField(max_length=16, default="")   # sha256, sha1, md5 or size
    size_bytes = pw.BigIntegerField(null=True)
    started_at = pw.DateTimeField(default=utcnow)
    finished_at = pw.DateTimeField(null=True)
    duration_ms = pw.IntegerField(null=True)
    pruned = pw.IntegerField(default=0)
    error = pw.CharField(max_length=255, default="")

    class Meta:
        indexes = ((("destination", "status", "finished_at"), False),
                   (("status", "finished_at"), False))

    @classmethod
    def last_success(cls, destination: str | None = None, before=None):
        """The latest success (at `destination`, or anywhere not after
        `before`, a naive UTC datetime)."""
        query = cls.select().where(cls.status == cls.OK)
        if destination is not None:
            query = query.where(cls.destination == destination)
        elif before is not None:
            query = query.where(cls.finished_at <= before)
        return query.order_by(cls.finished_at.desc()).first()

    @classmethod
    def last_attempt(cls, destination: str):
        return (cls.select().where(cls.destination == destination)
                .order_by(cls.started_at.desc(), cls.id.desc()).first())

    @classmethod
    def for_latest_runs(cls, limit: int):
        """The results of the latest `limit` runs (as BackupRun.latest), in
        one query, by run."""
        latest = (BackupRun.select(BackupRun.id)
                  .order_by(BackupRun.started_at.desc(), BackupRun.id.desc()).limit(limit))
        return cls.select().where(cls.run.in_(latest)).order_by(cls.run, cls.id)
