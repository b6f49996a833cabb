"""The list pages (coordinator overview, mentor home): pages of pairings
picked by id from the index, counts with the overdue figure in one query."""
from app.mentorship import lists, services
from app.mentorship.models import Pairing
from tests.factories import make_member
from tests.mentorship_factories import make_mentor, make_pairing, session_input


def test_pairing_pages_newest_first_with_status_and_overdue_filters(conn, monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    mentor = make_mentor(capacity=10)
    quiet = make_pairing(mentor=mentor, start_days_ago=60)
    active = [quiet] + [make_pairing(mentor=mentor) for _ in range(2)]
    proposed = make_pairing(mentor=mentor, active=False)
    services.flag_overdue(services.today())

    first = services.pairing_page("active", 1)
    assert [p.id for p in first["pairings"]] == [active[2].id, active[1].id]
    assert first["has_next"] and first["page"] == 1
    second = services.pairing_page("active", 2)
    assert [p.id for p in second["pairings"]] == [quiet.id] and not second["has_next"]
    assert [p.id for p in services.pairing_page("", 1)["pairings"]] == [proposed.id, active[2].id]
    assert [p.id for p in services.pairing_page("proposed", 1)["pairings"]] == [proposed.id]
    overdue = services.pairing_page("active", 1, overdue_only=True)["pairings"]
    assert [p.id for p in overdue] == [quiet.id]

    row = overdue[0]
    stored = Pairing.get_by_id(quiet.id)
    assert (row.status, row.override, row.start_date, row.overdue_since, row.sessions_count) == (
        "active", False, stored.start_date, stored.overdue_since, 0)
    assert (row.mentee_code, row.mentee_name) == (quiet.mentee.code, quiet.mentee.preferred_name)
    assert row.mentor_name == mentor.display_name


def test_counts_and_overdue_agree_with_the_separate_figures(conn):
    mentor = make_mentor(capacity=10)
    make_pairing(mentor=mentor, start_days_ago=60)
    make_pairing(mentor=mentor)
    make_pairing(mentor=mentor, active=False)
    ended = make_pairing(mentor=mentor, start_days_ago=90)
    services.flag_overdue(services.today())
    services.end(ended, "ended", "moved away")
    counts, overdue = services.counts_and_overdue()
    assert counts == services.counts_by_status() == {"active": 2, "proposed": 1, "ended": 1}
    assert overdue == services.overdue_count() == 1


def test_mentor_home_rows(conn):
    mentor = make_mentor(capacity=10)
    other = make_mentor(username="other")
    pairing = make_pairing(mentor=mentor, member=make_member(preferred_name="Amani"))
    waiting = make_pairing(mentor=mentor, active=False)
    make_pairing(mentor=other)
    services.add_goal(pairing, "Open a stall", "business", None, mentor)
    services.log_session(pairing, mentor, session_input(duration_minutes=90))

    rows = services.my_pairings(mentor)
    assert [(r.id, r.status) for r in rows] == [(pairing.id, "active"), (waiting.id, "proposed")]
    mentee = Pairing.get_by_id(pairing.id).mentee
    assert (rows[0].code, rows[0].preferred_name) == (mentee.code, "Amani")
    assert rows[0].sessions_count == 1 and rows[0].last_session_on == services.today()
    assert rows[0].start_date == pairing.start_date and rows[0].overdue_since is None
    (recent,) = services.my_recent_sessions(mentor)
    assert (recent.held_on, recent.duration_minutes) == (services.today(), 90)
    assert (recent.code, recent.preferred_name) == (mentee.code, "Amani")
    goals = services.my_active_goals(mentor)
    assert [(g.title, g.status) for g in goals[pairing.id]] == [("Open a stall", "open")]
    assert set(goals) == {pairing.id}


