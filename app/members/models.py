"""Members, their consents, induction and the import batches.

Identity (legal name, phone, location, notes) sits on the member row but is
only ever shown through services that check `members.identity` and audit
the view. Rows are never deleted: a member exits, or is anonymised.
"""
from __future__ import annotations

import uuid

import peewee as pw

from app.auth.models import User
from app.db import BaseModel, in_calendar, utcnow, years_in_calendar
from app.i18n import bilingual

STATUSES = ("referred", "inducting", "active", "alumni", "exited")
GENDERS = ("female", "male", "other", "undisclosed")
AGE_BANDS = ("under_18", "18_24", "25_34", "35_44", "45_plus")
NEEDS = ("housing", "health", "livelihood", "education", "legal", "family")
EXIT_REASONS = ("own_choice", "moved_away", "unreachable", "safety", "anonymised", "other")
CONSENT_PURPOSES = ("processing", "media", "story", "research", "partners", "contact", "promote",
                    "wellbeing")
# "self": the member agreed in Kituo on their own phone (the wellbeing check).
CONSENT_METHODS = ("verbal", "signed", "self")
LANGUAGES = ("en", "sw")

# The 47 counties of Kenya (proper names: the same in English and Swahili).
COUNTIES = (
    "Baringo", "Bomet", "Bungoma", "Busia", "Elgeyo-Marakwet", "Embu", "Garissa", "Homa Bay",
    "Isiolo", "Kajiado", "Kakamega", "Kericho", "Kiambu", "Kilifi", "Kirinyaga", "Kisii",
    "Kisumu", "Kitui", "Kwale", "Laikipia", "Lamu", "Machakos", "Makueni", "Mandera",
    "Marsabit", "Meru", "Migori", "Mombasa", "Murang'a", "Nairobi", "Nakuru", "Nandi",
    "Narok", "Nyamira", "Nyandarua", "Nyeri", "Samburu", "Siaya", "Taita-Taveta", "Tana River",
    "Tharaka-Nithi", "Trans Nzoia", "Turkana", "Uasin Gishu", "Vihiga", "Wajir", "West Pokot",
)


# The longest text a person may type in each field: the services' rules
# (app.rules.clean_text), the forms' length() and the columns use these.
LIMITS = {
    "preferred_name": 80, "legal_name": 120, "phone": 32, "location": 120,
    "referring_org": 120, "notes": 4000, "code": 24, "consent_note": 255, "step_note": 255,
    "step_title": 160, "source_name": 80, "search": 80,
}


def member_id(member) -> int:
    """A member's id, given the member or the id."""
    return member if isinstance(member, int) else member.id


def needs_mask(needs) -> int:
    mask = 0
    for need in needs or ():
        mask |= 1 << NEEDS.index(need)
    return mask


def needs_from_mask(mask: int) -> list[str]:
    return [need for i, need in enumerate(NEEDS) if mask & (1 << i)]


class ReferralSource(BaseModel):
    """Where members come from; an admin may add, rename or retire entries.
    Seeded entries have a `key` and a translated label."""
    key = pw.CharField(max_length=32, null=True, unique=True)
    name = pw.CharField(max_length=LIMITS["source_name"])
    position = pw.IntegerField(default=0)
    active = pw.BooleanField(default=True)


class Member(BaseModel):
    number = pw.IntegerField(unique=True)          # sequence behind the code
    code = pw.CharField(max_length=LIMITS["code"], unique=True)
    preferred_name = pw.CharField(max_length=LIMITS["preferred_name"], default="")
    # Identity (members.identity only; every view audited)
    legal_name = pw.CharField(max_length=LIMITS["legal_name"], default="")
    phone = pw.CharField(max_length=LIMITS["phone"], default="")
    location = pw.CharField(max_length=LIMITS["location"], default="")
    notes = pw.TextField(default="")
    # Not identifying on their own
    gender = pw.CharField(max_length=16, default="undisclosed")
    birth_year = pw.IntegerField(null=True)
    age_band = pw.CharField(max_length=16, default="")
    language = pw.CharField(max_length=5, default="sw")
    county = pw.CharField(max_length=40, default="")
    referral_source = pw.ForeignKeyField(ReferralSource, null=True, on_delete="SET NULL")
    referring_org = pw.CharField(max_length=LIMITS["referring_org"], default="")
    joined_on = pw.DateField()
    needs_mask = pw.IntegerField(default=0)
    status = pw.CharField(max_length=12, default="referred")
    status_changed_at = pw.DateTimeField(default=utcnow)
    exit_reason = pw.CharField(max_length=16, default="")
    exited_on = pw.DateField(null=True)
    buddy = pw.ForeignKeyField("self", null=True, on_delete="SET NULL", backref="buddy_of")
    user = pw.ForeignKeyField(User, null=True, unique=True, on_delete="SET NULL")
    anonymised_at = pw.DateTimeField(null=True)
    is_demo = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        indexes = (
            (("status", "id"), False),
            (("status", "status_changed_at"), False),
            (("joined_on",), False),
            (("status", "exited_on"), False),
            (("is_demo",), False),
        )
        constraints = [*in_calendar("joined_on", "exited_on"), *years_in_calendar("birth_year")]

    @property
    def needs(self) -> list[str]:
        return needs_from_mask(self.needs_mask)

    @property
    def display(self) -> str:
        """Code and preferred name: what every list shows."""
        return f"{self.code} · {self.preferred_name}" if self.preferred_name else self.code


