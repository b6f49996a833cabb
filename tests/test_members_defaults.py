"""The default induction checklist and referral sources exist from the
moment a database is created or upgraded (not on first use), and an
admin's own lists are never changed or refilled."""
from app import create_app
from app.db import SchemaVersion, db
from app.migrations import applied_versions, upgrade
from app.members import services
from app.members.models import InductionStep, ReferralSource
from tests.conftest import make_test_app

DEFAULT_STEP_KEYS = [key for key, *_ in services.DEFAULT_STEPS]
DEFAULT_SOURCE_KEYS = [key for key, _name in services.DEFAULT_SOURCES]


def _keys(model) -> list[str]:
    return [row.key for row in model.select().order_by(model.position, model.id)]


def test_init_db_creates_a_database_with_the_default_lists(tmp_path):
    """`flask --app app init-db` on an empty folder: the lists are there
    before anything (a page, a report, a service) has asked for them."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 32,
                      "DATABASE": str(tmp_path / "new.db"), "INSTANCE_PATH": str(tmp_path),
                      "JOBS_DIR": str(tmp_path / "jobs")})
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "created schema version" in result.output
    with app.app_context(), db.connection_context():
        assert _keys(InductionStep) == DEFAULT_STEP_KEYS
        assert _keys(ReferralSource) == DEFAULT_SOURCE_KEYS
        steps = list(InductionStep.select().order_by(InductionStep.position))
        assert steps[0].title_en == "Welcome and introductions" and steps[0].title_sw
        assert all(s.required and s.active for s in steps)
    again = app.test_cli_runner().invoke(args=["init-db"])
    assert "schema is up to date" in again.output
    with app.app_context(), db.connection_context():
        assert InductionStep.select().count() == 6 and ReferralSource.select().count() == 5


def _as_if_created_before_step_60(app, empty_lists: bool) -> None:
    """A database created (from the models) by a release before step 60:
    its lists were filled on first use only, so they may still be empty."""
    with app.app_context(), db.connection_context():
        SchemaVersion.delete().where(SchemaVersion.version == 60).execute()
        if empty_lists:
            InductionStep.delete().execute()
            ReferralSource.delete().execute()


def test_upgrade_fills_lists_an_older_database_never_filled(tmp_path):
    app = make_test_app(tmp_path)
    _as_if_created_before_step_60(app, empty_lists=True)
    with app.app_context(), db.connection_context():
        assert 60 not in applied_versions() and InductionStep.select().count() == 0
        done = upgrade()
        assert any(line.startswith("0060 ") for line in done)
        assert _keys(InductionStep) == DEFAULT_STEP_KEYS
        assert _keys(ReferralSource) == DEFAULT_SOURCE_KEYS
        assert upgrade() == []


def test_upgrade_leaves_an_admins_lists_alone(tmp_path):
    """Renamed, retired, removed and added rows stay exactly as they are."""
    app = make_test_app(tmp_path)
    _as_if_created_before_step_60(app, empty_lists=False)
    with app.app_context(), db.connection_context():
        steps = services.checklist()
        services.save_step(steps[0], "Karibu! Tea and introductions", "Karibu! Chai na kujuana",
                           False)
        services.set_step_active(steps[1], False)
        InductionStep.delete().where(InductionStep.key == "buddy").execute()
        services.save_step(None, "Tour of the centre", "Kutembelea kituo", True)
        ReferralSource.delete().where(ReferralSource.key == "other").execute()
        services.set_source_active(ReferralSource.get(ReferralSource.key == "community"), False)
        before_steps = [(s.key, s.title_en, s.required, s.active)
                        for s in services.checklist(include_retired=True)]
        before_sources = [(s.key, s.name, s.active)
                          for s in services.referral_sources(include_retired=True)]
        upgrade()
        assert 60 in applied_versions()
        assert [(s.key, s.title_en, s.required, s.active)
                for s in services.checklist(include_retired=True)] == before_steps
        assert [(s.key, s.name, s.active)
                for s in services.referral_sources(include_retired=True)] == before_sources
        assert "buddy" not in _keys(InductionStep) and "other" not in _keys(ReferralSource)


def test_a_removed_default_is_never_added_back_on_use(app, client, login_as):
    with app.app_context(), db.connection_context():
        InductionStep.delete().where(InductionStep.key == "safeguarding").execute()
        ReferralSource.delete().execute()
    login_as("admin")
    assert client.get("/members/settings").status_code == 200
    assert client.get("/members/new").status_code == 200
    with app.app_context(), db.connection_context():
        assert "safeguarding" not in _keys(InductionStep) and len(services.checklist()) == 5
        assert ReferralSource.select().count() == 0
        assert upgrade() == []
        assert ReferralSource.select().count() == 0


def test_settings_page_of_a_new_database_shows_the_defaults(app, client, login_as):
    from bs4 import BeautifulSoup
    login_as("admin")
    page = BeautifulSoup(client.get("/members/settings").data, "html.parser")
    text = page.get_text(" ")
    assert "Welcome and introductions" in text and "Safeguarding briefing" in text
    assert "Partner NGO" in text and "Self-referral" in text
