"""Members rules, tested without HTTP."""
import datetime as dt
import json
import threading

import pytest

from app.audit import AuditEvent
from app.auth.models import User
from app.db import db
from app.members import imports, services
from app.members.models import (ConsentEvent, InductionCompletion, Member, MemberChange,
                                MemberImport)
from tests.factories import make_user, shift_time
from tests.factories import make_member


# --- codes --------------------------------------------------------------------------

def test_codes_are_sequential_with_the_configured_prefix(conn):
    first, second = make_member(), make_member()
    assert first.code == "AZ-0001" and second.code == "AZ-0002"


def test_prefix_comes_from_config(app, conn):
    app.config["MEMBER_PREFIX"] = "KT"
    assert make_member().code == "KT-0001"


def test_code_is_unique_in_the_database(conn):
    import peewee
    member = make_member()
    with pytest.raises(peewee.IntegrityError), db.atomic():
        Member.create(number=999, code=member.code, joined_on=dt.date.today())


def test_codes_stay_unique_under_concurrent_registration(app, conn):
    """Eight threads, each with its own connection, register members at once."""
    errors, per_thread = [], 6
    barrier = threading.Barrier(8)

    def register(n):
        try:
            with app.app_context(), db.connection_context():
                barrier.wait()
                for i in range(per_thread):
                    services.create_member({"preferred_name": f"T{n}-{i}"})
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=register, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    codes = [m.code for m in Member.select(Member.code)]
    assert len(codes) == 8 * per_thread == len(set(codes))
    numbers = sorted(m.number for m in Member.select(Member.number))
    assert numbers == list(range(1, 8 * per_thread + 1))


# --- record and history --------------------------------------------------------------

def test_invalid_record_is_refused_with_the_field_to_blame(conn):
    with pytest.raises(services.MemberError) as error:
        services.create_member({"preferred_name": "Akinyi", "phone": "call me"})
    assert error.value.field == "phone"
    with pytest.raises(services.MemberError) as error:
        services.create_member({"preferred_name": ""})
    assert error.value.field == "preferred_name"
    assert Member.select().count() == 0


def test_edit_keeps_history_and_audit_names_fields_only(conn):
    actor = make_user("coordinator")
    member = make_member(actor)
    changed = services.update_member(member, {"phone": "0722 111222", "needs": ["housing"],
                                              "preferred_name": "Wanjiku"}, actor,
                                     may_identity=True)
    assert changed == ["phone", "needs"]
    phone = MemberChange.get(MemberChange.field == "phone")
    assert (phone.old_value, phone.new_value, phone.restricted) == ("0712 345678", "0722 111222", True)
    assert phone.actor_id == actor.id
    event = AuditEvent.select().where(AuditEvent.action == "member.updated").get()
    assert "0722" not in event.summary and "phone" in event.summary
    for event in AuditEvent.select():
        assert "Kamau" not in event.summary and "Wanjiku" not in event.summary


def test_edit_without_identity_cannot_touch_identity(conn):
    member = make_member()
    services.update_member(member, {"legal_name": "Someone Else"}, None, may_identity=False)
    assert Member.get_by_id(member.id).legal_name == "Wanjiku Kamau"


# --- lifecycle -----------------------------------------------------------------------

def test_lifecycle_through_induction_to_alumni_and_exit(conn):
    actor = make_user("coordinator")
    member = make_member(actor)
    assert member.status == "referred"
    steps = services.checklist()
    services.complete_step(member, steps[0], actor, "met at the gate")
    member = Member.get_by_id(member.id)
    assert member.status == "inducting"
    with pytest.raises(services.MemberError):
        services.confirm_induction(member, actor)       # required steps missing
    with pytest.raises(services.MemberError):
        services.change_status(member, "active", actor)  # only by confirming
    for step in steps[1:]:
        services.complete_step(member, step, actor)
    services.confirm_induction(member, actor)
    member = Member.get_by_id(member.id)
    assert member.status == "active"
    services.change_status(member, "alumni", actor)
    with pytest.raises(services.MemberError) as error:
        services.change_status(member, "exited", actor)
    assert error.value.field == "exit_reason"
    services.change_status(member, "exited", actor, exit_reason="moved_away")
    member = Member.get_by_id(member.id)
    assert (member.status, member.exit_reason, member.exited_on) == ("exited", "moved_away",
                                                                      services.today())
    statuses = [c.new_value for c in MemberChange.select().where(MemberChange.field == "status")
                .order_by(MemberChange.id)]
    assert statuses == ["inducting", "active", "alumni", "exited"]


