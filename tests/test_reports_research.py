"""Research extracts: consented members only, fresh pseudonyms, k-anonymity
with generalisation reported, a second person approves, one download."""
import csv
import datetime as dt
import io

import pytest

from app.audit import AuditEvent
from app.members import services as members
from app.reports import research
from app.reports.models import ResearchExtract
from tests.factories import app_db, make_user
from tests.reports_helpers import member

D = dt.date


def _cohort(n, consent=True, **fields):
    people = []
    for _ in range(n):
        person = member(D(2024, 3, 1), **fields)
        members.record_consent(person, "research", consent, "signed", "sw")
        people.append(person)
    return people


def test_k_anonymity_generalises_then_drops(conn):
    rows = ([{"age_band": "18_24", "gender": "female", "county": "Kisumu"} for _ in range(6)]
            + [{"age_band": "18_24", "gender": "female", "county": "Lamu"} for _ in range(2)]
            + [{"age_band": "18_24", "gender": "female", "county": "Nairobi"} for _ in range(3)]
            + [{"age_band": "35_44", "gender": "male", "county": "Kwale"}])
    kept, report = research.k_anonymise(rows, ["age_band", "gender", "county"])
    combos = {}
    for row in kept:
        key = (row["age_band"], row["gender"], row["county"])
        combos[key] = combos.get(key, 0) + 1
    assert all(n >= 5 for n in combos.values())
    assert combos[("18_24", "female", "Kisumu")] == 6            # untouched
    assert report["generalised"]["county"] == 6                  # Lamu, Nairobi, Kwale rows
    assert report["dropped"] == 1                                # the lone man, even broadened
    assert len(kept) == 11


def _build(actor, fields=("age_band", "gender", "county"), period="2025"):
    return research.build("Livelihoods study", "", list(fields), period, actor)


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_only_research_consented_members_pseudonymised_afresh(conn):
    _cohort(6, gender="female", county="Kisumu")
    _cohort(4, consent=False, gender="female", county="Kisumu")
    builder = make_user("coordinator")
    first, second = _build(builder), _build(builder)
    rows_a, rows_b = _rows(first.payload), _rows(second.payload)
    assert len(rows_a) == len(rows_b) == 6 and first.rows_total == 6
    assert set(rows_a[0]) == {"pseudonym", "age_band", "gender", "county"}
    assert not {r["pseudonym"] for r in rows_a} & {r["pseudonym"] for r in rows_b}
    text = first.payload
    for person in research.Member.select():
        assert person.code not in text and (not person.preferred_name or
                                            person.preferred_name not in text)


def test_too_few_people_in_a_county_are_made_broader_and_said_so(conn):
    _cohort(5, gender="female", county="Kisumu")
    _cohort(3, gender="female", county="Lamu")
    _cohort(2, gender="female", county="Kwale")
    extract = _build(make_user("coordinator"))
    rows = _rows(extract.payload)
    assert sorted(r["county"] for r in rows) == ["Kisumu"] * 5 + ["other"] * 5
    assert extract.rows_generalised == 5 and extract.rows_dropped == 0
    summary = " ".join(research.check_summary(extract))
    assert "5 rows: County made broader" in summary


def test_second_person_approves_then_one_audited_download(app, client, login_as):
    with app_db(app):
        _cohort(5, gender="female", county="Kisumu")
    builder = login_as("coordinator")
    response = client.post("/reports/research/new", data={
        "title": "Livelihoods", "purpose": "Survivor-led study", "period": "2025",
        "fields": ["age_band", "gender", "county", "programmes"]})
    assert response.status_code == 303
    url = response.headers["Location"]
    extract_id = url.rstrip("/").rsplit("/", 1)[-1]
    assert client.post(f"{url}/approve").status_code == 422         # not by its builder
    assert client.post(f"{url}/download").status_code == 422        # not before approval
    approver_client = app.test_client()
    login_as("admin", client_=approver_client)
    assert approver_client.post(f"{url}/approve").status_code == 303
    download = client.post(f"{url}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert len(_rows(download.get_data(as_text=True).lstrip("\ufeff"))) == 5
    again = client.post(f"{url}/download")
    assert again.status_code == 422 and "already downloaded" in again.get_data(as_text=True)
    with app_db(app):
        row = ResearchExtract.get_by_id(extract_id)
        assert row.payload == "" and row.downloaded_by_id == builder.id
        actions = [e.action for e in AuditEvent.select().where(
            AuditEvent.object_type == "research_extract")]
        assert actions == ["extract.built", "extract.approved", "extract.downloaded"]


def test_the_database_refuses_self_approval(conn):
    import peewee
    _cohort(5, gender="female", county="Kisumu")
    builder = make_user("coordinator")
    extract = _build(builder)
    with pytest.raises(research.ExtractError):
        research.approve(extract, builder)
    with pytest.raises(peewee.IntegrityError):
        ResearchExtract.update(approved_by=builder.id).where(
            ResearchExtract.id == extract.id).execute()


def test_a_withdrawn_consent_blocks_the_download(conn):
    people = _cohort(5, gender="female", county="Kisumu")
    extract = _build(make_user("coordinator"))
    research.approve(extract, make_user("admin"))
    members.record_consent(people[0], "research", False, "verbal", "sw")
    with pytest.raises(research.ExtractError):
        research.take(ResearchExtract.get_by_id(extract.id), make_user("admin"))


def test_extracts_need_their_own_capability(client, login_as):
    login_as("finance")
    assert client.get("/reports/research").status_code == 403
    assert client.get("/reports/research/new").status_code == 403


def test_bad_extract_input_is_refused(client, login_as):
    login_as("coordinator")
    for data, message in (({"title": "", "period": "2025", "fields": ["gender"]}, "required"),
                          ({"title": "x", "period": "2025-Q8", "fields": ["gender"]},
                           "not a period"),
                          ({"title": "x", "period": "2025", "fields": ["legal_name"]},
                           "Fields: choose from the list")):
        response = client.post("/reports/research/new", data=data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert client.get("/reports/research/not-a-uuid").status_code == 404
