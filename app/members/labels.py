"""Translated labels for the stored keys (statuses, needs, purposes...)."""
from typing import Any, NamedTuple

from app.i18n import LANGUAGE_NAMES, lazy_gettext as _l
from app.labels import label, names  # noqa: F401  (the shared lookup, used as labels.label)
from app.members.models import CONSENT_PURPOSES

STATUS_LABELS = {
    "referred": _l("Referred"),
    "inducting": _l("In induction"),
    "active": _l("Active"),
    "alumni": _l("Alumni"),
    "exited": _l("Exited"),
}
GENDER_LABELS = {
    "female": _l("Female"),
    "male": _l("Male"),
    "other": _l("Other"),
    "undisclosed": _l("Prefer not to say"),
}
AGE_BAND_LABELS = {
    "under_18": _l("Under 18"),
    "18_24": _l("18 to 24"),
    "25_34": _l("25 to 34"),
    "35_44": _l("35 to 44"),
    "45_plus": _l("45 or older"),
}
NEED_LABELS = {
    "housing": _l("Housing"),
    "health": _l("Health"),
    "livelihood": _l("Livelihood"),
    "education": _l("Education"),
    "legal": _l("Legal help"),
    "family": _l("Family"),
}
EXIT_REASON_LABELS = {
    "own_choice": _l("Their own choice"),
    "moved_away": _l("Moved away"),
    "unreachable": _l("Could not be reached"),
    "safety": _l("For their safety"),
    "anonymised": _l("Anonymised on request"),
    "other": _l("Other reason"),
}


class ConsentPurpose(NamedTuple):
    """Everything said about one consent purpose, in one place.

    `label` is the staff wording (about the member, third person). The
    member reads their own choices in the second person (`title`,
    `explanation`, `agreed`, `refused`: /me and the induction pack) and
    signs them in the first person (`i_agree`: the consent form)."""
    label: Any
    title: Any
    explanation: Any
    agreed: Any
    refused: Any
    i_agree: Any


