"""Demo education: courses in every programme area, classes over the last
two years and the next three months with realistic attendance (not all
present), completions and certificates, the study space with its use,
opportunities with applications, formal education, and placements with
their follow-ups. The demo member ("halima") finished a course with a
certificate, is in a running class and waits for an upcoming one; the demo
trainer ("fatuma") teaches a class with a session today.
Bulk inserts inside one transaction (20,000 members: about 300 classes)."""
from __future__ import annotations

import datetime as dt

from peewee import Case

from app.auth.models import User, UserRole
from app.clock import utcnow
from app.db import BulkInsert, db
from app.education import certificates, demo_data as D, timetable
from app.education.employment import add_months
from app.education.models import (
    Attendance, Certificate, ClassSession, ClassTrainer, Course, CourseUnit, Enrolment,
    ProgrammeArea, TrainingClass, UnitDone)
from app.education.support_models import (
    DOCUMENTS, Application, EducationProfile, FeeRecord, FollowUp, FormalEnrolment, Opportunity,
    Placement, Referral, StudyBooking, StudyHours, StudyResource, StudySeat, TermResult, mask_of)
from app.education.study import slot_times
from app.members.models import Member
from app.rules import today as local_today

CHUNK = 500
TIMES = [(dt.time(9), dt.time(11)), (dt.time(11, 30), dt.time(13, 30)), (dt.time(14), dt.time(16))]


def _insert(model, rows) -> None:
    for start in range(0, len(rows), CHUNK):
        model.insert_many(rows[start:start + CHUNK]).execute()


