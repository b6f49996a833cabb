"""Demo data: N fictional members with Kenyan names, counties, realistic
statuses, consents and induction progress, bulk-inserted in chunks inside
one transaction (20,000 members in seconds), plus the member record of the
demo member login ("halima") with a peer buddy and induction meetings."""
from __future__ import annotations

import datetime as dt

from app.db import db, utcnow
from app.members import services
from app.members.models import (
    AGE_BANDS, CONSENT_PURPOSES, COUNTIES, NEEDS, ConsentEvent, InductionCompletion,
    InductionMeeting, Member)

FIRST_NAMES_F = ["Wanjiku", "Akinyi", "Njeri", "Atieno", "Chebet", "Wambui", "Nafula", "Auma",
                 "Mumbua", "Kerubo", "Jepkosgei", "Nyokabi", "Adhiambo", "Zawadi", "Neema",
                 "Rehema", "Mwanaisha", "Faith", "Mercy", "Grace", "Esther", "Lucy", "Joy",
                 "Winnie", "Beatrice", "Mary", "Khadija", "Amina", "Halima", "Saida"]
FIRST_NAMES_M = ["Kamau", "Otieno", "Kiprono", "Mwangi", "Baraka", "Juma", "Omondi", "Wekesa",
                 "Mutua", "Kipchoge", "Hassan", "Brian", "Kevin", "Dennis", "Peter", "Daudi"]
SURNAMES = ["Kamau", "Otieno", "Wanjiru", "Ochieng", "Mwangi", "Njoroge", "Kiprotich", "Achieng",
            "Mutua", "Wafula", "Onyango", "Chege", "Kariuki", "Odhiambo", "Kibet", "Ndungu",
            "Mohamed", "Ali", "Barasa", "Nyambura", "Maina", "Koech", "Wairimu", "Muthoni"]
PLACES = ["Kibera", "Mathare", "Kawangware", "Kayole", "Githurai", "Likoni", "Nyalenda",
          "Bondeni", "Majengo", "Kangemi", "Mukuru", "Dandora"]
ORGS = ["Partner Trust Kenya", "Haki Centre", "Tumaini Network", "Upendo Outreach", ""]
STATUS_WEIGHTS = [("active", 55), ("alumni", 18), ("exited", 10), ("inducting", 10),
                  ("referred", 7)]
CHUNK = 500


