"""Consent is recorded as the paper form reads (#12): one form, a yes or
no per purpose, prefilled with the answers on record; only the answers
that change are recorded, all of them or none."""
import pytest
from bs4 import BeautifulSoup

from app.db import db
from app.members import services
from app.members.models import CONSENT_PURPOSES, ConsentEvent
from app.members.services import MemberError
from tests.factories import app_db, make_member, make_user


def _page(response):
    return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def member(app):
    with app.app_context(), app.test_request_context(), db.connection_context():
        return make_member()   # processing: yes


def _form(**answers):
    data = {"method": "signed", "language": "sw", "recorded_on": "2026-01-10", "note": ""}
    data.update({f"answer_{purpose}": value for purpose, value in answers.items()})
    return data


def _events(app, member):
    with app_db(app):
        return [(e.purpose, e.given) for e in
                ConsentEvent.select().where(ConsentEvent.member == member.id).order_by(ConsentEvent.id)]


def test_the_form_has_one_yes_no_row_per_purpose_prefilled_with_the_answers_on_record(
        app, client, login_as, member):
    login_as("coordinator")
    page = _page(client.get(f"/members/{member.id}/consents"))
    forms = page.select("form.consent-form")
    assert len(forms) == 1
    rows = forms[0].select("fieldset.yes-no")
    assert len(rows) == len(CONSENT_PURPOSES)
    for row, purpose in zip(rows, CONSENT_PURPOSES):
        values = [i["value"] for i in row.select(f'input[type=radio][name="answer_{purpose}"]')]
        assert values == ["yes", "no"], purpose
        assert row.legend.get_text(strip=True)
        for radio in row.select("input[type=radio]"):
            assert row.select_one(f'label[for="{radio["id"]}"]'), "every choice is labelled"
    checked = {i["name"]: i["value"] for i in forms[0].select("input[type=radio][checked]")
               if i["name"].startswith("answer_")}
    assert checked == {"answer_processing": "yes"}      # nothing else asked yet
    assert len(forms[0].select("button[type=submit]")) == 1


def test_one_submit_records_every_answer_that_changed_and_only_those(app, client, login_as, member):
    login_as("coordinator")
    response = client.post(f"/members/{member.id}/consents",
                           data=_form(processing="yes", contact="yes", media="no", story=""))
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/members/{member.id}#consent")
    assert _events(app, member) == [("processing", True), ("media", False), ("contact", True)]
    with app_db(app):
        assert services.may(member.id, "contact") and not services.may(member.id, "media")
    # the member changes their mind about calls only
    again = client.post(f"/members/{member.id}/consents",
                        data=_form(processing="yes", contact="no", media="no"))
    assert again.status_code == 303
    assert _events(app, member)[-1] == ("contact", False) and len(_events(app, member)) == 4


def test_nothing_changed_is_said_and_nothing_is_written(app, client, login_as, member):
    login_as("coordinator")
    response = client.post(f"/members/{member.id}/consents", data=_form(processing="yes"))
    assert response.status_code == 422
    assert "Nothing changed" in _page(response).select_one(".form-error").get_text()
    assert _events(app, member) == [("processing", True)]


def test_a_bad_answer_is_an_error_on_its_row_and_no_other_row_is_written(
        app, client, login_as, member):
    login_as("coordinator")
    response = client.post(f"/members/{member.id}/consents",
                           data=_form(contact="yes", media="maybe"))
    assert response.status_code == 422
    page = _page(response)
    assert page.select_one("#answer_media-error").get_text(strip=True) == \
        "Photos and media: choose from the list."
    assert page.select_one('input[name="answer_contact"][value="yes"][checked]')  # kept
    assert _events(app, member) == [("processing", True)]
    future = client.post(f"/members/{member.id}/consents",
                         data={**_form(contact="yes"), "recorded_on": "2999-01-01"})
    assert future.status_code == 422 and _events(app, member) == [("processing", True)]


def test_record_answers_is_all_or_nothing(app):
    with app_db(app):
        member = make_member()
        actor = make_user("coordinator")
        with pytest.raises(MemberError):
            services.record_answers(member, {"contact": True, "gossip": True}, "signed", "sw",
                                    actor)
        assert not services.may(member, "contact")
        events = services.record_answers(member, {"contact": True, "processing": True},
                                         "verbal", "en", actor)
        assert [e.purpose for e in events] == ["contact"]