def seed_education(members: int = 200, rng=None, users=None) -> None:
    import random
    rng = rng or random.Random()
    users = users or {}
    pool = [row[0] for row in Member.select(Member.id).where(
        Member.is_demo & (Member.status == "active") & Member.user.is_null()).tuples()]
    if not pool:
        return
    demo_member = (Member.get_or_none(Member.user == users["member"].id)
                   if users.get("member") else None)
    if demo_member is not None and demo_member.status == "inducting":
        demo_member = _finish_induction(demo_member, users.get("coordinator"))
    today = local_today()
    with db.atomic():
        trainers = _trainers(max(3, min(20, members // 1000)), users)
        course_ids = _courses(users.get("coordinator"))
        classes = _classes(rng, min(300, max(24, members // 60)), course_ids, trainers, today)
        _sessions(classes, today)
        _enrolments(rng, classes, pool, demo_member, today)
        _history(rng, classes, today, demo_member)
        _study_space(rng, pool, demo_member, today)
        _opportunities(rng, pool, users.get("coordinator"), today)
        _formal(rng, pool, today)
        _placements(rng, today)


def _finish_induction(member, coordinator):
    """Only active members take classes: the demo member has finished her
    induction (her meetings stay on her schedule)."""
    from app.members import services as members
    from app.members.models import InductionCompletion
    done = {c.step_id for c in InductionCompletion.select().where(
        InductionCompletion.member == member)}
    for step in members.checklist():
        if step.id not in done:
            members.complete_step(Member.get_by_id(member.id), step, coordinator)
    members.confirm_induction(Member.get_by_id(member.id), coordinator)
    return Member.get_by_id(member.id)


def _trainers(count: int, users: dict) -> list[int]:
    ids = [users["trainer"].id] if users.get("trainer") else []
    now = utcnow()
    for i in range(max(0, count - len(ids))):
        username = f"trainer{i + 1:02d}"
        user = User.get_or_none(User.username == username) or User.create(
            username=username, display_name=D.TRAINER_NAMES[i % len(D.TRAINER_NAMES)],
            language="sw", is_demo=True, created_at=now)
        UserRole.insert(user=user, role="trainer").on_conflict_ignore().execute()
        ids.append(user.id)
    return ids


def _courses(coordinator) -> list[int]:
    areas = {a.key: a.id for a in ProgrammeArea.select()}
    ids = []
    for key, title_en, title_sw, assessment, min_pct, units in D.COURSES:
        course = Course.create(area=areas[key], title_en=title_en, title_sw=title_sw,
                               description=D.DESCRIPTIONS.get(key, ""), language="sw",
                               capacity=15, min_attendance_pct=min_pct, assessment=assessment,
                               pass_mark=50 if assessment == "score" else None,
                               created_by=coordinator, is_demo=True)
        _insert(CourseUnit, [{"course": course.id, "position": i, "title_en": en, "title_sw": sw,
                              "required": i < len(units) - 1 or len(units) < 3}
                             for i, (en, sw) in enumerate(units)])
        ids.append(course.id)
    return ids


def _classes(rng, count: int, course_ids, trainers, today) -> list[dict]:
    """Classes spread over two years back and three months ahead; each room,
    day and time (and each trainer at a day and time) holds one class at a
    time. The demo trainer's first class runs now, with a session today."""
    first_day, last_day = today - dt.timedelta(days=730), today + dt.timedelta(days=90)
    busy: dict[tuple, dt.date] = {}      # (room or trainer, weekday, time) -> free from

    def free(keys, start):
        return all(busy.get(k, first_day) <= start for k in keys)

    def take(keys, end):
        for k in keys:
            busy[k] = max(busy.get(k, first_day), end + dt.timedelta(days=1))

    now_class = {"course": course_ids[0], "start": today - dt.timedelta(days=21),
                 "end": today + dt.timedelta(days=42), "days": sorted({today.weekday(), 1}),
                 "time": 0, "room": D.ROOMS[0], "trainers": trainers[:1], "capacity": 15}
    take([(k, d, 0) for d in now_class["days"] for k in (D.ROOMS[0], trainers[0])],
         now_class["end"])
    classes = [now_class]
    step = (last_day - first_day).days / count
    for i in range(count - 1):
        start = first_day + dt.timedelta(days=int(i * step) + rng.randint(0, 6))
        end = start + dt.timedelta(weeks=rng.choice([4, 6, 8, 8, 10, 12])) - dt.timedelta(days=1)
        for _try in range(60):
            days = sorted(rng.sample(range(6), rng.choice([1, 2, 2])))
            time_index, room = rng.randrange(len(TIMES)), rng.choice(D.ROOMS)
            chosen = [t for t in rng.sample(trainers, len(trainers))
                      if free([(t, d, time_index) for d in days], start)][:rng.choice([1, 1, 2])]
            if chosen and free([(room, d, time_index) for d in days], start):
                take([(k, d, time_index) for d in days for k in [room] + chosen], end)
                classes.append({"course": rng.choice(course_ids), "start": start, "end": end,
                                "days": days, "time": time_index, "room": room,
                                "trainers": chosen, "capacity": rng.choice([12, 15, 15, 18, 20])})
                break
    for i, c in enumerate(classes):
        c["time"] = TIMES[c["time"]]
        row = TrainingClass.create(
            course=c["course"], label=D.LABELS[i % len(D.LABELS)], place=c["room"],
            start_date=c["start"], end_date=c["end"], capacity=c["capacity"], language="sw",
            weekdays_mask=timetable.mask_of(c["days"]), starts_time=c["time"][0],
            ends_time=c["time"][1], is_demo=True,
            created_at=dt.datetime.combine(c["start"] - dt.timedelta(days=20), dt.time(7)))
        c["id"] = row.id
        _insert(ClassTrainer, [{"klass": row.id, "user": t} for t in c["trainers"]])
    return sorted(classes, key=lambda c: c["start"])


def _sessions(classes, today) -> None:
    holidays = timetable.holidays_between(today - dt.timedelta(days=800),
                                          today + dt.timedelta(days=200))
    rows = []
    for c in classes:
        pattern = timetable.Pattern(c["days"], c["time"][0], c["time"][1], c["start"], c["end"])
        for day in timetable.session_days(pattern, holidays):
            rows.append({"klass": c["id"], "starts_at": timetable.to_utc(day, c["time"][0]),
                         "ends_at": timetable.to_utc(day, c["time"][1]), "place": c["room"]})
    _insert(ClassSession, rows)


def _enrolments(rng, classes, pool, demo_member, today) -> None:
    rows = []
    for c in classes:
        size = max(4, int(c["capacity"] * rng.uniform(0.6, 1.0)))
        people = rng.sample(pool, min(len(pool), size + (rng.randint(0, 4) if c["end"] >= today
                                                         else 0)))
        joined = dt.datetime.combine(c["start"] - dt.timedelta(days=14), dt.time(8))
        for n, member_id in enumerate(people):
            rows.append({"klass": c["id"], "member": member_id, "is_demo": True,
                         "status": "enrolled" if n < c["capacity"] else "waitlisted",
                         "by_member": rng.random() < 0.3,
                         "created_at": joined + dt.timedelta(minutes=n)})
    if demo_member is not None:
        ended = [c for c in classes if c["end"] < today - dt.timedelta(days=30)]
        running = [c for c in classes if c["start"] <= today <= c["end"]]
        coming = [c for c in classes if c["start"] > today]
        taken = {(r["klass"], r["member"]) for r in rows}
        for group, status in ((ended[-1:], "enrolled"), (running[:1], "enrolled"),
                              (coming[:1], "waitlisted")):
            for c in group:
                if (c["id"], demo_member.id) not in taken:
                    rows.append({"klass": c["id"], "member": demo_member.id, "status": status,
                                 "is_demo": True, "created_at": dt.datetime.combine(
                                     c["start"] - dt.timedelta(days=3), dt.time(9))})
    _insert(Enrolment, rows)


def _history(rng, classes, today, demo_member=None) -> None:
    """Attendance of every past session (some registers of the last week not
    taken yet), units, assessments, completions and certificates."""
    now = utcnow()
    by_class = {c["id"]: c for c in classes}
    enrolled: dict[int, list] = {}
    for e in Enrolment.select(Enrolment.id, Enrolment.klass, Enrolment.member).where(
            Enrolment.status == "enrolled"):
        enrolled.setdefault(e.klass_id, []).append(e)
    keen = {e.id: 0.97 if demo_member and e.member_id == demo_member.id else rng.uniform(0.6, 0.99)
            for rows in enrolled.values() for e in rows}
    bulk = BulkInsert(Attendance)
    marks, taken = [], []
    for s in ClassSession.select(ClassSession.id, ClassSession.klass, ClassSession.starts_at).where(
            ClassSession.starts_at < now):
        if s.starts_at > now - dt.timedelta(days=5) and rng.random() < 0.3:
            continue                             # a register still to take
        trainer = by_class[s.klass_id]["trainers"][0]
        taken.append((s.id, s.starts_at + dt.timedelta(minutes=20)))
        for e in enrolled.get(s.klass_id, ()):
            roll = rng.random()
            status = ("present" if roll < keen[e.id] * 0.9 else "late" if roll < keen[e.id]
                      else "excused" if roll < keen[e.id] + 0.04 else "absent")
            marks.append(bulk.row({"session": s.id, "enrolment": e.id, "status": status,
                                   "marked_at": s.starts_at + dt.timedelta(minutes=20),
                                   "marked_by": trainer}))
    bulk.run(marks)
    for start in range(0, len(taken), CHUNK):
        chunk = taken[start:start + CHUNK]
        ClassSession.update(register_taken_at=Case(ClassSession.id, chunk)).where(
            ClassSession.id.in_([i for i, _at in chunk])).execute()
    _outcomes(rng, classes, enrolled, keen, today)


def _outcomes(rng, classes, enrolled, keen, today) -> None:
    from app.education.progress import evaluate_many
    units = {}
    for u in CourseUnit.select(CourseUnit.id, CourseUnit.course):
        units.setdefault(u.course_id, []).append(u.id)
    done_rows = []
    for c in classes:
        if c["start"] > today:
            continue
        share = min(1.0, (today - c["start"]).days / max(1, (c["end"] - c["start"]).days))
        course_units = units.get(c["course"], [])
        for e in enrolled.get(c["id"], ()):
            count = int(len(course_units) * share * min(1.0, keen[e.id] + 0.15))
            for unit_id in course_units[:count]:
                done_rows.append({"enrolment": e.id, "unit": unit_id, "done_by": c["trainers"][0],
                                  "done_at": dt.datetime.combine(c["start"], dt.time(12))})
    _insert(UnitDone, done_rows)
    ended = [c for c in classes if c["end"] < today]
    ended_ids = [c["id"] for c in ended]
    by_class = {c["id"]: c for c in classes}
    for class_id in ended_ids:
        rows = list(Enrolment.select(Enrolment, TrainingClass, Course).join(TrainingClass)
                    .join(Course).where((Enrolment.klass == class_id)
                                        & (Enrolment.status == "enrolled")))
        for e in rows:
            if e.klass.course.assessment == "pass_fail":
                e.assessment_result = "pass" if keen[e.id] > 0.6 else "fail"
            elif e.klass.course.assessment == "score":
                e.assessment_score = min(100, int(keen[e.id] * 90 + rng.randint(-10, 15)))
                e.assessment_result = "pass" if e.assessment_score >= 50 else "fail"
        evaluations = evaluate_many(rows)
        c = by_class[class_id]
        finished = dt.datetime.combine(c["end"] + dt.timedelta(days=2), dt.time(9))
        for e in rows:
            if rng.random() < 0.05:
                status, completed_on = "withdrawn", None
            elif evaluations[e.id].meets_rules:
                status, completed_on = "completed", c["end"] + dt.timedelta(days=2)
            else:
                status, completed_on = "did_not_complete", None
            Enrolment.update(status=status, completed_on=completed_on, ended_at=finished,
                             confirmed_by=c["trainers"][0] if completed_on else None,
                             assessment_result=e.assessment_result,
                             assessment_score=e.assessment_score).where(
                Enrolment.id == e.id).execute()
    _certificates()


def _certificates() -> None:
    rows, codes = [], set()
    for e in (Enrolment.select(Enrolment, Member, TrainingClass, Course)
              .join(Member).switch(Enrolment).join(TrainingClass).join(Course)
              .where(Enrolment.status == "completed")):
        code = certificates.new_code()
        while code in codes:
            code = certificates.new_code()
        codes.add(code)
        language = e.member.language if e.member.language in ("en", "sw") else "sw"
        rows.append({"enrolment": e.id, "code": code, "language": language,
                     "title": e.klass.course.title(language),
                     "initials": certificates.initials_of(e.member),
                     "completed_on": e.completed_on, "issued_by": e.confirmed_by_id,
                     "issued_at": dt.datetime.combine(e.completed_on, dt.time(10))})
    _insert(Certificate, rows)


def _study_space(rng, pool, demo_member, today) -> None:
    resources = []
    for name_en, name_sw, kind, capacity in D.STUDY_PLACES:
        resource = StudyResource.create(name_en=name_en, name_sw=name_sw, kind=kind,
                                        capacity=capacity, slot_minutes=120)
        _insert(StudySeat, [{"resource": resource.id, "number": n} for n in range(1, capacity + 1)])
        _insert(StudyHours, [{"resource": resource.id, "weekday": d, "opens": dt.time(9),
                              "closes": dt.time(17) if d < 5 else dt.time(13)} for d in range(6)])
        resources.append(resource)
    now = utcnow()
    holidays = timetable.holidays_between(today - dt.timedelta(days=60), today + dt.timedelta(days=14))
    regulars = rng.sample(pool, min(len(pool), 120))
    rows = []
    for resource in resources:
        hours = {h.weekday: h for h in StudyHours.select().where(StudyHours.resource == resource)}
        seats = [s.id for s in StudySeat.select().where(StudySeat.resource == resource)
                 .order_by(StudySeat.number)]
        for offset in range(-56, 8):
            day = today + dt.timedelta(days=offset)
            for start, end in slot_times(resource, day, hours, holidays):
                people = rng.sample(regulars, rng.randint(0, min(len(seats), len(regulars))))
                for seat, member_id in zip(seats, people):
                    past = start < now
                    rows.append({"resource": resource.id, "seat": seat, "member": member_id,
                                 "starts_at": start, "ends_at": end, "is_demo": True,
                                 "checked_in_at": start + dt.timedelta(minutes=rng.randint(0, 30))
                                 if past and rng.random() < 0.8 else None,
                                 "created_at": start - dt.timedelta(days=2)})
    if demo_member is not None:
        rows += _demo_member_bookings(resources[0], demo_member, rows, today, holidays)
    _insert(StudyBooking, rows)


def _demo_member_bookings(resource, member, rows, today, holidays) -> list[dict]:
    """The demo member has the study room's first free place in the next
    two open slots from tomorrow."""
    hours = {h.weekday: h for h in StudyHours.select().where(StudyHours.resource == resource)}
    seats = [s.id for s in StudySeat.select().where(StudySeat.resource == resource)
             .order_by(StudySeat.number)]
    taken = {(r["seat"], r["starts_at"]) for r in rows}
    mine = []
    for offset in range(1, 8):
        for start, end in slot_times(resource, today + dt.timedelta(days=offset), hours, holidays):
            seat = next((s for s in seats if (s, start) not in taken), None)
            if seat is not None and len(mine) < 2:
                mine.append({"resource": resource.id, "seat": seat, "member": member.id,
                             "starts_at": start, "ends_at": end, "is_demo": True})
    return mine


def _opportunities(rng, pool, coordinator, today) -> None:
    for title, provider, kind, amount, deadline_days, documents in D.OPPORTUNITIES:
        opportunity = Opportunity.create(
            title=title, provider=provider, kind=kind, amount_cents=amount,
            deadline=today + dt.timedelta(days=deadline_days) if deadline_days is not None else None,
            eligibility=D.ELIGIBILITY, how_to_apply=D.HOW_TO_APPLY,
            documents_mask=mask_of(documents, DOCUMENTS), created_by=coordinator, is_demo=True)
        rows = []
        for member_id in rng.sample(pool, min(len(pool), rng.randint(3, 9))):
            closed = deadline_days is not None and deadline_days < 0
            status = rng.choice(["applied", "shortlisted", "awarded", "not_awarded", "withdrawn"]
                                if closed else ["interested", "preparing", "preparing", "applied"])
            ready = [d for d in documents if rng.random() < (0.9 if status != "interested" else 0.3)]
            rows.append({"opportunity": opportunity.id, "member": member_id, "status": status,
                         "documents_mask": mask_of(ready, DOCUMENTS),
                         "awarded_cents": (amount or 0) if status == "awarded" else None,
                         "updated_by": coordinator.id if coordinator else None,
                         "updated_at": dt.datetime.combine(today - dt.timedelta(
                             days=rng.randint(1, 60)), dt.time(10))})
        _insert(Application, rows)


def _formal(rng, pool, today) -> None:
    people = rng.sample(pool, min(len(pool), max(10, len(pool) // 12)))
    profiles, formal = [], []
    for member_id in people:
        level = rng.choice(["primary", "primary", "secondary", "secondary", "certificate",
                            "diploma", "none"])
        profiles.append({"member": member_id, "highest_level": level})
        if rng.random() < 0.35:
            institution, programme, next_level = rng.choice(D.INSTITUTIONS)
            started = today - dt.timedelta(days=rng.randint(30, 700))
            formal.append({"member": member_id, "institution": institution,
                           "programme": programme, "level": next_level,
                           "year_of_study": rng.randint(1, 3), "started_on": started,
                           "expected_completion": started + dt.timedelta(days=rng.choice(
                               [365, 730, 1095]))})
    _insert(EducationProfile, profiles)
    _insert(FormalEnrolment, formal)
    results, fees = [], []
    for f in FormalEnrolment.select(FormalEnrolment.id, FormalEnrolment.level):
        for term in ("Term 1 2026", "Term 2 2026"):
            grade = rng.choice(["B", "C+", "B-", "A-"]) if f.level == "secondary" else ""
            results.append({"formal": f.id, "term": term, "result_text": rng.choice(D.RESULTS),
                            "grade_scale": "kcse" if grade else "none", "grade": grade})
            fee = rng.choice([1500000, 2200000, 3500000, 4800000])
            fees.append({"formal": f.id, "term": term, "fee_cents": fee,
                         "support_cents": rng.choice([0, fee // 2, fee]),
                         "paid_on": today - dt.timedelta(days=rng.randint(10, 200))})
    _insert(TermResult, results)
    _insert(FeeRecord, fees)


def _placements(rng, today) -> None:
    """Work after a completed employment or entrepreneurship course, with
    the follow-ups answered up to a few weeks ago (some still due)."""
    areas = [a.id for a in ProgrammeArea.select().where(
        ProgrammeArea.key.in_(("employment", "entrepreneurship")))]
    done = list(Enrolment.select(Enrolment.member, Enrolment.completed_on, TrainingClass.course)
                .join(TrainingClass).join(Course)
                .where((Enrolment.status == "completed") & Course.area.in_(areas)).tuples())
    now = utcnow()
    follow_ups, referrals = [], []
    for member_id, completed_on, course_id in done:
        if rng.random() < 0.3:
            referrals.append({"member": member_id, "kind": rng.choice(
                ["business", "consultancy", "employer"]), "to_name": rng.choice(D.EMPLOYERS),
                "referred_on": completed_on + dt.timedelta(days=rng.randint(1, 20)),
                "purpose": rng.choice(D.REFERRAL_PURPOSES), "is_demo": True,
                "outcome": rng.choice(["pending", "taken_up", "taken_up", "declined"])})
        if rng.random() > 0.45:
            continue
        kind = rng.choice(["formal", "informal", "self_employed", "self_employed", "internship"])
        start = completed_on + dt.timedelta(days=rng.randint(7, 90))
        if start > today:
            continue
        placement = Placement.create(
            member=member_id, kind=kind, employer="" if kind == "self_employed"
            else rng.choice(D.EMPLOYERS), role=rng.choice(D.ROLES), start_date=start,
            income_band=rng.choice(["under_5k", "5k_10k", "5k_10k", "10k_20k", "20k_40k"]),
            course=course_id, is_demo=True)
        working = True
        for months in (3, 6, 12):
            due = add_months(start, months)
            answered = working and due <= today - dt.timedelta(days=rng.randint(0, 40))
            still = rng.random() < 0.8 if answered else None
            follow_ups.append({"placement": placement.id, "months": months, "due_on": due,
                               "answered_at": now if answered else None,
                               "still_working": still, "closed": not working})
            if answered and not still:
                working = False
                Placement.update(ended_on=due).where(Placement.id == placement.id).execute()
    _insert(FollowUp, follow_ups)
    _insert(Referral, referrals)
