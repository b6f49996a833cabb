"""The centre's work plan (shared/seeds/000_*): five objectives, their goals
and key activities, which indicators say they serve. Numbered as in the
plan: objective 1-5, goal 1-3, activity 1-2."""
from __future__ import annotations

from app.i18n import lazy_gettext as _l

OBJECTIVES = {
    1: _l("A culture that prioritises safeguarding and the well-being of the Azadi community"),
    2: _l("Equip survivor leaders with the skills and competencies to become self-sufficient"),
    3: _l("Build a community of survivor leaders who impact change in society"),
    4: _l("A platform that recognises and hones survivor leaders' expertise to educate society"),
    5: _l("An inclusive organisation that prioritises evidence and holds itself accountable"),
}
GOALS = {
    (1, 1): _l("Set up systems around mental health support and training"),
    (1, 2): _l("Build a strong community of survivors"),
    (2, 1): _l("Support survivors in achieving gainful employment"),
    (2, 2): _l("Support survivors in becoming entrepreneurs"),
    (2, 3): _l("Support survivors in furthering their education"),
    (3, 1): _l("Develop the capacity of survivor leaders to engage meaningfully"),
    (3, 2): _l("Engage survivors in community outreach"),
    (3, 3): _l("Encourage movement building and advocacy"),
    (4, 1): _l("Conduct inclusive and holistic research"),
    (4, 2): _l("Develop and share learnings"),
    (5, 1): _l("Organisational structures built on survivor inclusion and staff well-being"),
    (5, 2): _l("An organised, structured base built on standardised practices and evidence"),
    (5, 3): _l("Reach financial sustainability"),
}
ACTIVITIES = {
    (1, 1, 1): _l("Mental health trainings"),
    (1, 1, 2): _l("Mental health support"),
    (1, 2, 1): _l("Peer-to-peer support"),
    (1, 2, 2): _l("Recruitment and induction of new members"),
    (2, 1, 1): _l("Development of skills for employment"),
    (2, 1, 2): _l("Connecting them with businesses and consultancies"),
    (2, 2, 1): _l("Economic justice and entrepreneurship training, microloans"),
    (2, 2, 2): _l("Promoting survivor-led businesses"),
    (2, 3, 1): _l("A physical space to further formal education at their own pace"),
    (2, 3, 2): _l("Support in finding scholarships and education opportunities"),
    (3, 1, 1): _l("Survivor leadership training"),
    (3, 1, 2): _l("Mentorship"),
    (3, 2, 1): _l("Community outreach programme and ethical storytelling"),
    (3, 2, 2): _l("Create and strengthen partnerships in the community"),
    (3, 3, 1): _l("Policy and advocacy work"),
    (3, 3, 2): _l("Active citizenry training"),
    (4, 1, 1): _l("Survivor-led and participatory research"),
    (4, 1, 2): _l("Share the research to improve learning across actors"),
    (4, 2, 1): _l("Development of curriculum"),
    (4, 2, 2): _l("Documentation of learning"),
    (5, 1, 1): _l("Survivor leadership within the organisation"),
    (5, 1, 2): _l("Self-care and capacity development of staff"),
    (5, 2, 1): _l("A standardised and inclusive data management system"),
    (5, 2, 2): _l("Evidence-based programming"),
    (5, 3, 1): _l("Diversification of funding"),
}


def goal_label(objective: int, goal: int) -> str:
    return str(GOALS.get((objective, goal), ""))


def activity_label(objective: int, goal: int, activity: int | None) -> str:
    return str(ACTIVITIES.get((objective, goal, activity), "")) if activity else ""


def goals_of(objective: int) -> list[int]:
    return [g for (o, g) in GOALS if o == objective]


def activities_of(objective: int, goal: int) -> list[int]:
    return [a for (o, g, a) in ACTIVITIES if (o, g) == (objective, goal)]


def reference(objective: int, goal: int, activity: int | None = None) -> str:
    """"O1 G2 A1": the short form used in tables."""
    return f"O{objective} G{goal}" + (f" A{activity}" if activity else "")
