"""Working time of the information service: the clock behind every service level.

Open hours are Monday–Friday 09–15 in Europe/Oslo, Norwegian public holidays excluded
(DOMAIN R-INFO-1). A request received outside open hours is received at the next opening. A due
time of "N working days" is the close of open hours on the N-th working day after the day the clock
starts, so "the same day or within two working days" is due at 15:00 two working days later.

Pure functions over aware datetimes; no database, no Django settings.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

OSLO = ZoneInfo("Europe/Oslo")
OPENS = time(9, 0)
CLOSES = time(15, 0)
OPEN_SECONDS_PER_DAY = (CLOSES.hour - OPENS.hour) * 3600
# How much working time before the due time the queue starts warning: half a working day.
WARN_BEFORE_SECONDS = OPEN_SECONDS_PER_DAY // 2

# DOMAIN R-INFO-1: simple questions the same day or within two working days.
INQUIRY_WORKING_DAYS = 2
# DOMAIN R-INFO-4: questions about the reporting obligation, the same day or within two working days.
RESPONDENT_WORKING_DAYS = 2
# DOMAIN R-INFO-3: innsyn normally the same or next day, at the latest within five working days.
INNSYN_WORKING_DAYS = 5


class ClockState(StrEnum):
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ANSWERED_IN_TIME = "answered_in_time"
    ANSWERED_LATE = "answered_late"


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Norway(years=year).keys())


def is_holiday(day: date) -> bool:
    return day in _holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """``count`` working days after ``day`` (``day`` itself when ``count`` is 0 and it is one)."""
    if count < 0:
        raise ValueError("count must not be negative")
    if count == 0 and not is_working_day(day):
        return next_working_day(day)
    for _ in range(count):
        day = next_working_day(day)
    return day


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=OSLO)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the service-level clock needs aware datetimes")
    return moment.astimezone(OSLO)


def is_open(moment: datetime) -> bool:
    local = _local(moment)
    return is_working_day(local.date()) and OPENS <= local.time() < CLOSES


def clock_start(received: datetime) -> datetime:
    """When the clock starts: ``received`` if the service is open then, else its next opening."""
    local = _local(received)
    if is_working_day(local.date()):
        if local.time() < OPENS:
            return _at(local.date(), OPENS)
        if local.time() < CLOSES:
            return local
    return _at(next_working_day(local.date()), OPENS)


def due_at(received: datetime, working_days: int) -> datetime:
    """Close of open hours on the ``working_days``-th working day after the clock starts."""
    start = clock_start(received)
    return _at(add_working_days(start.date(), working_days), CLOSES)


def working_seconds_between(start: datetime, end: datetime) -> int:
    """Open-hours seconds between two moments (negative when ``end`` is before ``start``)."""
    if end < start:
        return -working_seconds_between(end, start)
    first, last = _local(start), _local(end)
    total = 0
    day = first.date()
    while day <= last.date():
        if is_working_day(day):
            window_start = max(_at(day, OPENS), first)
            window_end = min(_at(day, CLOSES), last)
            if window_end > window_start:
                total += int((window_end - window_start).total_seconds())
        day += timedelta(days=1)
    return total


def clock_state(*, due: datetime, now: datetime, answered: datetime | None = None) -> ClockState:
    """Where a request stands against its due time; warns half a working day before it passes."""
    if answered is not None:
        return ClockState.ANSWERED_IN_TIME if answered <= due else ClockState.ANSWERED_LATE
    if now > due:
        return ClockState.OVERDUE
    if working_seconds_between(now, due) <= WARN_BEFORE_SECONDS:
        return ClockState.DUE_SOON
    return ClockState.OK
