"""Counselling pages, one file per section of the module:

- bookings.py      staff: slot finder, a counsellor's week, booking, moving,
                   cancelling and marking an appointment
- notes.py         confidential session notes and supervision
- agenda.py        a counsellor's day and week; tomorrow's reminder list
- availability.py  weekly availability and time away; booking rules and
                   public holidays (settings)
- groups.py        group sessions: planning, sign-ups, register, cancelling
- me.py            the member's own appointments and group sessions
- feeds.py         private calendar addresses (iCalendar)

Each view parses its input, calls a service (which owns the transaction)
and renders, or redirects with 303. All share the blueprint `bp`.
"""
from app.counselling.views import (  # noqa: F401  (registers the routes)
    agenda, availability, bookings, feeds, groups, me, notes)
