"""Printing is one action (#12 'Documents'): the job's page names the
document and the person, shows progress, opens the PDF when it is ready
(in the browser, not as a download), links back to the person, and offers
Retry when it failed."""
import uuid

from app.jobs import services as jobs
from app.jobs.models import Job
from tests.conftest import parse_html
from tests.factories import app_db, make_member, make_user


def _print(client, member, what="induction-pack"):
    response = client.post(f"/members/{member.id}/{what}")
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
    return response.headers["Location"]


def test_the_page_names_the_document_opens_it_and_links_back(app, client, login_as):
    with app_db(app):
        member = make_member(preferred_name="Amani")
    login_as("coordinator")
    job_url = _print(client, member)
    page = parse_html(client.get(job_url))
    assert page.select_one("h1").get_text(" ", strip=True) == f"Induction pack · {member.code}"
    opener = page.select_one("[data-open-when-ready]")
    assert opener.get_text(strip=True) == "Open the PDF"
    assert opener["href"] == f"{job_url}/download?open=1"
    back = page.find("a", string=lambda s: s and "Back to" in s)
    assert back["href"] == f"/members/{member.id}#induction"
    assert back.get_text(strip=True) == f"← Back to {member.code}"
    opened = client.get(opener["href"])
    assert opened.status_code == 200 and opened.data.startswith(b"%PDF")
    assert opened.headers["Content-Disposition"].startswith("inline")
    again = parse_html(client.get(job_url))          # Back from the PDF: not opened again
    assert not again.select_one("[data-open-when-ready]")
    assert again.find("a", string="Open the PDF")["href"] == opener["href"]
    saved = client.get(f"{job_url}/download")
    assert saved.headers["Content-Disposition"].startswith("attachment")


def test_every_document_of_the_member_page_is_named(app, client, login_as):
    with app_db(app):
        member = make_member()
    login_as("coordinator")
    for what, title, anchor in (("consent-form", "Consent form", "consent"),
                                ("export.pdf", "Data export", "data-rights")):
        page = parse_html(client.get(_print(client, member, what)))
        assert page.select_one("h1").get_text(" ", strip=True) == f"{title} · {member.code}"
        assert page.select_one(f"a[href='/members/{member.id}#{anchor}']")


def test_while_it_runs_the_page_shows_progress_and_keeps_polling(app, client, login_as):
    user = login_as("coordinator")
    with app_db(app):
        member = make_member()
        job = jobs.start("induction_pack", user, lambda job_id: None, document=jobs.Document(
            "Induction pack", member.code, f"/members/{member.id}",
            f"/members/{member.id}/induction-pack"))
        jobs.update(job.id, 40)
    page = parse_html(client.get(f"/jobs/{job.id}"))
    box = page.select_one(".job-progress")
    assert box["hx-trigger"] == "every 1s"
    assert page.select_one("progress")["value"] == "40"
    assert "Working… 40%" in box.get_text(" ", strip=True)
    assert not page.select_one("[data-open-when-ready]")


def test_a_failed_print_offers_retry_which_prints_it_again(app, client, login_as):
    with app_db(app):
        member = make_member()
    login_as("coordinator")
    job_url = _print(client, member)
    job_id = job_url.rsplit("/", 1)[1]
    with app_db(app):
        jobs.fail(uuid.UUID(job_id), "error")      # what a worker that failed leaves
    page = parse_html(client.get(job_url))
    assert "This did not work" in page.select_one(".flash-error").get_text()
    retry = page.select_one(".job-progress form")
    assert retry["action"] == f"/members/{member.id}/induction-pack"
    assert retry.select_one("button").get_text(strip=True) == "Retry"
    assert not page.select_one("[data-open-when-ready]")
    again = client.post(retry["action"], data={"csrf_token": "x"})
    assert again.status_code == 303 and again.headers["Location"] != job_url
    with app_db(app):
        assert Job.select().where(Job.kind == "induction_pack").count() == 2


def test_only_addresses_inside_kituo_are_kept(app):
    with app_db(app):
        owner = make_user("coordinator")
        job = jobs.start("x", owner, lambda job_id: None, document=jobs.Document(
            "Slip", "wanjiru", "https://elsewhere.example/x", "//elsewhere.example/y"))
        assert (job.back_url, job.retry_url) == ("", "")