def test_optional_steps_do_not_block_confirmation(conn):
    member = make_member()
    extra = services.save_step(None, "Tour of the garden", "Kutembelea bustani", required=False)
    for step in services.checklist():
        if step.id != extra.id:
            services.complete_step(member, step)
    services.confirm_induction(Member.get_by_id(member.id))
    assert Member.get_by_id(member.id).status == "active"


def test_step_cannot_be_done_twice(conn):
    member = make_member()
    step = services.checklist()[0]
    services.complete_step(member, step)
    with pytest.raises(services.MemberError):
        services.complete_step(Member.get_by_id(member.id), step)
    assert InductionCompletion.select().count() == 1


def test_checklist_is_seeded_from_the_work_plan(conn):
    titles = [s.title_en for s in services.checklist()]
    assert titles[0] == "Welcome and introductions"
    assert "Peer buddy assigned" in titles and len(titles) == 6
    assert all(s.title_sw for s in services.checklist())


def test_checklist_order_can_change(conn):
    steps = services.checklist()
    services.move_step(steps[1], -1)
    assert [s.id for s in services.checklist()][:2] == [steps[1].id, steps[0].id]
    services.set_step_active(steps[2], False)
    assert steps[2].id not in [s.id for s in services.checklist()]


# --- consent ------------------------------------------------------------------------

def test_nothing_beyond_intake_without_processing_consent(conn):
    member = make_member(consent=False)
    with pytest.raises(services.MemberError):
        services.complete_step(member, services.checklist()[0])
    with pytest.raises(services.MemberError):
        services.create_account(member)
    buddy = make_member(status="active")
    with pytest.raises(services.MemberError):
        services.assign_buddy(member, buddy.code)


def test_withdrawal_takes_effect_at_once(conn):
    member = make_member()
    assert services.may(member, "contact") is False
    assert services.contact_phone(member) is None
    services.record_consent(member, "contact", True, "verbal", "sw")
    assert services.may(member, "contact") and services.contact_phone(member) == "0712 345678"
    assert member.id in [r.member_id for r in services.members_who_may("contact")]
    services.record_consent(member, "contact", False, "verbal", "sw")
    assert services.may(member, "contact") is False
    assert services.contact_phone(member) is None
    assert member.id not in [r.member_id for r in services.members_who_may("contact")]
    history = list(services.consent_history(member))
    assert [e.given for e in history if e.purpose == "contact"] == [False, True]


def test_processing_withdrawn_stops_induction(conn):
    member = make_member()
    services.record_consent(member, "processing", False, "verbal", "sw")
    with pytest.raises(services.MemberError):
        services.complete_step(member, services.checklist()[0])


def test_consent_needs_known_purpose_and_no_future_date(conn):
    member = make_member()
    with pytest.raises(services.MemberError):
        services.record_consent(member, "marketing", True, "verbal", "sw")
    with pytest.raises(services.MemberError):
        services.record_consent(member, "media", True, "verbal", "sw",
                                recorded_on=services.today() + dt.timedelta(days=1))


# --- buddy and meetings ---------------------------------------------------------------

def test_buddy_must_be_an_active_other_member(conn):
    member = make_member()
    referred = make_member(preferred_name="Akinyi")
    with pytest.raises(services.MemberError):
        services.assign_buddy(member, referred.code)
    with pytest.raises(services.MemberError):
        services.assign_buddy(member, member.code)
    buddy = make_member(status="active", preferred_name="Neema")
    services.assign_buddy(member, buddy.code.lower())
    assert Member.get_by_id(member.id).buddy_id == buddy.id
    assert [b.id for b in services.buddy_and_buddies_of(buddy)[1]] == [member.id]
    mine, theirs = services.buddy_and_buddies_of(Member.get_by_id(member.id))
    assert (mine.id, mine.code, mine.preferred_name, theirs) == (buddy.id, buddy.code, "Neema", [])


def test_an_empty_buddy_code_never_removes_the_buddy(conn):
    member = make_member()
    buddy = make_member(status="active", preferred_name="Neema")
    services.assign_buddy(member, buddy.code)
    member = Member.get_by_id(member.id)
    with pytest.raises(services.MemberError) as refused:
        services.assign_buddy(member, "  ")
    assert refused.value.field == "buddy_code"
    assert Member.get_by_id(member.id).buddy_id == buddy.id
    services.remove_buddy(Member.get_by_id(member.id))
    assert Member.get_by_id(member.id).buddy_id is None
    with pytest.raises(services.MemberError):
        services.remove_buddy(Member.get_by_id(member.id))


