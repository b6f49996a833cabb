"""Safeguarding through HTTP: raising from the member page and by code,
who may open what (by URL), the leads' handling and the polled badge."""
import pytest

from app.audit import AuditEvent
from app.safeguarding import services
from app.safeguarding.models import Concern
from tests.factories import PASSWORD, app_db, make_user
from tests.factories import make_member
from tests.mentorship_factories import make_pairing
from tests.conftest import parse_html

SECRET = "She said a man from the old agency waited at her gate"


@pytest.fixture
def raised(app):
    """(mentor who raised, their pairing, the urgent concern)"""
    with app_db(app):
        pairing = make_pairing()
        concern = services.raise_concern(pairing.mentee, pairing.mentor, "trafficker_contact",
                                         "urgent", SECRET, "Walked her home")
        return pairing.mentor, pairing, concern


def test_mentor_raises_from_the_prefilled_form(app, client, sign_in):
    with app_db(app):
        pairing = make_pairing()
    sign_in(pairing.mentor)
    url = f"/safeguarding/concerns/new?member={pairing.mentee_id}&source=member_page"
    page = parse_html(client.get(url))
    assert pairing.mentee.code in page.select_one(".concern-about").get_text()
    response = client.post("/safeguarding/concerns/new", data={
        "member": pairing.mentee_id, "source": "member_page", "ref": "", "category": "self_harm",
        "urgency": "urgent", "what_happened": SECRET, "action_taken": ""})
    assert response.status_code == 303
    with app_db(app):
        concern = Concern.get()
        assert (concern.member_id, concern.raised_by_id, concern.source) == (
            pairing.mentee_id, pairing.mentor.id, "member_page")
    own = parse_html(client.get(response.headers["Location"]))
    assert SECRET in own.get_text() and not own.select_one("#action-log")


def test_member_outside_ones_scope_is_404_but_a_code_works(app, client, login_as):
    with app_db(app):
        stranger = make_member(preferred_name="Stranger")
    login_as("counsellor")      # no members.view_all: only members scoped to them
    assert client.get(f"/safeguarding/concerns/new?member={stranger.id}").status_code == 404
    page = parse_html(client.get("/safeguarding/concerns/new"))
    assert page.find("input", {"name": "member_code"})
    response = client.post("/safeguarding/concerns/new", data={
        "member_code": "ZZ-0000", "category": "other", "urgency": "routine",
        "what_happened": "x"})
    assert response.status_code == 422 and parse_html(response).select_one("#member_code-error")
    response = client.post("/safeguarding/concerns/new", data={
        "member_code": stranger.code.lower(), "category": "other", "urgency": "routine",
        "what_happened": "Seen crying at the gate"})
    assert response.status_code == 303
    with app_db(app):
        assert Concern.get().member_id == stranger.id


def test_invalid_concern_keeps_values_and_writes_nothing(app, client, raised, sign_in):
    mentor, pairing, _concern = raised
    sign_in(mentor)
    response = client.post("/safeguarding/concerns/new", data={
        "member": pairing.mentee_id, "category": "self_harm", "urgency": "",
        "what_happened": "Keep this text"})
    assert response.status_code == 422
    assert parse_html(response).find("textarea", {"name": "what_happened"}).get_text().strip() == \
        "Keep this text"
    with app_db(app):
        assert Concern.select().count() == 1


def test_plain_members_cannot_raise_or_read(app, client, login_as, raised):
    _mentor, _pairing, concern = raised
    login_as("member")
    assert client.get("/safeguarding/concerns/new").status_code == 403
    assert client.get(f"/safeguarding/concerns/{concern.id}").status_code == 403
    assert client.get("/safeguarding/").status_code == 403


@pytest.mark.parametrize("role", ["mentor", "coordinator", "admin", "counsellor"])
def test_others_cannot_open_someone_elses_concern(app, client, login_as, raised, role):
    _mentor, _pairing, concern = raised
    login_as(role)
    assert client.get(f"/safeguarding/concerns/{concern.id}").status_code == 404
    assert client.get("/safeguarding/").status_code == 403
    assert client.get("/safeguarding/badge").status_code == 403
    assert client.post(f"/safeguarding/concerns/{concern.id}/acknowledge").status_code == 403
    assert SECRET not in client.get("/safeguarding/mine").get_data(True)