def test_the_printing_page_in_swahili(app, client, login_as):
    with app_db(app):
        member = make_member()
    login_as("coordinator", language="sw")
    job_url = _print(client, member)
    page = parse_html(client.get(job_url))
    assert page.select_one("h1").get_text(" ", strip=True) == f"Kifurushi cha karibu · {member.code}"
    assert page.select_one("[data-open-when-ready]").get_text(strip=True) == "Fungua PDF"
    with app_db(app):
        jobs.fail(uuid.UUID(job_url.rsplit("/", 1)[1]), "error")
    failed = parse_html(client.get(job_url))
    assert failed.select_one(".job-progress form button").get_text(strip=True) == "Jaribu tena"


def test_someone_else_cannot_see_or_open_the_document(app, client, login_as):
    with app_db(app):
        member = make_member()
    login_as("coordinator")
    job_url = _print(client, member)
    other = app.test_client()
    with app_db(app):
        someone = make_user("coordinator")
    from tests.factories import PASSWORD
    other.post("/login", data={"username": someone.username, "password": PASSWORD})
    assert other.get(job_url).status_code == 404
    assert other.get(job_url + "/download?open=1").status_code == 404


def test_a_members_own_statement_is_one_action_and_names_no_one(app, client):
    """On a member's phone the page says what the document is, names no one
    (no code, no 'loan'), goes back to /me/money and retries the same POST."""
    from tests.loans_factories import make_loan
    from tests.factories import PASSWORD
    with app_db(app):
        user = make_user("member", username="zawadi")
        member = make_member(status="active", user=user)
        loan = make_loan(member=member, amount_cents=300_000, term=3)
    client.post("/login", data={"username": "zawadi", "password": PASSWORD})
    job_url = client.post(f"/me/money/{loan.id}/statement").headers["Location"]
    page = parse_html(client.get(job_url))
    assert page.select_one("h1").get_text(" ", strip=True) == "Payment statement"
    main = page.select_one("main").get_text(" ").lower()
    assert member.code.lower() not in main and "loan" not in main
    assert page.find("a", string="← Back")["href"] == "/me/money"
    with app_db(app):
        jobs.fail(uuid.UUID(job_url.rsplit("/", 1)[1]), "error")
    retry = parse_html(client.get(job_url)).select_one(".job-progress form")
    assert retry["action"] == f"/me/money/{loan.id}/statement"


def test_staff_print_a_statement_named_for_the_member(app, client, login_as):
    from tests.loans_factories import make_loan
    with app_db(app):
        member = make_member(status="active")
        loan = make_loan(member=member, amount_cents=300_000, term=3)
    login_as("finance")
    job_url = client.post(f"/loans/{loan.id}/statement").headers["Location"]
    page = parse_html(client.get(job_url))
    assert page.select_one("h1").get_text(" ", strip=True) == f"Payment statement · {member.code}"
    assert page.select_one(f"a[href='/loans/{loan.id}']")


def test_a_certificate_is_printed_as_one_action_for_staff_and_the_member(app, client, sign_in):
    from tests.test_education_access import _world
    trainer, member_user, ids = _world(app)
    sign_in(trainer)
    job_url = client.post(f"/education/certificates/{ids['certificate']}/make").headers["Location"]
    page = parse_html(client.get(job_url))
    with app_db(app):
        from app.members.models import Member
        code = Member.get_by_id(ids["member"]).code
    assert page.select_one("h1").get_text(" ", strip=True) == f"Certificate · {code}"
    assert page.select_one("[data-open-when-ready]")
    mine = app.test_client()
    sign_in(member_user, mine)
    job_url = mine.post(f"/me/learning/certificates/{ids['certificate']}/make").headers["Location"]
    page = parse_html(mine.get(job_url))
    assert page.select_one("h1").get_text(" ", strip=True) == "Certificate"
    assert page.find("a", string="← Back")["href"] == "/me/learning"
    with app_db(app):
        jobs.fail(uuid.UUID(job_url.rsplit("/", 1)[1]), "error")
    retry = parse_html(mine.get(job_url)).select_one(".job-progress form")
    assert retry["action"] == f"/me/learning/certificates/{ids['certificate']}/make"
