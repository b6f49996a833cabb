import uuid

import peewee as pw

from app.auth.models import User
from app.db import BaseModel, utcnow


class Job(BaseModel):
    """Long work done by the worker: its status, progress and result file."""
    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

    id = pw.UUIDField(primary_key=True, default=uuid.uuid4)
    kind = pw.CharField(max_length=48)
    owner = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="jobs")
    status = pw.CharField(max_length=12, default=QUEUED)
    progress = pw.IntegerField(default=0)
    message = pw.CharField(max_length=255, default="")
    result_path = pw.CharField(max_length=255, default="")
    result_name = pw.CharField(max_length=120, default="")
    result_mimetype = pw.CharField(max_length=80, default="")
    created_at = pw.DateTimeField(default=utcnow)
    finished_at = pw.DateTimeField(null=True)
    # Not finished by then: something went wrong (the worker was stopped, a
    # final write was lost); the job counts as failed (services.overdue).
    deadline_at = pw.DateTimeField(null=True, index=True)
    # A document printed for a person (#12 "printing is one action"): its
    # name on the job's page, the page it was printed from (Back), and the
    # address that starts it again (Retry, a POST). Paths inside Kituo only.
    title = pw.CharField(max_length=120, default="")
    person = pw.CharField(max_length=60, default="")     # a member's code or a username
    back_url = pw.CharField(max_length=255, default="")
    retry_url = pw.CharField(max_length=255, default="")
    opened_at = pw.DateTimeField(null=True)   # the PDF was opened: its page stops opening it

    @property
    def overdue(self) -> bool:
        return (self.status in (self.QUEUED, self.RUNNING) and self.deadline_at is not None
                and self.deadline_at < utcnow())

    @property
    def finished(self) -> bool:
        return self.status in (self.DONE, self.FAILED) or self.overdue
