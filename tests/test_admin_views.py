"""Admin pages: users, roles, setup slips, audit log."""
import csv
import io


from app.audit import AuditEvent
from app.auth.models import SetupCode, User, UserSession
from app.db import db
from app.jobs.models import Job
from tests.factories import make_user
from tests.conftest import parse_html


def test_admin_lists_and_filters_users(app, client, login_as):
    login_as("admin", username="amina")
    with app.app_context(), db.connection_context():
        make_user("mentor", username="daudi")
    rows = parse_html(client.get("/admin/users?role=mentor")).select("#user-rows tr")
    assert [r.td.get_text(strip=True) for r in rows] == ["daudi"]
    partial = client.get("/admin/users?role=admin", headers={"HX-Request": "true"})
    assert partial.headers["Vary"] and "HX-Request" in partial.headers["Vary"]
    assert parse_html(partial).find("html") is None  # just the rows


def test_users_page_searches_and_pages(app, client, login_as, monkeypatch):
    from app.admin import services as admin_services
    monkeypatch.setattr(admin_services, "PAGE_SIZE", 2)
    login_as("admin", username="amina")
    with app.app_context(), db.connection_context():
        for name in ("baraka", "chiku", "daudi"):
            make_user("mentor", username=name)
    page = parse_html(client.get("/admin/users"))
    assert [r.td.get_text(strip=True) for r in page.select("#user-rows tr")] == ["amina", "baraka"]
    assert page.select_one("label[for=user-q]") and page.select_one(".pager a")["href"].endswith("page=2")
    second = parse_html(client.get("/admin/users?page=2", headers={"HX-Request": "true"}))
    assert [r.td.get_text(strip=True) for r in second.select("#user-rows tr")] == ["chiku", "daudi"]
    found = parse_html(client.get("/admin/users?q=DAU&role=mentor"))
    assert [r.td.get_text(strip=True) for r in found.select("#user-rows tr")] == ["daudi"]
    assert found.select_one("#user-q")["value"] == "DAU"
    assert client.get("/admin/users?page=-3&role=nonsense").status_code == 200


def test_admin_creates_user_with_roles(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "username": "Wanjiku", "display_name": "Wanjiku K", "language": "sw",
        "roles": ["mentor", "member"]})
    assert response.status_code == 303
    with app.app_context(), db.connection_context():
        user = User.get(User.username == "wanjiku")
        assert user.role_names == ["member", "mentor"] and user.password_hash is None
        assert AuditEvent.select().where((AuditEvent.action == "user.created")
                                         & (AuditEvent.object_id == str(user.id))).exists()


def test_create_user_invalid_keeps_values_and_writes_nothing(app, client, login_as):
    login_as("admin")
    response = client.post("/admin/users/new", data={
        "username": "bad name!", "display_name": "Someone", "language": "en", "roles": []})
    assert response.status_code == 422
    page = parse_html(response)
    assert page.select_one("#username-error") and page.select_one("#roles-error")
    assert page.find("input", {"name": "display_name"})["value"] == "Someone"
    with app.app_context(), db.connection_context():
        assert User.select().count() == 1


def test_duplicate_username_is_refused_next_to_the_field(app, client, login_as):
    login_as("admin", username="amina")
    response = client.post("/admin/users/new", data={
        "username": "AMINA", "display_name": "x", "language": "en", "roles": ["mentor"]})
    assert response.status_code == 422 and parse_html(response).select_one("#username-error")


def test_a_wrong_language_is_refused_in_swahili_next_to_the_field(app, client, login_as):
    login_as("admin", language="sw")
    with app.app_context(), db.connection_context():
        other = make_user("mentor", username="daudi")
    response = client.post(f"/admin/users/{other.id}", data={
        "display_name": "Daudi", "language": "fr", "roles": ["mentor"]})
    assert response.status_code == 422
    error = parse_html(response).select_one("#language-error")
    assert error.get_text(strip=True) == "Lugha: chagua kutoka kwenye orodha."
    with app.app_context(), db.connection_context():
        assert User.get_by_id(other.id).language == "en"


def test_audit_filter_with_an_action_not_in_the_list_says_so(client, login_as):
    login_as("admin", language="sw")
    response = client.get("/admin/audit?action=no.such.action")
    assert response.status_code == 200
    assert "orodha" in parse_html(response).select_one("#action-error").get_text()
    assert client.get("/admin/audit.csv?action=no.such.action").status_code == 400


