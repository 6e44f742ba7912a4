"""Time-based work of the information service, run by ``tilgang manage sweep``. Each is idempotent."""

from __future__ import annotations

from datetime import datetime

from tilgang.inquiries import services


def flag_overdue_inquiries(now: datetime) -> int:
    """DOMAIN R-INFO-1: flag inquiries past their due time."""
    return services.inquiries_flag_overdue(now=now)


def lapse_unanswered_innsyn(now: datetime) -> int:
    """DOMAIN R-INFO-3: a request unanswered after five working days counts as an appealable refusal."""
    return services.innsyn_lapse(now=now)


def remind_non_respondents(now: datetime) -> int:
    """DOMAIN R-INFO-4: reminders to those who have not reported by the deadline."""
    return services.survey_reminders_due(now)


def expire_searchable_names(now: datetime) -> int:
    """Personal names in the journal stop being searchable after 12 months."""
    return services.journal_names_expire(now=now)


def purge_old_rejections(now: datetime) -> int:
    """Rejected messages are kept 90 days for staff to review, then deleted."""
    return services.rejections_purge(now=now)


SWEEPS = [
    flag_overdue_inquiries,
    lapse_unanswered_innsyn,
    remind_non_respondents,
    expire_searchable_names,
    purge_old_rejections,
]
