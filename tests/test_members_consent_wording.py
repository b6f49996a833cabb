"""A member reads their own consents in the second person (/me, the
induction pack) and signs them in the first person (the consent form), in
English and Swahili; staff pages keep the staff wording."""
import re

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale

from app.auth import services as auth
from app.members import labels, services
from app.members.models import CONSENT_PURPOSES, Member
from tests.factories import PASSWORD, app_db
from tests.factories import make_member

# Staff wording about the member ("their", Swahili "-ake"/"naye") must not
# reach the member's own pages.
THIRD_PERSON = {
    "en": re.compile(r"\b(their|them|the member)\b", re.I),
    "sw": re.compile(r"\b(taarifa zake|hadithi yake|naye|ya mwanachama ya)\b", re.I),
}
FIRST_WORDS = {
    "en": {"agreed": "You agreed that", "refused": "You said no to", "i_agree": "I agree that"},
    "sw": {"agreed": "Ulikubali kwamba", "refused": "Ulikataa", "i_agree": "Ninakubali kwamba"},
}


def _words(text: str) -> str:
    return " ".join(text.split())


def test_every_purpose_has_member_wording_from_one_source(conn):
    assert tuple(labels.PURPOSES) == CONSENT_PURPOSES
    assert labels.PURPOSE_LABELS == {k: p.label for k, p in labels.PURPOSES.items()}
    for language in ("en", "sw"):
        with force_locale(language):
            for key, purpose in labels.PURPOSES.items():
                words = FIRST_WORDS[language]
                for part in ("agreed", "refused", "i_agree"):
                    text = str(getattr(purpose, part))
                    assert text.startswith(words[part]), (language, key, part, text)
                    assert not THIRD_PERSON[language].search(text), (language, key, part, text)
                assert not THIRD_PERSON[language].search(str(purpose.title)), (language, key)
                assert not THIRD_PERSON[language].search(str(purpose.explanation)), (language, key)
                assert str(purpose.title) != str(purpose.label)


def _member_signed_in(app, client, language):
    with app_db(app):
        member = make_member(preferred_name="Amani", language=language)   # processing: yes
        services.record_consent(member, "media", False, "signed", language)
        services.record_consent(member, "contact", True, "verbal", language)
        user = services.create_account(Member.get_by_id(member.id))
        auth._store_password(user, PASSWORD)
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    return member


@pytest.mark.parametrize("language", ["en", "sw"])
def test_my_consents_speak_to_the_member(app, client, language):
    _member_signed_in(app, client, language)
    page = BeautifulSoup(client.get("/me").data, "html.parser")
    items = [" ".join(li.get_text(" ").split())
             for li in page.select("#my-consents li.consent-item")]
    assert len(items) == len(CONSENT_PURPOSES)
    with app.test_request_context(), force_locale(language):
        expected = {
            "processing": str(labels.PURPOSES["processing"].agreed),
            "media": str(labels.PURPOSES["media"].refused),
            "contact": str(labels.PURPOSES["contact"].agreed),
        }
        not_asked = {"en": "You have not been asked about this yet.",
                     "sw": "Bado hujaulizwa kuhusu jambo hili."}[language]
        for index, key in enumerate(CONSENT_PURPOSES):
            assert str(labels.PURPOSES[key].title) in items[index]
            assert expected.get(key, not_asked) in items[index], items[index]
    words = FIRST_WORDS[language]
    assert sum(words["agreed"] in item for item in items) == 2
    assert sum(words["refused"] in item for item in items) == 1
    section = page.select_one("#my-consents").get_text(" ")
    assert not THIRD_PERSON[language].search(section), section


@pytest.mark.parametrize("language", ["en", "sw"])
def test_consent_form_is_signed_in_the_first_person(app, client, login_as, pdf_text, language):
    with app_db(app):
        member = make_member(language=language)
    login_as("coordinator")
    job = client.post(f"/members/{member.id}/consent-form").headers["Location"]
    text = _words(pdf_text(client.get(job + "/download").data))
    with app.test_request_context(), force_locale(language):
        for purpose in labels.PURPOSES.values():
            assert str(purpose.i_agree) in text
            assert str(purpose.title) in text
            assert str(purpose.label) not in text          # no staff wording
    assert text.count(FIRST_WORDS[language]["i_agree"]) == len(CONSENT_PURPOSES)
    assert {"en": "My signature or mark", "sw": "Sahihi yangu au alama yangu"}[language] in text
    assert not THIRD_PERSON[language].search(text), text


def test_induction_pack_tells_the_member_their_choices(app, client, login_as, pdf_text):
    with app_db(app):
        member = make_member(language="sw")
        services.record_consent(member, "story", False, "signed", "sw")
    login_as("coordinator")
    job = client.post(f"/members/{member.id}/induction-pack").headers["Location"]
    text = _words(pdf_text(client.get(job + "/download").data))
    assert "Ulikubali kwamba kituo kinaweza kuhifadhi na kutumia taarifa zako" in text
    assert "Ulikataa hadithi yako isimuliwe" in text
    assert "Kusimulia hadithi yake" not in text


def test_staff_pages_keep_the_staff_wording(app, client, login_as):
    with app_db(app):
        member = make_member(language="en")
    login_as("coordinator")
    page = BeautifulSoup(client.get(f"/members/{member.id}").data, "html.parser")
    text = page.get_text(" ")
    assert "Keeping and using their information" in text
    assert "You agreed that" not in text