def test_admin_edits_roles(app, client, login_as):
    login_as("admin")
    with app.app_context(), db.connection_context():
        other = make_user("mentor")
    response = client.post(f"/admin/users/{other.id}", data={
        "display_name": "Changed", "language": "sw", "roles": ["counsellor"]})
    assert response.status_code == 303
    with app.app_context(), db.connection_context():
        assert User.get_by_id(other.id).role_names == ["counsellor"]


def test_admin_cannot_remove_own_admin_role_or_disable_self(app, client, login_as):
    me = login_as("admin")
    response = client.post(f"/admin/users/{me.id}", data={
        "display_name": "Me", "language": "en", "roles": ["mentor"]})
    assert response.status_code == 422
    client.post(f"/admin/users/{me.id}/active", data={"active": "0"})
    with app.app_context(), db.connection_context():
        assert User.get_by_id(me.id).active and User.get_by_id(me.id).role_names == ["admin"]


def test_disable_user_ends_sessions(app, client, login_as):
    login_as("admin")
    other_client = app.test_client()
    other = login_as("mentor", client_=other_client)
    assert other_client.get("/").status_code == 200
    assert client.post(f"/admin/users/{other.id}/active", data={"active": "0"}).status_code == 303
    assert other_client.get("/").status_code == 303
    with app.app_context(), db.connection_context():
        assert not User.get_by_id(other.id).active
        assert UserSession.get(UserSession.user == other.id).revoked_reason == "disabled"


def test_setup_slip_is_rendered_by_a_job_and_downloadable(app, client, login_as):
    login_as("admin")
    with app.app_context(), db.connection_context():
        other = make_user("member", password=None, language="sw")
    response = client.post(f"/admin/users/{other.id}/setup-slip")
    assert response.status_code == 303 and response.headers["Location"].startswith("/jobs/")
    job_page = parse_html(client.get(response.headers["Location"]))
    download = job_page.find("a", href=lambda h: h and h.endswith("/download"))
    pdf = client.get(download["href"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.app_context(), db.connection_context():
        assert SetupCode.select().where(SetupCode.user == other.id).count() == 1
        assert Job.get().status == "done"


def test_a_job_is_visible_only_to_its_owner(app, client, login_as):
    login_as("admin")
    with app.app_context(), db.connection_context():
        other = make_user("member", password=None)
    location = client.post(f"/admin/users/{other.id}/setup-slip").headers["Location"]
    stranger = app.test_client()
    login_as("admin", client_=stranger)
    assert stranger.get(location).status_code == 404
    assert stranger.get(location + "/download").status_code == 404


def test_job_progress_partial_polls_until_done(app, client, login_as):
    user = login_as("admin")
    with app.app_context(), db.connection_context():
        job = Job.create(kind="test", owner=user.id, progress=40, status="running")
    partial = parse_html(client.get(f"/jobs/{job.id}", headers={"HX-Request": "true"}))
    box = partial.select_one(".job-progress")
    assert box["hx-trigger"] == "every 1s" and partial.find("progress")["value"] == "40"


def test_non_admin_cannot_manage_users(client, login_as):
    login_as("coordinator")
    for url in ("/admin/users", "/admin/users/new", "/admin/audit", "/admin/access"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/users/1/active", data={"active": "0"}).status_code == 403


def test_audit_log_filters_and_csv(app, client, login_as):
    login_as("admin", username="amina")
    page = parse_html(client.get("/admin/audit?action=login.success"))
    rows = page.select("#audit-rows tbody tr")
    assert rows and all("login.success" in r.get_text() for r in rows)
    response = client.get("/admin/audit.csv?action=login.success")
    assert response.mimetype == "text/csv"
    data = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert data and {row["action"] for row in data} == {"login.success"}
    with app.app_context(), db.connection_context():
        assert AuditEvent.select().where(AuditEvent.action == "audit.exported").count() == 1


def test_audit_filter_bad_date_is_not_a_500(client, login_as):
    login_as("admin")
    assert client.get("/admin/audit?since=notadate").status_code == 200
    assert client.get("/admin/audit.csv?since=notadate").status_code == 400


def test_dashboard_panels_for_admin_only(client, login_as, app):
    login_as("admin")
    page = parse_html(client.get("/"))
    assert page.select_one("#panel-users_by_role") and page.select_one("#panel-recent_sign_ins")
    other = app.test_client()
    login_as("mentor", client_=other)
    assert parse_html(other.get("/")).select_one("#panel-users_by_role") is None
