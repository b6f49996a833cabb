"""Control characters (issue #10 item 11): NUL and the other C0 controls
except tab and newline never reach the database from anything typed, in
one place (app.security.CleanParameters, the request's form and query
storage) for every field, including forms read without a form class."""
import io

import pytest

from app.members.models import Member
from app.security import CleanParameters, clean_text
from tests.factories import app_db

HOSTILE = "Ak\x00in\x07yi\x1b[31m\x7f"


@pytest.mark.parametrize("raw, clean", [
    ("Akinyi", "Akinyi"),
    (HOSTILE, "Akinyi[31m"),
    ("line one\r\nline two\rline three\n", "line one\nline two\nline three\n"),
    ("tab\tkept", "tab\tkept"),
    ("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x1f", ""),
    ("Wanjikũ ✓ 😀", "Wanjikũ ✓ 😀"),
])
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def test_parameters_are_cleaned_but_files_are_not():
    upload = io.BytesIO(b"a\x00b")
    params = CleanParameters([("name", "a\x00b"), ("name", "c\x1fd"), ("file", upload)])
    assert params.getlist("name") == ["ab", "cd"]
    assert params["file"] is upload


def test_a_member_registered_with_control_characters_is_stored_clean(app, client, login_as):
    login_as("coordinator")
    response = client.post("/members/new", data={
        "preferred_name": HOSTILE, "legal_name": "Akinyi\x00 Otieno", "gender": "female",
        "birth_year": "1997", "age_band": "", "phone": "0711 000111", "language": "sw", "county": "Kisumu",
        "location": "Nyalenda\x0b", "referral_source": "1", "referring_org": "", "joined_on": "2026-01-10",
        "notes": "first\r\nsecond\x00"})
    assert response.status_code == 303
    with app_db(app):
        member = Member.get()
        assert (member.preferred_name, member.legal_name, member.location, member.notes) == (
            "Akinyi[31m", "Akinyi Otieno", "Nyalenda", "first\nsecond")


def test_query_arguments_are_cleaned(app, client, login_as):
    login_as("coordinator")
    response = client.get("/members/", query_string={"q": "Ak\x00inyi"})
    assert response.status_code == 200
    assert b"\x00" not in response.data


def test_a_member_import_file_with_control_characters_is_read_clean():
    from app.members.imports import read_rows
    rows = read_rows(b"preferred_name,notes\r\nAki\x00nyi,one\x1btwo\r\n")
    assert (rows[0]["preferred_name"], rows[0]["notes"]) == ("Akinyi", "onetwo")
