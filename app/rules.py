"""What every module's services share: the error a refused rule raises, and
today's date at the centre."""
from __future__ import annotations

import datetime as dt


class RuleError(Exception):
    """A rule refused the action; `field` names the form field to blame
    (None: the form as a whole). Views show `message` next to that field."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def today() -> dt.date:
    """Today in Africa/Nairobi (the server stores UTC)."""
    from app.db import utcnow
    from app.filters import to_local
    return to_local(utcnow()).date()
