"""The working-time clock: open hours Mon–Fri 09–15 Europe/Oslo, Norwegian public holidays excluded
(DOMAIN R-INFO-1, R-INFO-3, R-INFO-4)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tilgang.inquiries import service_level as sl

OSLO = sl.OSLO


def at(y, m, d, h=10, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 11, 20), True),  # Friday
        (date(2026, 11, 21), False),  # Saturday
        (date(2026, 11, 22), False),  # Sunday
        (date(2026, 4, 2), False),  # Maundy Thursday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 6), False),  # Easter Monday
        (date(2026, 4, 7), True),
        (date(2026, 5, 1), False),  # Labour Day
        (date(2026, 5, 14), False),  # Ascension Day
        (date(2027, 5, 17), False),  # Constitution Day on a Monday
        (date(2026, 5, 25), False),  # Whit Monday
        (date(2026, 12, 24), True),  # Christmas Eve is not a public holiday
        (date(2026, 12, 25), False),
        (date(2026, 12, 26), False),
        (date(2027, 1, 1), False),
    ],
)
def test_working_days_follow_the_norwegian_calendar(day, working):
    assert sl.is_working_day(day) is working


def test_R_INFO_1_question_on_a_monday_morning_is_due_wednesday_at_three():
    assert sl.due_at(at(2026, 11, 16, 10), sl.INQUIRY_WORKING_DAYS) == at(2026, 11, 18, 15)


def test_R_INFO_1_question_on_friday_afternoon_after_closing_starts_on_monday():
    received = at(2026, 11, 20, 16, 30)
    assert sl.clock_start(received) == at(2026, 11, 23, 9)
    assert sl.due_at(received, 2) == at(2026, 11, 25, 15)


def test_R_INFO_1_question_at_the_weekend_is_due_two_working_days_after_monday():
    assert sl.due_at(at(2026, 11, 21, 12), 2) == at(2026, 11, 25, 15)
    assert sl.due_at(at(2026, 11, 22, 23, 59), 2) == at(2026, 11, 25, 15)


def test_question_before_opening_counts_from_the_same_day():
    received = at(2026, 11, 17, 7, 45)
    assert sl.clock_start(received) == at(2026, 11, 17, 9)
    assert sl.due_at(received, 2) == at(2026, 11, 19, 15)


def test_R_INFO_1_easter_is_skipped():
    # Wednesday before Easter 2026 (1 April): Thursday–Monday are holidays and weekend.
    assert sl.due_at(at(2026, 4, 1, 11), 2) == at(2026, 4, 8, 15)
    # Received on Good Friday: the clock starts on Tuesday after Easter.
    assert sl.clock_start(at(2026, 4, 3, 10)) == at(2026, 4, 7, 9)
    assert sl.due_at(at(2026, 4, 3, 10), 2) == at(2026, 4, 9, 15)


def test_R_INFO_1_17_may_is_skipped():
    # 17 May 2027 is a Monday; a question on Friday 14 May is due Wednesday 19 May.
    assert sl.due_at(at(2027, 5, 14, 10), 2) == at(2027, 5, 19, 15)
    # 2026: Ascension (14 May) and 17 May (a Sunday) in one stretch.
    assert sl.due_at(at(2026, 5, 13, 10), 2) == at(2026, 5, 18, 15)


def test_R_INFO_3_innsyn_is_due_within_five_working_days():
    assert sl.due_at(at(2026, 11, 16, 10), sl.INNSYN_WORKING_DAYS) == at(2026, 11, 23, 15)
    # Across Easter 2026: received Tuesday 31 March → 1, 7, 8, 9, 10 April.
    assert sl.due_at(at(2026, 3, 31, 10), sl.INNSYN_WORKING_DAYS) == at(2026, 4, 10, 15)
    # Across Ascension, 17 May and Whit Monday 2026.
    assert sl.due_at(at(2026, 5, 12, 10), 5) == at(2026, 5, 20, 15)


def test_R_INFO_4_respondent_questions_have_the_same_service_level():
    assert sl.RESPONDENT_WORKING_DAYS == sl.INQUIRY_WORKING_DAYS == 2


def test_due_time_is_right_across_the_summer_time_change():
    # Summer time starts Sunday 29 March 2026; the due time is 15:00 local, 13:00 UTC.
    due = sl.due_at(at(2026, 3, 27, 10), 2)
    assert due == at(2026, 3, 31, 15)
    assert due.astimezone(timezone.UTC).hour == 13


def test_utc_input_is_read_in_oslo_time():
    received = datetime(2026, 11, 16, 14, 30, tzinfo=timezone.UTC)  # 15:30 in Oslo: after closing
    assert sl.clock_start(received) == at(2026, 11, 17, 9)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        sl.due_at(datetime(2026, 11, 16, 10), 2)


def test_working_seconds_count_open_hours_only():
    assert sl.working_seconds_between(at(2026, 11, 20, 14), at(2026, 11, 23, 10)) == 2 * 3600
    assert sl.working_seconds_between(at(2026, 4, 1, 9), at(2026, 4, 7, 15)) == 12 * 3600
    assert sl.working_seconds_between(at(2026, 11, 23, 10), at(2026, 11, 20, 14)) == -2 * 3600


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (at(2026, 11, 16, 10), sl.ClockState.OK),
        (at(2026, 11, 18, 11, 59), sl.ClockState.OK),
        (at(2026, 11, 18, 12, 0), sl.ClockState.DUE_SOON),  # half a working day left
        (at(2026, 11, 18, 14, 59), sl.ClockState.DUE_SOON),
        (at(2026, 11, 18, 15, 1), sl.ClockState.OVERDUE),
    ],
)
def test_the_clock_warns_before_and_after_the_due_time(now, state):
    due = sl.due_at(at(2026, 11, 16, 10), 2)
    assert sl.clock_state(due=due, now=now) == state


def test_due_soon_counts_working_time_so_friday_evening_warns_for_monday_morning():
    due = at(2026, 11, 23, 15)  # Monday 15:00
    assert sl.clock_state(due=due, now=at(2026, 11, 20, 16)) == sl.ClockState.OK
    assert sl.clock_state(due=at(2026, 11, 23, 11), now=at(2026, 11, 20, 16)) == sl.ClockState.DUE_SOON


def test_answered_states():
    due = at(2026, 11, 18, 15)
    assert (
        sl.clock_state(due=due, now=at(2026, 12, 1), answered=at(2026, 11, 18, 14))
        == sl.ClockState.ANSWERED_IN_TIME
    )
    assert (
        sl.clock_state(due=due, now=at(2026, 12, 1), answered=at(2026, 11, 19, 9))
        == sl.ClockState.ANSWERED_LATE
    )


def test_with_a_travelling_clock_an_inquiry_becomes_overdue(ask, db):
    with time_machine.travel(at(2026, 4, 1, 11), tick=False) as traveller:
        inquiry = ask()
        assert inquiry.due_at == at(2026, 4, 8, 15)
        from tilgang.inquiries.selectors import clock_state

        traveller.move_to(at(2026, 4, 6, 12))  # Easter Monday: still on time
        assert clock_state(inquiry) == sl.ClockState.OK
        traveller.move_to(at(2026, 4, 8, 13))
        assert clock_state(inquiry) == sl.ClockState.DUE_SOON
        traveller.move_to(at(2026, 4, 8, 15) + timedelta(minutes=1))
        assert clock_state(inquiry) == sl.ClockState.OVERDUE


def test_add_working_days_refuses_negative_counts():
    with pytest.raises(ValueError):
        sl.add_working_days(date(2026, 1, 5), -1)