def test_schedule_titles_are_discreet(app, conn):
    member = make_member()
    buddy = make_member(status="active", preferred_name="Neema")
    services.assign_buddy(member, buddy.code)
    member = Member.get_by_id(member.id)
    soon = services.utcnow() + dt.timedelta(days=1)
    services.schedule_meeting(member, soon, False)
    services.schedule_meeting(member, soon + dt.timedelta(days=1), True)
    reg = app.extensions["kituo"]
    start, end = services.utcnow(), services.utcnow() + dt.timedelta(days=30)
    mine = reg.schedule_for(member, start, end)
    assert [i.title for i in mine] == ["Appointment at the centre", "Meeting with your buddy"]
    theirs = reg.schedule_for(Member.get_by_id(buddy.id), start, end)
    assert [i.title for i in theirs] == ["Meeting with your buddy"]
    for item in mine + theirs:
        text = f"{item.title} {item.detail} {item.place}".lower()
        assert "counsel" not in text and "traffick" not in text


# --- accounts -------------------------------------------------------------------------

def test_member_account_uses_the_code_and_member_role(conn):
    member = make_member()
    user = services.create_account(member)
    assert user.username == member.code.lower() and user.role_names == ["member"]
    assert user.language == "sw"
    assert services.member_for_user(user).id == member.id
    with pytest.raises(services.MemberError):
        services.create_account(Member.get_by_id(member.id))


# --- data rights ---------------------------------------------------------------------

def test_anonymise_removes_identity_and_free_text_and_keeps_activity(conn):
    actor = make_user("coordinator")
    member = make_member(actor)
    services.complete_step(member, services.checklist()[0], actor, "She told us about Mombasa")
    services.update_member(member, {"phone": "0700 000001"}, actor, may_identity=True)
    user = services.create_account(Member.get_by_id(member.id), actor)
    with pytest.raises(services.MemberError):
        services.anonymise(member, "AZ-9999", actor)
    services.anonymise(Member.get_by_id(member.id), member.code.lower(), actor)
    member = Member.get_by_id(member.id)
    assert member.anonymised_at and member.status == "exited"
    assert member.exit_reason == "anonymised"
    assert (member.preferred_name, member.legal_name, member.phone, member.location,
            member.notes) == ("", "", "", "", "")
    assert member.code == "AZ-0001"                      # pseudonymous activity stays
    assert InductionCompletion.get().note == ""
    assert ConsentEvent.select().count() == 1
    for change in MemberChange.select().where(MemberChange.field == "phone"):
        assert change.old_value == "" and change.new_value == ""
    user = User.get_by_id(user.id)
    assert not user.active and user.display_name == member.code
    assert AuditEvent.select().where(AuditEvent.action == "member.anonymised").count() == 1
    dump = json.dumps(services.export_data(member))
    assert "Kamau" not in dump and "0712" not in dump and "Mombasa" not in dump
    with pytest.raises(services.MemberError):
        services.update_member(member, {"preferred_name": "Back"}, actor)


def test_export_holds_everything(conn):
    member = make_member()
    data = services.export_data(member)
    assert data["member"]["legal_name"] == "Wanjiku Kamau"
    assert data["consents"][0]["purpose"] == "processing"
    assert json.dumps(data)


def test_retention_review_lists_long_exited_members(conn):
    old = make_member(status="exited")
    recent = make_member(status="exited")
    make_member(status="active")
    shift_time(Member, "exited_on", -dt.timedelta(days=6 * 365), Member.id == old.id)
    assert [m.id for m in services.retention_due()] == [old.id]
    assert recent.id not in [m.id for m in services.retention_due()]


# --- import ---------------------------------------------------------------------------

CSV_OK_AND_BAD = (
    "preferred_name,legal_name,gender,year_of_birth,phone,language,county,needs,status,date_joined\n"
    "Akinyi,Akinyi Otieno,female,1995,0711 222333,sw,Kisumu,housing; health,active,2024-03-15\n"
    ",No Name,female,1990,,sw,Nairobi,,,\n"
    "Baraka,Baraka Mwangi,man,19x5,0711 222333,fr,Atlantis,money,sleeping,31/02/2024\n"
    "Neema,,Mwanamke,,0722 444555,Kiswahili,nairobi,Elimu,,15/01/2023\n"
)


