"""Free slots (pure): hypothesis proves the two invariants, plus worked
examples in Africa/Nairobi across day boundaries."""
import datetime as dt

from hypothesis import given, settings, strategies as st

from app.counselling.slots import (
    NAIROBI, Busy, Window, compute_slots, holiday_busy, to_local, to_utc, window_span)

BASE = dt.datetime(2026, 3, 2)          # a Monday (UTC)
COUNSELLORS = [1, 2]

times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
windows = st.builds(Window, st.sampled_from(COUNSELLORS), st.integers(0, 6), times, times,
                    st.sampled_from([30, 45, 50, 60]), st.sampled_from([0, 5, 10, 15]),
                    st.just("R1"))


@st.composite
def busy_items(draw):
    start = BASE + dt.timedelta(minutes=draw(st.integers(-24 * 60, 10 * 24 * 60)))
    length = dt.timedelta(minutes=draw(st.integers(5, 600)))
    is_booking = draw(st.booleans())
    who = draw(st.sampled_from(COUNSELLORS + [None])) if not is_booking else \
        draw(st.sampled_from(COUNSELLORS))
    return Busy(who, start, start + length, draw(st.sampled_from([0, 10, 20])) if is_booking
                else 0, is_booking)


def inside_some_window(slot, all_windows):
    for window in all_windows:
        if window.counsellor_id != slot.counsellor_id:
            continue
        for offset in (-1, 0, 1):
            day = to_local(slot.start).date() + dt.timedelta(days=offset)
            if day.weekday() != window.weekday:
                continue
            start, end = window_span(window, day)
            if start <= slot.start and slot.end <= end:
                return True
    return False


@settings(max_examples=200, deadline=None)
@given(st.lists(windows, min_size=1, max_size=6), st.lists(busy_items(), max_size=25),
       st.integers(0, 3 * 24 * 60), st.integers(0, 10 * 24 * 60))
def test_offered_slots_keep_both_invariants(all_windows, busy, skip, span):
    earliest = BASE + dt.timedelta(minutes=skip)
    latest = earliest + dt.timedelta(minutes=span)
    for slot in compute_slots(all_windows, busy, earliest, latest):
        assert earliest <= slot.start <= latest
        assert inside_some_window(slot, all_windows)
        for item in busy:
            if item.counsellor_id not in (None, slot.counsellor_id):
                continue
            gap = dt.timedelta(minutes=max(slot.buffer_minutes, item.buffer_minutes)) \
                if item.is_booking else dt.timedelta(0)
            assert slot.end + gap <= item.start or item.end + gap <= slot.start, (slot, item)


@settings(max_examples=100, deadline=None)
@given(st.lists(windows, min_size=1, max_size=4))
def test_nothing_busy_means_every_window_slot_is_offered(all_windows):
    earliest, latest = BASE, BASE + dt.timedelta(days=7)
    offered = compute_slots(all_windows, [], earliest, latest)
    assert offered == sorted(set(offered))
    for slot in offered:
        assert inside_some_window(slot, all_windows)


def test_slots_are_nairobi_wall_clock_times():
    window = Window(1, 0, dt.time(9), dt.time(11), 50, 10, "R1")   # Monday 09:00-11:00 EAT
    slots = compute_slots([window], [], BASE - dt.timedelta(days=1), BASE + dt.timedelta(days=1))
    assert [s.start for s in slots] == [dt.datetime(2026, 3, 2, 6, 0), dt.datetime(2026, 3, 2, 7, 0)]
    assert to_local(slots[0].start).hour == 9


def test_a_window_past_midnight_continues_on_the_next_local_day():
    window = Window(1, 6, dt.time(23), dt.time(1), 50, 10)        # Sunday 23:00 -> Monday 01:00
    slots = compute_slots([window], [], BASE - dt.timedelta(days=2), BASE + dt.timedelta(days=1))
    local = [to_local(s.start) for s in slots]
    assert [(t.date().isoformat(), t.strftime("%H:%M")) for t in local] == [
        ("2026-03-01", "23:00"), ("2026-03-02", "00:00")]
    # 00:00 EAT Monday is still Sunday 21:00 UTC
    assert slots[1].start == dt.datetime(2026, 3, 1, 21, 0)


def test_early_morning_local_slots_belong_to_the_previous_utc_day():
    window = Window(1, 1, dt.time(1), dt.time(2), 50, 10)          # Tuesday 01:00 EAT
    slots = compute_slots([window], [], BASE, BASE + dt.timedelta(days=2))
    assert slots[0].start == dt.datetime(2026, 3, 2, 22, 0)          # Monday 22:00 UTC


def test_a_holiday_blocks_its_whole_local_day_only():
    windows_ = [Window(1, d, dt.time(0), dt.time(23, 59), 60, 0) for d in range(7)]
    holiday = dt.date(2026, 3, 3)
    slots = compute_slots(windows_, holiday_busy([holiday]), BASE, BASE + dt.timedelta(days=3))
    days = {to_local(s.start).date() for s in slots}
    assert holiday not in days
    assert dt.date(2026, 3, 2) in days and dt.date(2026, 3, 4) in days


def test_a_booking_blocks_its_buffer_on_both_sides():
    window = Window(1, 0, dt.time(9), dt.time(13), 50, 10)
    booked = Busy(1, to_utc(dt.datetime(2026, 3, 2, 10, 5, tzinfo=NAIROBI)),
                  to_utc(dt.datetime(2026, 3, 2, 10, 55, tzinfo=NAIROBI)), 10, True)
    slots = compute_slots([window], [booked], BASE - dt.timedelta(days=1),
                          BASE + dt.timedelta(days=1))
    # 11:00 would start 5 minutes after the booking ends: inside its 10-minute buffer
    assert [to_local(s.start).strftime("%H:%M") for s in slots] == ["09:00", "12:00"]
