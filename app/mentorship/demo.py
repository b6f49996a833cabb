"""Demo mentoring: mentor accounts and profiles, four years of pairings with
session logs every two or three weeks, goals with progress, a few overdue
pairings, and the demo member ("halima") paired with the demo mentor
("daudi"). Bulk inserts in chunks (tens of thousands of logs in seconds)."""
from __future__ import annotations

import datetime as dt

from app.auth.models import User, UserRole
from app.db import db, utcnow
from app.members.models import Member
from app.mentorship import services
from app.mentorship.models import (
    AREAS, DURATIONS, MODES, TOPICS, Goal, GoalNote, MentorProfile, Pairing, SessionLog, mask_of)

CHUNK = 500
YEARS = 4
MENTOR_NAMES = ["Akinyi Odhiambo", "Wambui Kariuki", "Juma Mwinyi", "Neema Chebet",
                "Zawadi Atieno", "Rehema Said", "Kevin Wekesa", "Mercy Nduta", "Saida Omar",
                "Brian Kiptoo", "Lucy Mumbua", "Faith Nyokabi", "Peter Barasa", "Joy Adhiambo",
                "Halima Abdi", "Esther Kerubo", "Dennis Onyango", "Winnie Nafula"]
GOALS = [("Open a savings account", "livelihood"), ("Find steady work", "livelihood"),
         ("Start a small tailoring business", "business"), ("Keep simple business records",
                                                            "business"),
         ("Finish the computer course", "education"), ("Apply for a scholarship", "education"),
         ("Speak at a community meeting", "leadership"), ("Join the survivor leaders' forum",
                                                          "leadership"),
         ("Sleep better and rest", "wellbeing"), ("Reconnect with family", "wellbeing")]
NOTES = ["Tulizungumza kuhusu kazi mpya na jinsi ya kupanga bajeti.",
         "We talked about her plan for the market stall and the loan application.",
         "Alieleza maendeleo yake shuleni; anajiamini zaidi.",
         "Reviewed the savings plan; she saved a little every week.",
         "Tulipanga jinsi ya kuzungumza katika mkutano wa jamii.",
         "Talked about rest, stress and where to find support at the centre."]
FOLLOW_UPS = ["", "", "Bring the school fee receipts next time.", "Ask the coordinator about "
              "the business training.", "Kuleta mpango wa biashara wiki ijayo."]


def _insert(model, rows) -> list[int]:
    for start in range(0, len(rows), CHUNK):
        model.insert_many(rows[start:start + CHUNK]).execute()


def _mentor_users(count: int, users: dict) -> list[User]:
    mentors = [users["mentor"]] if users.get("mentor") else []
    now = utcnow()
    for i in range(max(0, count - len(mentors))):
        name = MENTOR_NAMES[i % len(MENTOR_NAMES)]
        username = f"mentor{i + 1:02d}"
        if User.select().where(User.username == username).exists():
            continue
        user = User.create(username=username, display_name=name, language="sw",
                           is_demo=True, created_at=now)
        UserRole.create(user=user, role="mentor")
        mentors.append(user)
    return mentors