PURPOSES = {
    "processing": ConsentPurpose(
        label=_l("Keeping and using their information"),
        title=_l("Your information"),
        explanation=_l("The centre keeps a record about you (your name, how to reach you, your "
                       "needs and your progress) so that we can support you. Only staff who need "
                       "it can see it. This is needed before we can do more than write down your "
                       "first visit."),
        agreed=_l("You agreed that the centre may keep and use your information to support you."),
        refused=_l("You said no to the centre keeping and using your information. Only a note "
                   "of your first visit is kept."),
        i_agree=_l("I agree that the centre may keep and use my information to support me."),
    ),
    "media": ConsentPurpose(
        label=_l("Photos and media"),
        title=_l("Photos and videos"),
        explanation=_l("Photos, audio or video in which you can be recognised may be taken and "
                       "used by the centre."),
        agreed=_l("You agreed that the centre may take and use photos, audio or video in which "
                  "you can be recognised."),
        refused=_l("You said no to photos, audio or video in which you can be recognised."),
        i_agree=_l("I agree that the centre may take and use photos, audio or video in which I "
                   "can be recognised."),
    ),
    "story": ConsentPurpose(
        label=_l("Sharing their story"),
        title=_l("Your story"),
        explanation=_l("Your story may be told, in the way you agree, with your name or without "
                       "it. You decide what is shared and you may stop at any time."),
        agreed=_l("You agreed that your story may be told, in the way you choose."),
        refused=_l("You said no to your story being told."),
        i_agree=_l("I agree that my story may be told, in the way I choose."),
    ),
    "research": ConsentPurpose(
        label=_l("Taking part in research"),
        title=_l("Research"),
        explanation=_l("You may be asked to take part in studies that help survivors. Taking "
                       "part is always your choice."),
        agreed=_l("You agreed that you may be asked to take part in research. Each time, you "
                  "can still say no."),
        refused=_l("You said no to being asked to take part in research."),
        i_agree=_l("I agree that I may be asked to take part in research. Each time, I can "
                   "still say no."),
    ),
    "partners": ConsentPurpose(
        label=_l("Sharing information with referral partners"),
        title=_l("Sharing with other organisations"),
        explanation=_l("The centre may share the information needed with organisations that "
                       "refer you or that you are referred to."),
        agreed=_l("You agreed that the centre may share the information needed with "
                  "organisations that refer you or that you are referred to."),
        refused=_l("You said no to the centre sharing your information with other "
                   "organisations."),
        i_agree=_l("I agree that the centre may share the information needed with organisations "
                   "that refer me or that I am referred to."),
    ),
    "contact": ConsentPurpose(
        label=_l("Being contacted by phone or SMS"),
        title=_l("Calls and SMS"),
        explanation=_l("The centre may call you or send you SMS messages."),
        agreed=_l("You agreed that the centre may call you or send you SMS messages."),
        refused=_l("You said no to calls and SMS messages from the centre."),
        i_agree=_l("I agree that the centre may call me or send me SMS messages."),
    ),
    "promote": ConsentPurpose(
        label=_l("Promoting their business"),
        title=_l("Promoting your business"),
        explanation=_l("The centre may show your business (its name, what it offers and how "
                       "to reach it) in its directory of survivor-led businesses, to staff, "
                       "members and partners, so that more people buy from you."),
        agreed=_l("You agreed that the centre may show your business in its directory of "
                  "survivor-led businesses."),
        refused=_l("You said no to your business being shown in the centre's directory."),
        i_agree=_l("I agree that the centre may show my business in its directory of "
                   "survivor-led businesses."),
    ),
    "wellbeing": ConsentPurpose(
        label=_l("Answering the wellbeing check"),
        title=_l("Wellbeing check"),
        explanation=_l("Every three months you may answer five short questions about how you "
                       "have felt. You and the counsellors can see your answers, to see how "
                       "you are doing. Reports only ever show averages of at least five "
                       "people, never you."),
        agreed=_l("You agreed that you may answer the wellbeing check every three months."),
        refused=_l("You said no to the wellbeing check. Your earlier answers are hidden from "
                   "everyone; only your own data export still has your answers."),
        i_agree=_l("I agree that I may answer the wellbeing check every three months."),
    ),
}
assert tuple(PURPOSES) == CONSENT_PURPOSES, "one entry per consent purpose, in order"
# Staff wording, by key (forms, staff pages, the data export).
PURPOSE_LABELS = {key: purpose.label for key, purpose in PURPOSES.items()}
METHOD_LABELS = {"verbal": _l("Explained and agreed verbally"), "signed": _l("Signed form"),
                 "self": _l("Answered in Kituo by the member")}
REFERRAL_LABELS = {
    "partner_ngo": _l("Partner NGO"),
    "government": _l("Government service"),
    "community": _l("Community"),
    "self": _l("Self-referral"),
    "other": _l("Other"),
}
FIELD_LABELS = {
    "preferred_name": _l("Preferred name"),
    "legal_name": _l("Legal name"),
    "gender": _l("Gender"),
    "birth_year": _l("Year of birth"),
    "age_band": _l("Age band"),
    "phone": _l("Phone"),
    "language": _l("Preferred language"),
    "county": _l("County"),
    "location": _l("Location"),
    "referral_source": _l("Referred by"),
    "referring_org": _l("Referring organisation"),
    "joined_on": _l("Date joined"),
    "needs": _l("Needs"),
    "notes": _l("Restricted notes"),
    "status": _l("Status"),
    "exit_reason": _l("Exit reason"),
    "buddy": _l("Peer buddy"),
    "account": _l("Login"),
}
PROGRAMMES = [
    _l("Mental-health support: someone to talk to, in confidence"),
    _l("Skills and employment: training and help to find work"),
    _l("Entrepreneurship and microloans: start or grow your own business"),
    _l("Education: study at your own pace, help with school fees and scholarships"),
    _l("Leadership and mentorship: grow as a survivor leader with a mentor"),
]
LANGUAGE_LABELS = LANGUAGE_NAMES    # the one table of language names (app.i18n)


def source_label(source) -> str:
    """A referral source's label: the translated one for a seeded source,
    else the name the admin gave it."""
    if source.key and source.key in REFERRAL_LABELS:
        return label(REFERRAL_LABELS, source.key)
    return source.name