def test_the_raiser_sees_own_concern_read_only_with_status(app, client, raised, sign_in):
    mentor, _pairing, concern = raised
    sign_in(mentor)
    page = parse_html(client.get(f"/safeguarding/concerns/{concern.id}"))
    assert "Open" in page.select_one(".page-head").get_text()
    assert not page.find("form", action=lambda a: a and "/status" in a)
    assert client.post(f"/safeguarding/concerns/{concern.id}/status",
                       data={"status": "closed", "outcome": "x"}).status_code == 403
    rows = parse_html(client.get("/safeguarding/mine")).select("#concern-rows tr")
    assert len(rows) == 1


def test_lead_sees_badge_acknowledges_and_closes(app, client, raised, sign_in):
    _mentor, _pairing, concern = raised
    with app_db(app):
        lead = make_user("safeguarding_lead")
    sign_in(lead)
    dashboard = parse_html(client.get("/"))
    badge = dashboard.select_one("#urgent-badge")
    assert badge["hx-trigger"].startswith("every") and badge.select_one(".badge-count").get_text() == "1"
    assert dashboard.select_one(".banner-danger")
    fragment = parse_html(client.get("/safeguarding/badge", headers={"HX-Request": "true"}))
    assert fragment.select_one(".badge-count").get_text() == "1"
    page = parse_html(client.get(f"/safeguarding/concerns/{concern.id}"))
    assert SECRET in page.get_text() and page.select_one("#action-log")
    assert client.post(f"/safeguarding/concerns/{concern.id}/acknowledge").status_code == 303
    assert not parse_html(client.get("/safeguarding/badge")).select_one(".badge-count")
    assert client.post(f"/safeguarding/concerns/{concern.id}/notes",
                       data={"text": "Called her; safe tonight"}).status_code == 303
    assert client.post(f"/safeguarding/concerns/{concern.id}/status",
                       data={"status": "closed", "outcome": ""}).status_code == 422
    assert client.post(f"/safeguarding/concerns/{concern.id}/status",
                       data={"status": "closed", "outcome": "Moved to a safe house"}
                       ).status_code == 303
    with app_db(app):
        closed = Concern.get_by_id(concern.id)
        assert closed.status == "closed" and closed.outcome == "Moved to a safe house"
        assert AuditEvent.select().where(AuditEvent.action == "concern.viewed").count() >= 1


def test_review_date_flag_on_the_list(app, client, raised, sign_in):
    import datetime as dt
    _mentor, _pairing, concern = raised
    with app_db(app):
        lead = make_user("safeguarding_lead")
        Concern.update(review_on=services.today() - dt.timedelta(days=1)).execute()
    sign_in(lead)
    row = parse_html(client.get("/safeguarding/")).select_one("#concern-rows tr")
    assert "Review date passed" in row.get_text()
    with app_db(app):
        assert AuditEvent.select().where(AuditEvent.action == "concern.listed").count() == 1


def test_raise_button_reaches_the_member_page_through_the_registry(app, raised):
    mentor, pairing, _concern = raised
    with app_db(app):
        from app.registry import registry
        actions = registry().member_actions_for(mentor, pairing.mentee)
        assert any("/safeguarding/concerns/new?member=" in url for _label, url in actions)
        assert registry().member_actions_for(make_user("member"), pairing.mentee) == []


# --- reopening a closed concern -----------------------------------------------------------

@pytest.fixture
def closed(app, raised):
    """(the mentor who raised it, the lead who closed it, the closed concern)"""
    mentor, _pairing, concern = raised
    with app_db(app):
        lead = make_user("safeguarding_lead", username="grace")
        services.acknowledge(concern, lead)
        services.set_status(Concern.get_by_id(concern.id), lead, "closed", "Safe at her aunt's")
    return mentor, lead, concern


