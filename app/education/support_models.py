"""The support around learning (work plan Objective 2, Goals 1 and 3):
formal education records, scholarships and other opportunities, the study
space, and what happened after a course (placements, referrals and their
follow-ups). Money in integer cents (KES)."""
from __future__ import annotations

import peewee as pw

from app.auth.models import User
from app.clock import utcnow
from app.db import BaseModel
from app.i18n import bilingual
from app.education.models import Course, date_check, in_list
from app.loans.models import Business
from app.members.models import Member
from app.mentorship.models import mask_of, values_of  # noqa: F401  (the one bit-mask helper)

LEVELS = ("none", "primary", "secondary", "certificate", "diploma", "degree", "other")
FORMAL_STATUSES = ("ongoing", "completed", "left")
GRADE_SCALES = ("none", "kcse", "percent", "gpa")
OPPORTUNITY_KINDS = ("scholarship", "bursary", "apprenticeship", "job", "internship")
APPLICATION_STATUSES = ("interested", "preparing", "applied", "shortlisted", "awarded",
                        "not_awarded", "withdrawn")
OPEN_APPLICATION = ("interested", "preparing", "applied", "shortlisted")
DOCUMENTS = ("id_copy", "birth_certificate", "kcpe_certificate", "kcse_certificate",
             "transcript", "recommendation_letter", "cv", "personal_statement", "fee_structure")
RESOURCE_KINDS = ("seats", "computers")
PLACEMENT_KINDS = ("formal", "informal", "self_employed", "internship")
INCOME_BANDS = ("none", "under_5k", "5k_10k", "10k_20k", "20k_40k", "over_40k")
FOLLOW_UP_MONTHS = (3, 6, 12)
REFERRAL_KINDS = ("business", "consultancy", "employer", "training")
REFERRAL_OUTCOMES = ("pending", "taken_up", "declined", "no_response")


class EducationProfile(BaseModel):
    """A member's highest level of formal education reached."""
    member = pw.ForeignKeyField(Member, unique=True, backref="+", on_delete="CASCADE")
    highest_level = pw.CharField(max_length=12, default="none",
                                 constraints=[in_list("highest_level", LEVELS)])
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "education_profile"


class FormalEnrolment(BaseModel):
    """A member studying somewhere: school, college, university."""
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    institution = pw.CharField(max_length=120)
    programme = pw.CharField(max_length=120, default="")
    level = pw.CharField(max_length=12, constraints=[in_list("level", LEVELS)])
    year_of_study = pw.IntegerField(null=True, constraints=[
        pw.Check("year_of_study IS NULL OR year_of_study BETWEEN 1 AND 8")])
    started_on = pw.DateField(null=True, constraints=[date_check("started_on")])
    expected_completion = pw.DateField(null=True, constraints=[date_check("expected_completion")])
    status = pw.CharField(max_length=10, default="ongoing",
                          constraints=[in_list("status", FORMAL_STATUSES)])
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "education_formal"
        indexes = ((("member", "status"), False),)


class TermResult(BaseModel):
    formal = pw.ForeignKeyField(FormalEnrolment, backref="results", on_delete="CASCADE")
    term = pw.CharField(max_length=40)
    result_text = pw.TextField(default="")
    grade_scale = pw.CharField(max_length=8, default="none",
                               constraints=[in_list("grade_scale", GRADE_SCALES)])
    grade = pw.CharField(max_length=8, default="")
    recorded_at = pw.DateTimeField(default=utcnow)
    recorded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "education_term_result"


class FeeRecord(BaseModel):
    """Fees for a term and what the centre paid towards them."""
    formal = pw.ForeignKeyField(FormalEnrolment, backref="fees", on_delete="CASCADE")
    term = pw.CharField(max_length=40)
    fee_cents = pw.IntegerField(default=0, constraints=[
        pw.Check("fee_cents BETWEEN 0 AND 100000000000")])
    support_cents = pw.IntegerField(default=0, constraints=[
        pw.Check("support_cents BETWEEN 0 AND 100000000000")])
    paid_on = pw.DateField(null=True, constraints=[date_check("paid_on")])
    note = pw.CharField(max_length=255, default="")
    recorded_at = pw.DateTimeField(default=utcnow)
    recorded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "education_fee"