def _weighted(rng, pairs):
    total = sum(w for _v, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def _phone(rng) -> str:
    return f"07{rng.randint(0, 99):02d} {rng.randint(0, 999):03d}{rng.randint(0, 999):03d}"


def _member_row(rng, number: int, today: dt.date, now: dt.datetime, sources) -> dict:
    female = rng.random() < 0.7
    first = rng.choice(FIRST_NAMES_F if female else FIRST_NAMES_M)
    status = _weighted(rng, STATUS_WEIGHTS)
    joined = today - dt.timedelta(days=rng.randint(0, 6 * 365))
    if status in ("referred", "inducting"):
        joined = today - dt.timedelta(days=rng.randint(0, 90))
    exited_on = None
    if status == "exited":
        exited_on = min(today, joined + dt.timedelta(days=rng.randint(30, 900)))
    has_year = rng.random() < 0.6
    changed = dt.datetime.combine(exited_on or joined, dt.time(9)) + dt.timedelta(
        days=0 if status in ("referred", "exited") else rng.randint(0, 20))
    return {
        "number": number, "code": services.format_code(number), "preferred_name": first,
        "legal_name": f"{first} {rng.choice(SURNAMES)}", "phone": _phone(rng),
        "location": rng.choice(PLACES), "notes": "",
        "gender": "female" if female else rng.choice(["male", "male", "other", "undisclosed"]),
        "birth_year": rng.randint(1975, 2006) if has_year else None,
        "age_band": "" if has_year else rng.choice(AGE_BANDS[1:]),
        "language": rng.choice(["sw", "sw", "en"]), "county": rng.choice(COUNTIES),
        "referral_source": rng.choice(sources), "referring_org": rng.choice(ORGS),
        "joined_on": joined, "needs_mask": rng.randint(0, (1 << len(NEEDS)) - 1),
        "status": status, "status_changed_at": min(changed, now),
        "exit_reason": rng.choice(["own_choice", "moved_away", "unreachable"])
        if status == "exited" else "",
        "exited_on": exited_on, "is_demo": True, "created_at": now,
    }


def _insert(model, rows) -> None:
    for start in range(0, len(rows), CHUNK):
        model.insert_many(rows[start:start + CHUNK]).execute()


def seed_members(members: int = 200, rng=None, users=None) -> None:
    import random
    rng = rng or random.Random()
    users = users or {}
    steps = services.checklist()
    sources = [s.id for s in services.referral_sources()]
    coordinator = users.get("coordinator")
    recorder = coordinator.id if coordinator else None
    today, now = services.today(), utcnow()
    with db.atomic():
        first = (Member.select(Member.number).order_by(Member.number.desc()).scalar() or 0) + 1
        rows = [_member_row(rng, first + i, today, now, sources) for i in range(members)]
        _insert(Member, rows)
        ids = dict(Member.select(Member.number, Member.id)
                   .where(Member.number >= first).tuples())
        consents, completions = [], []
        for row in rows:
            member_id, status = ids[row["number"]], row["status"]
            if status == "referred":
                continue
            for purpose in CONSENT_PURPOSES:
                given = purpose == "processing" or rng.random() < 0.7
                consents.append({"member": member_id, "purpose": purpose, "given": given,
                                 "recorded_on": row["joined_on"], "recorded_by": recorder,
                                 "language": row["language"], "method": "signed",
                                 "recorded_at": now})
            done = len(steps) if status in ("active", "alumni") else rng.randint(
                1, len(steps) - 1) if status == "inducting" else rng.randint(0, len(steps))
            at = dt.datetime.combine(row["joined_on"], dt.time(10))
            for step in steps[:done]:
                completions.append({"member": member_id, "step": step.id, "completed_at": at,
                                    "completed_by": recorder, "note": ""})
        _insert(ConsentEvent, consents)
        _insert(InductionCompletion, completions)
        if users.get("member"):
            _seed_demo_member(users["member"], users, rng, steps, recorder, today)


def _seed_demo_member(user, users, rng, steps, recorder, today) -> None:
    """Halima: in induction, with a buddy and two meetings coming up."""
    buddy = (Member.select().where((Member.status == "active") & Member.is_demo)
             .order_by(Member.id).first())
    if buddy is None:
        buddy = services.create_member({"preferred_name": "Wanjiku", "language": "sw"},
                                       status="active")
        Member.update(is_demo=True).where(Member.id == buddy.id).execute()
    member = services.create_member({
        "preferred_name": "Halima", "legal_name": user.display_name, "language": "sw",
        "gender": "female", "county": "Mombasa", "needs": ["livelihood", "education"],
        "phone": _phone(rng), "location": "Likoni"}, actor=users.get("coordinator"))
    Member.update(is_demo=True, user=user.id, buddy=buddy.id).where(
        Member.id == member.id).execute()
    member = Member.get_by_id(member.id)
    for purpose in CONSENT_PURPOSES:
        services.record_consent(member, purpose, purpose in ("processing", "contact", "partners"),
                                "signed", "sw", actor=users.get("coordinator"))
    for step in steps[:3]:
        services.complete_step(Member.get_by_id(member.id), step, users.get("coordinator"))
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    InductionMeeting.insert_many([
        {"member": member.id, "starts_at": now + dt.timedelta(days=2, hours=1),
         "with_buddy": False, "created_by": recorder},
        {"member": member.id, "starts_at": now + dt.timedelta(days=6, hours=3),
         "with_buddy": True, "created_by": recorder},
    ]).execute()