def test_a_lead_reopens_a_closed_concern_with_a_reason(app, client, closed, sign_in):
    _mentor, lead, concern = closed
    sign_in(lead)
    assert not parse_html(client.get("/safeguarding/")).find(
        "a", href=f"/safeguarding/concerns/{concern.id}")
    page = parse_html(client.get(f"/safeguarding/concerns/{concern.id}"))
    form = page.select_one("#reopen form")
    assert form["action"] == f"/safeguarding/concerns/{concern.id}/reopen"
    assert form.find("textarea", {"name": "reason"})

    response = client.post(f"/safeguarding/concerns/{concern.id}/reopen", data={"reason": " "})
    assert response.status_code == 422
    page = parse_html(response)
    assert page.select_one("#reason-error") and page.select_one("#reopen details").has_attr("open")
    with app_db(app):
        assert Concern.get_by_id(concern.id).status == "closed"

    response = client.post(f"/safeguarding/concerns/{concern.id}/reopen",
                           data={"reason": "The recruiter called her again"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/safeguarding/concerns/{concern.id}"
    page = parse_html(client.get(response.headers["Location"]))
    assert "In progress" in page.select_one(".page-head").get_text()
    last = page.select("#action-log li")[-1].get_text()
    assert "Reopened" in last and "Grace" in last and "The recruiter called her again" in last
    assert not page.select_one("#reopen") and page.select_one("#status form")
    # Back on the lead's default list and the dashboard figures.
    assert parse_html(client.get("/safeguarding/")).find(
        "a", href=f"/safeguarding/concerns/{concern.id}")
    with app_db(app):
        assert Concern.get_by_id(concern.id).status == "in_progress"
        assert AuditEvent.select().where(AuditEvent.action == "concern.reopened").count() == 1
        assert services.summary()["in_progress"] == 1


@pytest.mark.parametrize("role", ["mentor", "coordinator", "admin", "counsellor", "member"])
def test_nobody_else_can_reopen(app, client, login_as, closed, role):
    _mentor, _lead, concern = closed
    login_as(role)
    response = client.post(f"/safeguarding/concerns/{concern.id}/reopen", data={"reason": "x"})
    assert response.status_code == 403
    with app_db(app):
        assert Concern.get_by_id(concern.id).status == "closed"


def test_the_raiser_cannot_reopen_but_sees_it_in_progress_again(app, client, closed, sign_in):
    mentor, lead, concern = closed
    sign_in(mentor)
    own = parse_html(client.get(f"/safeguarding/concerns/{concern.id}"))
    assert not own.select_one("#reopen")
    assert client.post(f"/safeguarding/concerns/{concern.id}/reopen",
                       data={"reason": "x"}).status_code == 403
    with app_db(app):
        services.reopen(Concern.get_by_id(concern.id), lead, "New call")
    own = parse_html(client.get(f"/safeguarding/concerns/{concern.id}"))
    assert "In progress" in own.select_one(".page-head").get_text()
    assert "New call" not in own.get_text()


def test_reopening_an_unknown_or_open_concern(app, client, raised, sign_in):
    _mentor, _pairing, concern = raised
    with app_db(app):
        lead = make_user("safeguarding_lead")
    sign_in(lead)
    assert client.post("/safeguarding/concerns/999999/reopen",
                       data={"reason": "x"}).status_code == 404
    response = client.post(f"/safeguarding/concerns/{concern.id}/reopen", data={"reason": "x"})
    assert response.status_code == 422
    with app_db(app):
        assert Concern.get_by_id(concern.id).status == "open"


# --- the urgent banner on every other page ---------------------------------------------------

def test_the_banner_on_other_pages_counts_at_load_and_links_to_the_list(app, client, raised, sign_in):
    _mentor, _pairing, concern = raised
    with app_db(app):
        lead = make_user("safeguarding_lead")
    sign_in(lead)
    for url in ("/safeguarding/mine", "/members/"):
        banner = parse_html(client.get(url)).select_one(".banner-danger")
        assert banner and "1 urgent safeguarding concern" in banner.get_text(), url
        assert banner.a["href"] == "/safeguarding/?status=active"
    first_row = parse_html(client.get(banner.a["href"])).select_one("#concern-rows tr")
    assert "row-urgent" in first_row["class"]
    assert first_row.find("a", href=f"/safeguarding/concerns/{concern.id}")
    # Acknowledged by another lead: the next page load no longer shows it.
    with app_db(app):
        services.acknowledge(Concern.get_by_id(concern.id), make_user("safeguarding_lead"))
    assert not parse_html(client.get("/members/")).select_one(".banner-danger")


def test_no_banner_for_those_who_do_not_handle_concerns(app, client, raised, sign_in):
    mentor, _pairing, _concern = raised
    sign_in(mentor)
    assert not parse_html(client.get("/safeguarding/mine")).select_one(".banner-danger")


def _labels_point_at_their_controls(page) -> None:
    """No id twice on the page, and each label's `for` names a form control
    (a label pointing at a section is no label: screen readers and
    get_by_label find nothing)."""
    ids = [tag["id"] for tag in page.find_all(id=True)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for label in page.find_all("label", attrs={"for": True}):
        target = page.find(id=label["for"])
        assert target is not None and target.name in ("input", "select", "textarea", "progress", "meter", "output"), label


def test_the_concern_and_member_pages_label_their_status_fields(app, client, raised, login_as):
    _mentor, pairing, concern = raised
    login_as("safeguarding_lead", "coordinator")
    _labels_point_at_their_controls(parse_html(client.get(f"/safeguarding/concerns/{concern.id}")))
    _labels_point_at_their_controls(parse_html(client.get(f"/members/{pairing.mentee_id}")))