class Opportunity(BaseModel):
    title = pw.CharField(max_length=160)
    provider = pw.CharField(max_length=120)
    kind = pw.CharField(max_length=16, constraints=[in_list("kind", OPPORTUNITY_KINDS)])
    amount_cents = pw.IntegerField(null=True, constraints=[
        pw.Check("amount_cents IS NULL OR amount_cents BETWEEN 0 AND 100000000000")])
    deadline = pw.DateField(null=True, constraints=[date_check("deadline")])
    eligibility = pw.TextField(default="")
    how_to_apply = pw.TextField(default="")
    documents_mask = pw.IntegerField(default=0)     # DOCUMENTS an application needs
    active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    is_demo = pw.BooleanField(default=False)

    class Meta:
        table_name = "education_opportunity"
        indexes = ((("active", "deadline"), False),)

    @property
    def documents(self) -> list[str]:
        return values_of(self.documents_mask, DOCUMENTS)


class Application(BaseModel):
    opportunity = pw.ForeignKeyField(Opportunity, backref="applications", on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    status = pw.CharField(max_length=12, default="interested",
                          constraints=[in_list("status", APPLICATION_STATUSES)])
    documents_mask = pw.IntegerField(default=0)     # DOCUMENTS ready
    awarded_cents = pw.IntegerField(null=True, constraints=[
        pw.Check("awarded_cents IS NULL OR awarded_cents BETWEEN 0 AND 100000000000")])
    note = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")

    class Meta:
        table_name = "education_application"
        indexes = ((("opportunity", "member"), True), (("member", "status"), False),
                   (("status", "updated_at"), False))

    @property
    def documents(self) -> list[str]:
        return values_of(self.documents_mask, DOCUMENTS)


class StudyResource(BaseModel):
    """The study room's seats or the computers: places with opening hours,
    booked in slots of `slot_minutes` from the opening time."""
    name_en = pw.CharField(max_length=80)
    name_sw = pw.CharField(max_length=80)
    kind = pw.CharField(max_length=10, default="seats", constraints=[in_list("kind", RESOURCE_KINDS)])
    capacity = pw.IntegerField(constraints=[pw.Check("capacity BETWEEN 1 AND 100")])
    slot_minutes = pw.IntegerField(default=120, constraints=[
        pw.Check("slot_minutes BETWEEN 30 AND 480")])
    active = pw.BooleanField(default=True)

    class Meta:
        table_name = "education_study_resource"

    name = bilingual("name")


class StudyHours(BaseModel):
    resource = pw.ForeignKeyField(StudyResource, backref="hours", on_delete="CASCADE")
    weekday = pw.IntegerField(constraints=[pw.Check("weekday BETWEEN 0 AND 6")])   # 0 = Monday
    opens = pw.TimeField(formats=["%H:%M:%S", "%H:%M"])
    closes = pw.TimeField(formats=["%H:%M:%S", "%H:%M"], constraints=[pw.Check("closes > opens")])

    class Meta:
        table_name = "education_study_hours"
        indexes = ((("resource", "weekday"), True),)


class StudySeat(BaseModel):
    """One place of a resource (seat or computer number). A booking holds a
    seat, and a seat holds one booking per slot: the database itself keeps
    bookings within the capacity."""
    resource = pw.ForeignKeyField(StudyResource, backref="seats", on_delete="CASCADE")
    number = pw.IntegerField()
    active = pw.BooleanField(default=True)

    class Meta:
        table_name = "education_study_seat"
        indexes = ((("resource", "number"), True),)


class StudyBooking(BaseModel):
    resource = pw.ForeignKeyField(StudyResource, backref="+", on_delete="CASCADE")
    seat = pw.ForeignKeyField(StudySeat, backref="+", on_delete="CASCADE")
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    starts_at = pw.DateTimeField()
    ends_at = pw.DateTimeField(constraints=[pw.Check("ends_at > starts_at")])
    walk_in = pw.BooleanField(default=False)
    checked_in_at = pw.DateTimeField(null=True)
    cancelled_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    is_demo = pw.BooleanField(default=False)

    class Meta:
        table_name = "education_study_booking"
        indexes = ((("resource", "starts_at"), False), (("member", "starts_at"), False))


# A seat holds one booking per slot, a member one seat per resource and slot.
StudyBooking.add_index(StudyBooking.index(StudyBooking.seat, StudyBooking.starts_at, unique=True,
                                          safe=True, name="education_study_one_per_seat").where(
    StudyBooking.cancelled_at.is_null()))
StudyBooking.add_index(StudyBooking.index(StudyBooking.member, StudyBooking.resource,
                                          StudyBooking.starts_at, unique=True, safe=True,
                                          name="education_study_one_per_member").where(
    StudyBooking.cancelled_at.is_null()))


class Placement(BaseModel):
    """Work after (or alongside) a course. `business`: the member's own
    business in the loans module, when they are self-employed with one. If
    that business record goes, the placement stays (it is the member's
    work history and counts in the reports) without the link: SET NULL."""
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    kind = pw.CharField(max_length=14, constraints=[in_list("kind", PLACEMENT_KINDS)])
    employer = pw.CharField(max_length=120, default="")
    business = pw.ForeignKeyField(Business, null=True, on_delete="SET NULL", backref="+")
    role = pw.CharField(max_length=120, default="")
    start_date = pw.DateField(constraints=[date_check("start_date")])
    income_band = pw.CharField(max_length=10, default="none",
                               constraints=[in_list("income_band", INCOME_BANDS)])
    course = pw.ForeignKeyField(Course, null=True, on_delete="SET NULL", backref="+")
    ended_on = pw.DateField(null=True, constraints=[date_check("ended_on")])
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    is_demo = pw.BooleanField(default=False)

    class Meta:
        table_name = "education_placement"
        indexes = ((("member", "start_date"), False),)


class FollowUp(BaseModel):
    """"Still working there?" at 3, 6 and 12 months after the start. Made
    with the placement, each with its due date: the coordinator's list
    shows every one that is due and unanswered, so a Pi that was off for
    months shows all it missed when it is back."""
    placement = pw.ForeignKeyField(Placement, backref="follow_ups", on_delete="CASCADE")
    months = pw.IntegerField(constraints=[pw.Check("months IN (3, 6, 12)")])
    due_on = pw.DateField()
    answered_at = pw.DateTimeField(null=True)
    answered_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    still_working = pw.BooleanField(null=True)
    note = pw.CharField(max_length=255, default="")
    closed = pw.BooleanField(default=False)          # not needed: the work had ended

    class Meta:
        table_name = "education_follow_up"
        indexes = ((("placement", "months"), True), (("closed", "answered_at", "due_on"), False))


class Referral(BaseModel):
    """A member introduced to a business, consultancy or employer."""
    member = pw.ForeignKeyField(Member, backref="+", on_delete="CASCADE")
    kind = pw.CharField(max_length=12, constraints=[in_list("kind", REFERRAL_KINDS)])
    to_name = pw.CharField(max_length=120)
    referred_on = pw.DateField(constraints=[date_check("referred_on")])
    purpose = pw.CharField(max_length=255, default="")
    outcome = pw.CharField(max_length=12, default="pending",
                           constraints=[in_list("outcome", REFERRAL_OUTCOMES)])
    created_at = pw.DateTimeField(default=utcnow)
    created_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    is_demo = pw.BooleanField(default=False)

    class Meta:
        table_name = "education_referral"
        indexes = ((("member", "referred_on"), False), (("referred_on",), False))


MODELS = [EducationProfile, FormalEnrolment, TermResult, FeeRecord, Opportunity, Application,
          StudyResource, StudyHours, StudySeat, StudyBooking, Placement, FollowUp, Referral]
