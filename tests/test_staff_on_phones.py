"""Staff on phones (#12): lists that become cards below 600 px (every cell
says what it is), member codes that never wrap, one compact menu, required
fields marked, "Concerns I raised" and availability in the counsellor's
menu. The layout itself is checked at 360 px in
tests/browser/test_staff_phone_journey.py."""
import re
from pathlib import Path

import pytest

from app.counselling import services as counselling
from app.safeguarding import services as safeguarding
from tests.conftest import parse_html
from tests.factories import app_db, make_member, make_user
from tests.mentorship_factories import make_pairing

ROOT = Path(__file__).resolve().parents[1]


def _card_table(page):
    table = page.select_one("table.cards")
    assert table is not None, "the list is not a table that becomes cards"
    # a column whose heading is only for screen readers holds actions (buttons)
    labels = ["" if th.select_one(".visually-hidden") else th.get_text(" ", strip=True)
              for th in table.select("thead th")]
    for row in table.select("tbody tr"):
        cells = row.select("td")
        if len(cells) == 1 and cells[0].get("colspan"):
            continue                                   # "nothing here" row
        for cell, label in zip(cells, labels):
            if label:                                  # an unlabelled column holds actions
                assert cell.get("data-label") == label, (label, str(cell)[:120])
    return table


def test_the_members_list_becomes_cards_with_codes_that_never_wrap(app, client, login_as):
    with app_db(app):
        member = make_member(preferred_name="Amani")
    login_as("coordinator")
    table = _card_table(parse_html(client.get("/members/")))
    code = table.select_one("td.code")
    assert code.get_text(strip=True) == member.code


def test_the_audit_log_becomes_cards(app, client, login_as):
    with app_db(app):
        make_member()
    login_as("admin")
    _card_table(parse_html(client.get("/admin/audit")))


def test_the_weekly_availability_becomes_cards(app, client, login_as):
    person = login_as("counsellor")
    with app_db(app):
        import datetime as dt
        counselling.add_template(person, 0, dt.time(9), dt.time(12), room="Room 2")
    page = parse_html(client.get("/counselling/availability"))
    table = _card_table(page)
    assert table.select_one("td[data-label=Room]").get_text(strip=True) == "Room 2"


def test_concerns_become_cards_and_the_menu_says_concerns_i_raised(app, client, sign_in):
    with app_db(app):
        pairing = make_pairing()
        safeguarding.raise_concern(pairing.mentee, pairing.mentor, "trafficker_contact",
                                   "urgent", "Seen at the gate", "Walked her home")
        lead = make_user("safeguarding_lead")
    sign_in(pairing.mentor)
    mine = parse_html(client.get("/safeguarding/mine"))
    assert mine.select_one("h1").get_text(strip=True) == "Concerns I raised"
    menu = [a.get_text(strip=True) for a in mine.select("nav.module-nav a")]
    assert "Concerns I raised" in menu and "My concerns" not in menu
    _card_table(mine)
    other = app.test_client()
    sign_in(lead, other)
    _card_table(parse_html(other.get("/safeguarding/")))


def test_concerns_i_raised_in_swahili(app, client, login_as):
    login_as("mentor", language="sw")
    page = parse_html(client.get("/safeguarding/mine"))
    assert page.select_one("h1").get_text(strip=True) == "Taarifa za wasiwasi nilizotoa"


def test_the_menu_folds_behind_one_button(client, login_as):
    login_as("coordinator")
    page = parse_html(client.get("/members/"))
    nav = page.select_one("nav.module-nav")
    details = nav.select_one("details")
    assert details is not None and details.has_attr("open")    # open without JavaScript
    assert details.select_one("summary").get_text(" ", strip=True) == "Menu · Members"
    assert len(details.select("ul a")) > 3


@pytest.mark.parametrize("role,shown", [("counsellor", True), ("coordinator", True),
                                        ("mentor", False)])
