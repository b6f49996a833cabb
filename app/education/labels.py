"""Translated labels for the stored keys of education."""
from app.i18n import lazy_gettext as _l, lazy_pgettext
from app.i18n import LANGUAGE_NAMES as LANGUAGE_LABELS  # the one table of language names
from app.labels import WEEKDAYS, label

ASSESSMENT_LABELS = {
    "none": _l("No assessment"),
    "pass_fail": _l("Pass or fail"),
    "score": _l("A score out of 100"),
}
RESULT_LABELS = {"pass": _l("Passed"), "fail": _l("Not passed yet")}
MARK_LABELS = {
    "present": _l("Present"),
    "late": lazy_pgettext("attendance", "Late"),
    "absent": _l("Absent"),
    "excused": _l("Excused"),
}
ENROLMENT_LABELS = {
    "waitlisted": _l("Waiting list"),
    "enrolled": lazy_pgettext("class", "In the class"),
    "completed": _l("Completed"),
    "withdrawn": _l("Left"),
    "did_not_complete": _l("Did not complete"),
}
LEVEL_LABELS = {
    "none": _l("No formal schooling"),
    "primary": _l("Primary (KCPE or KPSEA)"),
    "secondary": _l("Secondary (KCSE)"),
    "certificate": _l("Certificate"),
    "diploma": _l("Diploma"),
    "degree": _l("Degree"),
    "other": _l("Other"),
}
FORMAL_STATUS_LABELS = {
    "ongoing": _l("Studying"),
    "completed": _l("Completed"),
    "left": _l("Left before the end"),
}
GRADE_SCALE_LABELS = {
    "none": _l("No grade"),
    "kcse": _l("KCSE letter grade (A to E)"),
    "percent": _l("Per cent (0 to 100)"),
    "gpa": _l("Grade point average (0 to 4)"),
}
OPPORTUNITY_KIND_LABELS = {
    "scholarship": _l("Scholarship"),
    "bursary": _l("Bursary"),
    "apprenticeship": _l("Apprenticeship"),
    "job": _l("Job"),
    "internship": _l("Internship"),
}
APPLICATION_LABELS = {
    "interested": _l("Interested"),
    "preparing": _l("Preparing"),
    "applied": _l("Applied"),
    "shortlisted": _l("Shortlisted"),
    "awarded": _l("Awarded"),
    "not_awarded": _l("Not awarded"),
    "withdrawn": lazy_pgettext("application", "Withdrawn"),
}
DOCUMENT_LABELS = {
    "id_copy": _l("Copy of ID"),
    "birth_certificate": _l("Birth certificate"),
    "kcpe_certificate": _l("KCPE certificate"),
    "kcse_certificate": _l("KCSE certificate"),
    "transcript": _l("School results (transcript)"),
    "recommendation_letter": _l("Recommendation letter"),
    "cv": _l("CV"),
    "personal_statement": _l("Personal statement"),
    "fee_structure": _l("Fee structure"),
}
RESOURCE_KIND_LABELS = {"seats": _l("Seats"), "computers": _l("Computers")}
PLACEMENT_KIND_LABELS = {
    "formal": _l("Formal employment"),
    "informal": _l("Informal work"),
    "self_employed": _l("Self-employed"),
    "internship": _l("Internship"),
}
INCOME_BAND_LABELS = {
    "none": _l("No income yet"),
    "under_5k": _l("Under KES 5,000 a month"),
    "5k_10k": _l("KES 5,000 to 10,000 a month"),
    "10k_20k": _l("KES 10,000 to 20,000 a month"),
    "20k_40k": _l("KES 20,000 to 40,000 a month"),
    "over_40k": _l("Over KES 40,000 a month"),
}
REFERRAL_KIND_LABELS = {
    "business": _l("Business"),
    "consultancy": _l("Consultancy"),
    "employer": _l("Employer"),
    "training": _l("Training provider"),
}
REFERRAL_OUTCOME_LABELS = {
    "pending": _l("Waiting for an answer"),
    "taken_up": _l("Taken up"),
    "declined": _l("Declined"),
    "no_response": _l("No response"),
}

KINDS = {"language": LANGUAGE_LABELS, "assessment": ASSESSMENT_LABELS, "result": RESULT_LABELS,
         "mark": MARK_LABELS, "enrolment": ENROLMENT_LABELS, "level": LEVEL_LABELS,
         "formal": FORMAL_STATUS_LABELS, "scale": GRADE_SCALE_LABELS,
         "opportunity": OPPORTUNITY_KIND_LABELS, "application": APPLICATION_LABELS,
         "document": DOCUMENT_LABELS, "resource": RESOURCE_KIND_LABELS,
         "placement": PLACEMENT_KIND_LABELS, "income": INCOME_BAND_LABELS,
         "referral": REFERRAL_KIND_LABELS, "outcome": REFERRAL_OUTCOME_LABELS}


def education_label(kind: str, key) -> str:
    return label(KINDS[kind], key)


def weekday_label(index: int) -> str:
    return str(WEEKDAYS[index])