def seed_mentorship(members: int = 200, rng=None, users=None) -> None:
    import random
    rng = rng or random.Random()
    users = users or {}
    today, now = services.today(), utcnow()
    pool = [row[0] for row in Member.select(Member.id).where(
        Member.is_demo & Member.status.in_(("active", "alumni"))
        & Member.user.is_null()).tuples()]
    if not pool:
        return
    rng.shuffle(pool)
    demo_member = (Member.get_or_none(Member.user == users["member"].id)
                   if users.get("member") else None)
    with db.atomic():
        mentors = _mentor_users(max(4, min(60, members // 300)), users)
        profiles = []
        for i, mentor in enumerate(mentors):
            capacity = 5 if i == 0 else rng.choice([2, 3, 3, 4, 5])
            profiles.append({"user": mentor.id, "capacity": capacity,
                             "areas_mask": mask_of(rng.sample(AREAS, rng.randint(1, 3)), AREAS),
                             "languages_mask": rng.choice([1, 1, 3, 3, 2]),
                             "availability": rng.choice(["Jioni za siku za kazi",
                                                         "Saturdays at the centre",
                                                         "Tuesday and Thursday afternoons", ""]),
                             "updated_at": now})
        MentorProfile.insert_many(profiles).on_conflict_ignore().execute()
        next_mentee = iter(pool)
        pairings = []
        for i, mentor in enumerate(mentors):
            capacity = profiles[i]["capacity"]
            lanes = capacity if i == 0 else rng.randint(max(1, capacity - 1), capacity)
            if i == 0 and demo_member is not None:
                lanes -= 1
            for _lane in range(lanes):
                day = today - dt.timedelta(days=YEARS * 365 - rng.randint(0, 200))
                while day < today:
                    length = rng.randint(120, 400)
                    end = day + dt.timedelta(days=length)
                    mentee = next(next_mentee, None)
                    if mentee is None:
                        break
                    active = end >= today
                    pairings.append({"mentee": mentee, "mentor": mentor.id,
                                     "status": "active" if active else rng.choice(
                                         ["completed", "completed", "ended"]),
                                     "start_date": day, "end_date": None if active else end,
                                     "proposed_at": dt.datetime.combine(
                                         day - dt.timedelta(days=7), dt.time(9)),
                                     "proposed_by": users["coordinator"].id
                                     if users.get("coordinator") else None})
                    if not active and pairings[-1]["status"] == "ended":
                        pairings[-1]["end_reason"] = rng.choice(
                            ["Moved to another county", "Found full-time work far away",
                             "Asked for a break"])
                    day = end + dt.timedelta(days=rng.randint(1, 30))
        if demo_member is not None and mentors:
            pairings.append({"mentee": demo_member.id, "mentor": mentors[0].id,
                             "status": "active", "start_date": today - dt.timedelta(days=40),
                             "proposed_at": now - dt.timedelta(days=45)})
        _insert(Pairing, pairings)
        _seed_history(rng, today, now)


def _seed_history(rng, today: dt.date, now: dt.datetime) -> None:
    """Sessions, goals and progress for every seeded pairing, then the
    denormalised figures on each pairing."""
    pairings = list(Pairing.select().where(Pairing.sessions_count == 0))
    goals, logs = [], []
    for p in pairings:
        for title, area in rng.sample(GOALS, rng.randint(1, 3)):
            goals.append({"pairing": p.id, "title": title, "area": area,
                          "target_date": p.start_date + dt.timedelta(days=rng.randint(60, 300)),
                          "status": rng.choice(["open", "in_progress", "in_progress", "achieved"])
                          if p.status == "active" else rng.choice(["achieved", "dropped",
                                                                    "achieved"]),
                          "created_at": dt.datetime.combine(p.start_date, dt.time(10)),
                          "created_by": p.mentor_id, "updated_at": now})
        last_day = p.end_date or today
        # A few active pairings went quiet: they will show as overdue.
        if p.status == "active" and rng.random() < 0.12:
            last_day = today - dt.timedelta(days=rng.randint(35, 80))
        day = p.start_date + dt.timedelta(days=rng.randint(0, 7))
        while day <= last_day:
            at = dt.datetime.combine(day, dt.time(rng.randint(6, 14), 0))
            logs.append({"pairing": p.id, "author": p.mentor_id, "held_on": day,
                         "duration_minutes": rng.choice(DURATIONS[1:4]),
                         "mode": rng.choice(MODES + ("in_person",)),
                         "topics": ",".join(t for t in TOPICS if rng.random() < 0.2),
                         "notes": rng.choice(NOTES), "follow_up": rng.choice(FOLLOW_UPS),
                         "created_at": at, "updated_at": at})
            day += dt.timedelta(days=rng.randint(10, 21))
    _insert(Goal, goals)
    _insert(SessionLog, logs)
    notes = []
    for goal in Goal.select(Goal.id, Goal.status, Goal.created_at, Goal.created_by).where(
            Goal.status.in_(("in_progress", "achieved"))):
        notes.append({"goal": goal.id, "author": goal.created_by_id, "status": goal.status,
                      "text": "Hatua nzuri." if goal.status == "achieved" else
                      "Making progress step by step.",
                      "at": goal.created_at + dt.timedelta(days=rng.randint(20, 90))})
    _insert(GoalNote, notes)
    ids = [p.id for p in pairings]
    from peewee import fn
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        stats = (SessionLog.select(SessionLog.pairing, fn.MAX(SessionLog.held_on),
                                   fn.COUNT(SessionLog.id))
                 .where(SessionLog.pairing.in_(chunk)).group_by(SessionLog.pairing).tuples())
        for pairing_id, last, count in stats:
            Pairing.update(last_session_on=last, sessions_count=count).where(
                Pairing.id == pairing_id).execute()
    services.flag_overdue(today)
    # The next meeting of most active pairings, on both schedules.
    upcoming = now.replace(minute=0, second=0, microsecond=0)
    for p in Pairing.select(Pairing.id).where((Pairing.status == "active")
                                              & Pairing.overdue_since.is_null()
                                              & Pairing.id.in_(ids)):
        if rng.random() < 0.8:
            Pairing.update(next_meeting_at=upcoming + dt.timedelta(
                days=rng.randint(1, 14), hours=rng.randint(0, 6))).where(
                Pairing.id == p.id).execute()