def test_availability_is_in_the_menu_of_those_who_set_it(client, login_as, role, shown):
    login_as(role)
    page = parse_html(client.get("/"))
    menu = [a.get_text(strip=True) for a in page.select("nav.module-nav a")]
    assert ("Availability" in menu) is shown


def test_required_fields_are_marked_and_the_mark_explained(client, login_as):
    login_as("coordinator")
    page = parse_html(client.get("/members/new"))
    form = page.select_one("main form")
    assert "Fields marked * must be filled in." in form.select_one(".required-note").get_text()
    required = form.select("[required]")
    assert required
    for control in required:
        if control.get("type") in ("radio", "checkbox"):
            legend = control.find_parent("fieldset").select_one("legend")
            assert legend.select_one(".required-mark"), legend
        else:
            label = form.select_one(f"label[for={control['id']}]")
            assert label.select_one(".required-mark"), control["id"]
    optional = form.select_one("#county")
    if optional is not None and not optional.has_attr("required"):
        assert not form.select_one("label[for=county] .required-mark")


def test_a_radio_question_is_a_fieldset_with_its_legend(app, client, login_as):
    """Kituo's own Radio fields were rendered as a bare list of radios with
    a label pointing at the list (field() knew only WTForms' RadioField)."""
    with app_db(app):
        member = make_member()
    login_as("coordinator")
    page = parse_html(client.get(f"/members/{member.id}/consents"))
    radio = page.select_one("input[type=radio][name=method]")
    fieldset = radio.find_parent("fieldset")
    assert fieldset is not None
    assert fieldset.select_one("legend").get_text(" ", strip=True).startswith(
        "How it was explained")


@pytest.mark.parametrize("role", ["finance", "trainer", "safeguarding_lead"])
def test_a_dashboard_shows_what_the_role_works_on_not_induction_counts(app, client, login_as,
                                                                       role):
    with app_db(app):
        make_member()
    login_as(role)
    page = parse_html(client.get("/"))
    shown = {panel["id"] for panel in page.select("article.panel")}
    assert not shown & {"panel-inductions", "panel-members_by_status", "panel-new_members"}
    assert "Inductions in progress" not in page.get_text()


def _weekly_time(app, person):
    import datetime as dt
    with app_db(app):
        return counselling.add_template(person, 0, dt.time(9), dt.time(12), room="Room 2")


def test_a_weekly_time_can_be_changed_not_only_removed(app, client, login_as):
    from app.counselling.models import AvailabilityTemplate
    person = login_as("counsellor")
    row = _weekly_time(app, person)
    page = parse_html(client.get("/counselling/availability"))
    change = page.find("a", string="Change")
    assert change["href"] == f"/counselling/availability/{person.id}/templates/{row.id}/edit"
    form = parse_html(client.get(change["href"])).select_one("main form")
    assert form.select_one("#start_time")["value"] == "09:00"        # prefilled
    assert form.select_one("#room")["value"] == "Room 2"
    response = client.post(change["href"], data={
        "weekday": "2", "start_time": "10:00", "end_time": "13:00", "session_minutes": "50",
        "buffer_minutes": "10", "room": "Room 3"})
    assert response.status_code == 303
    with app_db(app):
        active = list(AvailabilityTemplate.select().where(AvailabilityTemplate.active == True))  # noqa: E712
        assert [(t.weekday, t.start_time.hour, t.room) for t in active] == [(2, 10, "Room 3")]
        assert not AvailabilityTemplate.get_by_id(row.id).active     # the old one retired


def test_a_bad_change_says_so_next_to_the_field_and_changes_nothing(app, client, login_as):
    from app.counselling.models import AvailabilityTemplate
    person = login_as("counsellor")
    row = _weekly_time(app, person)
    url = f"/counselling/availability/{person.id}/templates/{row.id}/edit"
    bad = client.post(url, data={"weekday": "0", "start_time": "10:00", "end_time": "10:20",
                                 "session_minutes": "50", "buffer_minutes": "10"})
    assert bad.status_code == 422
    assert "shorter than one session" in parse_html(bad).select_one("#end_time-error").get_text()
    with app_db(app):
        assert AvailabilityTemplate.get_by_id(row.id).active