def test_import_check_lists_every_problem_and_writes_nothing(conn):
    owner = make_user("coordinator")
    batch = imports.store_upload(CSV_OK_AND_BAD.encode(), "list.csv", owner)
    imports.run_check(MemberImport.get_by_id(batch.id))
    batch = MemberImport.get_by_id(batch.id)
    assert Member.select().count() == 0
    assert (batch.status, batch.total_rows, batch.valid_rows) == ("checked", 4, 2)
    problems = imports.problems_of(batch)
    by_row = {}
    for p in problems:
        by_row.setdefault(p["row"], set()).add(p["column"])
    assert by_row[3] == {"preferred_name"}
    assert by_row[4] == {"gender", "year_of_birth", "phone", "language", "county", "needs",
                         "status", "date_joined"}
    assert any("row 2" in p["text"] for p in problems if p["row"] == 4 and p["column"] == "phone")


def test_import_writes_only_whole_valid_rows_on_confirm(conn):
    owner = make_user("coordinator")
    batch = imports.store_upload(CSV_OK_AND_BAD.encode(), "list.csv", owner)
    imports.run_check(MemberImport.get_by_id(batch.id))
    count = imports.run_import(MemberImport.get_by_id(batch.id), owner)
    assert count == 2
    akinyi = Member.get(Member.preferred_name == "Akinyi")
    assert (akinyi.status, akinyi.county, akinyi.needs, akinyi.birth_year) == (
        "active", "Kisumu", ["housing", "health"], 1995)
    neema = Member.get(Member.preferred_name == "Neema")
    assert (neema.gender, neema.county, neema.needs, neema.joined_on) == (
        "female", "Nairobi", ["education"], dt.date(2023, 1, 15))
    assert Member.select().where(Member.preferred_name == "Baraka").count() == 0
    batch = MemberImport.get_by_id(batch.id)
    assert batch.status == "imported" and batch.path == ""
    with pytest.raises(services.MemberError):
        imports.run_import(batch, owner)


def test_import_refuses_unknown_columns(conn):
    owner = make_user("coordinator")
    batch = imports.store_upload(b"name,phone\nA,1\n", "x.csv", owner)
    imports.run_check(MemberImport.get_by_id(batch.id))
    problems = imports.problems_of(MemberImport.get_by_id(batch.id))
    assert len(problems) == 1 and "name" in problems[0]["text"]


def test_import_spots_phone_of_existing_member(conn):
    make_member(phone="0711 222333")
    owner = make_user("coordinator")
    batch = imports.store_upload(b"preferred_name,phone\nAkinyi,+254711222333\n", "x.csv", owner)
    imports.run_check(MemberImport.get_by_id(batch.id))
    problems = imports.problems_of(MemberImport.get_by_id(batch.id))
    assert "AZ-0001" in problems[0]["text"]


def test_template_round_trips_through_the_checker(conn):
    total, valid, problems = imports.check_file(imports.template_csv().encode())
    assert (total, len(valid), problems) == (1, 1, [])


# --- demo data and dashboard -----------------------------------------------------------

@pytest.mark.slow   # seeds the whole demo to test its seeder
def test_demo_seeder_links_the_demo_member(app, conn):
    import random
    from app.auth import services as auth
    users = {"coordinator": make_user("coordinator"),
             "member": auth.create_user("halima", "Halima Ali", ["member"], language="sw",
                                        is_demo=True)}
    for _order, seeder in app.extensions["kituo"].demo_seeders:
        seeder(members=300, rng=random.Random(3), users=users)
    assert Member.select().count() == 301        # 300 + Halima (her buddy is one of them)
    halima = services.member_for_user(users["member"])
    assert halima.preferred_name == "Halima" and halima.buddy.status == "active"
    statuses = dict(services.counts_by_status())
    assert all(statuses[s] > 0 for s in ("referred", "inducting", "active", "alumni", "exited"))
    assert not any(check() for check in app.extensions["kituo"].real_data_checks)
    make_member()
    assert any(check() for check in app.extensions["kituo"].real_data_checks)


def test_dashboard_numbers(conn):
    make_member()
    member = make_member()
    services.complete_step(member, services.checklist()[0])
    assert services.inducting_count() == 1 and services.oldest_waiting().id == member.id
    assert dict(services.counts_by_status())["referred"] == 1
    assert services.new_this_month() == 2


def test_a_members_own_record_is_read_whole_and_only_theirs(conn):
    user = make_user("member")
    member = make_member(user=user)
    make_member(user=make_user("member"))
    own = services.member_for_user(User.get_by_id(user.id))
    assert own.__data__ == Member.get_by_id(member.id).__data__
    assert services.member_for_user(make_user("member")) is None