class MemberChange(BaseModel):
    """History of edits: who changed which field, old -> new. Values of
    restricted fields are shown only to members.identity holders."""
    member = pw.ForeignKeyField(Member, backref="changes", on_delete="CASCADE")
    at = pw.DateTimeField(default=utcnow)
    actor = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    field = pw.CharField(max_length=32)
    old_value = pw.TextField(default="")
    new_value = pw.TextField(default="")
    restricted = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("member", "id"), False),)


class ConsentEvent(BaseModel):
    """Append-only: the latest row per (member, purpose) is the current state."""
    member = pw.ForeignKeyField(Member, backref="consents", on_delete="CASCADE")
    purpose = pw.CharField(max_length=16)
    given = pw.BooleanField()
    recorded_on = pw.DateField()
    recorded_at = pw.DateTimeField(default=utcnow)
    recorded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    language = pw.CharField(max_length=5, default="sw")
    method = pw.CharField(max_length=8, default="verbal")
    note = pw.CharField(max_length=LIMITS["consent_note"], default="")

    class Meta:
        indexes = ((("member", "purpose", "id"), False),)
        constraints = in_calendar("recorded_on")


class InductionStep(BaseModel):
    """One step of the admin-editable induction checklist (titles in both
    languages, since an admin types them). Retired steps stay for history."""
    key = pw.CharField(max_length=32, null=True, unique=True)
    title_en = pw.CharField(max_length=LIMITS["step_title"])
    title_sw = pw.CharField(max_length=LIMITS["step_title"])
    position = pw.IntegerField(default=0)
    required = pw.BooleanField(default=True)
    active = pw.BooleanField(default=True)

    title = bilingual("title")


class InductionCompletion(BaseModel):
    member = pw.ForeignKeyField(Member, backref="induction", on_delete="CASCADE")
    step = pw.ForeignKeyField(InductionStep, backref="completions", on_delete="CASCADE")
    completed_at = pw.DateTimeField(default=utcnow)
    completed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    note = pw.CharField(max_length=LIMITS["step_note"], default="")

    class Meta:
        indexes = ((("member", "step"), True),)


class InductionMeeting(BaseModel):
    """A meeting at the centre during induction (optionally with the buddy)."""
    member = pw.ForeignKeyField(Member, backref="meetings", on_delete="CASCADE")
    starts_at = pw.DateTimeField(index=True)      # naive UTC
    with_buddy = pw.BooleanField(default=False)
    cancelled_at = pw.DateTimeField(null=True)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("member", "starts_at"), False),)
        constraints = in_calendar("starts_at")


class MemberImport(BaseModel):
    """A CSV upload: checked first (dry run), written only on confirm."""
    CHECKING, CHECKED, IMPORTING, IMPORTED, FAILED = (
        "checking", "checked", "importing", "imported", "failed")

    id = pw.UUIDField(primary_key=True, default=uuid.uuid4)
    owner = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    created_at = pw.DateTimeField(default=utcnow)
    filename = pw.CharField(max_length=120, default="")
    path = pw.CharField(max_length=255, default="")
    status = pw.CharField(max_length=12, default=CHECKING)
    job_id = pw.CharField(max_length=40, default="")
    total_rows = pw.IntegerField(default=0)
    valid_rows = pw.IntegerField(default=0)
    imported_rows = pw.IntegerField(default=0)
    problems_json = pw.TextField(default="[]")


MODELS = [ReferralSource, Member, MemberChange, ConsentEvent, InductionStep,
          InductionCompletion, InductionMeeting, MemberImport]