def test_nobody_changes_another_counsellors_weekly_time(app, client, login_as):
    with app_db(app):
        other = make_user("counsellor")
    row = _weekly_time(app, other)
    login_as("counsellor")
    url = f"/counselling/availability/{other.id}/templates/{row.id}/edit"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"weekday": "1"}).status_code == 404


def test_a_weekly_time_removed_meanwhile_is_not_changed(app):
    import datetime as dt
    from app.counselling.services import CounsellingError
    with app_db(app):
        person = make_user("counsellor")
        row = counselling.add_template(person, 0, dt.time(9), dt.time(12))
        counselling.remove_template(row)
        with pytest.raises(CounsellingError):
            counselling.change_template(row, 1, dt.time(9), dt.time(12), 50, 10)


# -- a member's code is one unbreakable word wherever a page shows it --------

_EXPR = re.compile(r"\{\{(.*?)\}\}")
_WRAPPED = re.compile(r'map\(attribute="[^"]*"\)\|map\("code_tag"\)|code_tag\([^()]*\)')
_INSIDE_CODE_ELEMENT = re.compile(r'class="[^"]*\b(member-)?code\b[^"]*"(?:(?!</).)*$')


def unwrapped_codes(path: Path) -> list[str]:
    """The rule: in templates/ (PDFs in */pdf/ aside), every `{{ ... }}` that
    reads a member's `.code` or `.display` (code and name) shows it through
    `code_tag(...)` or inside an element whose class is `code` or
    `member-code` (opened earlier on the same line, not yet closed). Not
    visible text, so not checked: `{% block title %}` lines, expressions
    inside an HTML tag (value=, href=) and form fields (`field(...)`)."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if "{% block title" in line:
            continue
        for match in _EXPR.finditer(line):
            expr, before = match.group(1), line[:match.start()]
            if before.rfind("<") > before.rfind(">") or "field(" in expr:
                continue                               # an attribute, a form field
            if _INSIDE_CODE_ELEMENT.search(before):
                continue
            if re.search(r"\.(code|display)\b(?!_)", _WRAPPED.sub("", expr)):
                found.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    return found


def test_every_member_code_shown_on_a_page_is_one_unbreakable_word():
    templates = [p for p in sorted((ROOT / "templates").rglob("*.html")) if "pdf" not in p.parts]
    found = [hit for path in templates for hit in unwrapped_codes(path)]
    assert not found, "\n".join(found)


def test_code_tag_escapes_the_code_and_the_name_and_survives_a_translated_sentence(app):
    from app.filters import code_tag
    assert code_tag("AZ-0201") == '<span class="code">AZ-0201</span>'
    assert code_tag("AZ-<b>", "Ama & <i>") == (
        '<span class="code">AZ-&lt;b&gt;</span> · Ama &amp; &lt;i&gt;')
    with app.test_request_context():
        rendered = app.jinja_env.from_string(
            '{{ _("Change history of %(code)s", code=code_tag(c)) }} {{ _("For %(name)s", name=n) }}'
        ).render(c="AZ-<0>", n="<script>")
    assert rendered == ('Change history of <span class="code">AZ-&lt;0&gt;</span>'
                        ' For &lt;script&gt;')


def test_the_consent_and_history_headings_keep_the_code_whole(app, client, login_as):
    with app_db(app):
        member = make_member(preferred_name="Amani")
    login_as("coordinator")
    for url in (f"/members/{member.id}/consents", f"/members/{member.id}/history"):
        heading = parse_html(client.get(url)).select_one("h1")
        assert heading.select_one("span.code").get_text() == member.code, url
