"""Reads of the information service: the queue, the journal search and the management figures."""

from __future__ import annotations

import csv
import io
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from tilgang.accounts.models import Language, User
from tilgang.core.roles import Role
from tilgang.inquiries import service_level
from tilgang.inquiries.models import (
    OPEN_STATUSES,
    InnsynRequest,
    Inquiry,
    InquiryStatus,
    JournalEntry,
    ReplyTemplate,
    Topic,
)


def inquiries_visible_to(user: User) -> QuerySet[Inquiry]:
    """The information service sees every inquiry; a section member those forwarded to the section."""
    inquiries = Inquiry.objects.select_related("section", "survey")
    if user.has_role(Role.INFORMATION_SERVICE):
        return inquiries
    return inquiries.filter(section__members=user)


def clock_state(obj: Inquiry | InnsynRequest, now: datetime | None = None) -> service_level.ClockState:
    answered = (
        obj.answered_at
        if not isinstance(obj, Inquiry) or obj.status != InquiryStatus.CLOSED
        else obj.closed_at
    )
    return service_level.clock_state(due=obj.due_at, now=now or timezone.now(), answered=answered)


# --- standard answers (DOMAIN R-INFO-2) -----------------------------------------------------------


@dataclass(frozen=True)
class StandardAnswer:
    """The language versions (``ReplyTemplate``) that share a key: one standard answer."""

    key: str
    topic: str
    versions: dict[str, ReplyTemplate]

    @property
    def retired(self) -> bool:
        return all(version.retired_at is not None for version in self.versions.values())

    @property
    def title(self) -> str:
        """The title in the first language present, bokmål before nynorsk before English."""
        return next(self.versions[code].title for code in Language.values if code in self.versions)

    @property
    def topic_label(self) -> str:
        return str(Topic(self.topic).label) if self.topic in Topic.values else self.topic

    @property
    def languages(self) -> list[tuple[str, str, bool]]:
        """(code, name, present) for every written standard, in a fixed order."""
        return [(code, str(label), code in self.versions) for code, label in Language.choices]

    @property
    def missing(self) -> list[str]:
        return [code for code in Language.values if code not in self.versions]

    @property
    def missing_names(self) -> str:
        return ", ".join(str(label) for code, label in Language.choices if code not in self.versions)

    @property
    def changed_at(self) -> datetime:
        return max(version.updated_at for version in self.versions.values())


def standard_answers(*, key: str | None = None) -> list[StandardAnswer]:
    """Every standard answer with its versions, by topic (in the order of ``Topic``) and key."""
    templates = ReplyTemplate.objects.order_by("key", "language")
    if key is not None:
        templates = templates.filter(key=key)
    grouped: dict[str, dict[str, ReplyTemplate]] = defaultdict(dict)
    for template in templates:
        grouped[template.key][template.language] = template
    answers = [
        StandardAnswer(
            key=group_key,
            # One topic for all versions; should they ever differ, the most recently changed one wins.
            topic=max(versions.values(), key=lambda version: version.updated_at).topic,
            versions=versions,
        )
        for group_key, versions in grouped.items()
    ]
    order = {code: index for index, code in enumerate(Topic.values)}
    return sorted(answers, key=lambda answer: (order.get(answer.topic, len(order)), answer.key))


def standard_answers_by_topic(answers: list[StandardAnswer]) -> list[tuple[str, list[StandardAnswer]]]:
    """(topic name, answers) in the order of ``Topic``, leaving out topics without answers."""
    groups: dict[str, list[StandardAnswer]] = defaultdict(list)
    for answer in answers:
        groups[answer.topic_label].append(answer)
    return list(groups.items())


def reply_templates_offered(language: str) -> QuerySet[ReplyTemplate]:
    """The standard answers offered when answering in ``language``: retired ones are not."""
    return ReplyTemplate.objects.filter(language=language, retired_at__isnull=True)


def standard_answers_missing(language: str) -> list[StandardAnswer]:
    """Standard answers in use that have no version in ``language`` (DOMAIN R-INFO-2)."""
    return [answer for answer in standard_answers() if not answer.retired and language not in answer.versions]


# --- the public journal ---------------------------------------------------------------------------


def journal_search(
    *,
    query: str = "",
    doc_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    today: date | None = None,
) -> QuerySet[JournalEntry]:
    """Search what the public sees. Personal names match only in entries journaled within the last
    12 months; screened names and exempt content never match (they are not in the searched text)."""
    entries = JournalEntry.objects.all()
    today = today or timezone.localdate()
    name_cutoff = today - timedelta(days=365)
    for word in query.split()[:8]:
        by_case = Q()
        if "/" in word:
            by_case = Q(pk__in=_case_matches(word))
        entries = entries.filter(
            Q(search_text__icontains=word)
            | (Q(search_names__icontains=word) & Q(journal_date__gte=name_cutoff))
            | by_case
        )
    if doc_type:
        entries = entries.filter(doc_type=doc_type)
    if date_from:
        entries = entries.filter(journal_date__gte=date_from)
    if date_to:
        entries = entries.filter(journal_date__lte=date_to)
    return entries


def _case_matches(word: str) -> list[int]:
    from tilgang.inquiries.services import InquiryError, parse_case_number

    try:
        year, sequence, document = parse_case_number(word)
    except InquiryError:
        return []
    entries = JournalEntry.objects.filter(case_year=year, case_sequence=sequence)
    if document is not None:
        entries = entries.filter(document_number=document)
    return list(entries.values_list("pk", flat=True))


# --- figures for management -----------------------------------------------------------------------


@dataclass(frozen=True)
class WeekFigures:
    year: int
    week: int
    monday: date
    answered: int
    in_time: int
    median_hours: float | None  # working hours from receipt to answer

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def share(self) -> float | None:
        return self.in_time / self.answered if self.answered else None


@dataclass(frozen=True)
class SectionBacklog:
    section: str  # "" for the information service itself
    open: int
    overdue: int


@dataclass(frozen=True)
class Figures:
    weeks: list[WeekFigures]
    median_hours: float | None
    backlog: list[SectionBacklog]


def _hours(inquiry: Inquiry) -> float:
    assert inquiry.answered_at is not None
    return service_level.working_seconds_between(inquiry.received_at, inquiry.answered_at) / 3600


def inquiry_figures(*, weeks: int = 12, now: datetime | None = None) -> Figures:
    """Answered within the service level per ISO week (of the answer), the median working hours from
    receipt to answer, and the open backlog by section."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    start = timezone.make_aware(datetime.combine(first_monday, datetime.min.time()))
    answered = Inquiry.objects.filter(answered_at__gte=start, answered_at__lte=now)
    by_week: dict[date, list[Inquiry]] = defaultdict(list)
    for inquiry in answered:
        assert inquiry.answered_at is not None
        local = timezone.localdate(inquiry.answered_at)
        by_week[local - timedelta(days=local.weekday())].append(inquiry)
    rows = []
    all_hours: list[float] = []
    for offset in range(weeks):
        monday = first_monday + timedelta(weeks=offset)
        items = by_week.get(monday, [])
        hours = [_hours(item) for item in items]
        all_hours.extend(hours)
        iso = monday.isocalendar()
        rows.append(
            WeekFigures(
                year=iso.year,
                week=iso.week,
                monday=monday,
                answered=len(items),
                in_time=sum(1 for item in items if item.answered_at and item.answered_at <= item.due_at),
                median_hours=round(statistics.median(hours), 1) if hours else None,
            )
        )
    backlog_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for inquiry in Inquiry.objects.filter(status__in=OPEN_STATUSES).select_related("section"):
        key = inquiry.section.name if inquiry.section_id and inquiry.section else ""
        backlog_counts[key][0] += 1
        if inquiry.due_at < now:
            backlog_counts[key][1] += 1
    backlog = [SectionBacklog(name, counts[0], counts[1]) for name, counts in sorted(backlog_counts.items())]
    median = round(statistics.median(all_hours), 1) if all_hours else None
    return Figures(weeks=rows, median_hours=median, backlog=backlog)


def figures_csv(figures: Figures, *, section_label: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["week", "monday", "answered", "answered_in_time", "share_in_time", "median_working_hours"]
    )
    for row in figures.weeks:
        writer.writerow(
            [
                row.label,
                row.monday.isoformat(),
                row.answered,
                row.in_time,
                f"{row.share:.3f}" if row.share is not None else "",
                row.median_hours if row.median_hours is not None else "",
            ]
        )
    writer.writerow([])
    writer.writerow(["section", "open", "overdue"])
    for item in figures.backlog:
        writer.writerow([item.section or section_label, item.open, item.overdue])
    return out.getvalue()


@dataclass(frozen=True)
class Bar:
    x: int
    label: str
    answered: int
    in_time: int
    y_total: int
    h_total: int
    y_in_time: int
    h_in_time: int


CHART_HEIGHT = 160
CHART_BAR = 28
CHART_GAP = 12


def chart_bars(figures: Figures) -> tuple[list[Bar], int, int]:
    """Geometry of the server-rendered SVG bar chart: answered per week, the part in time inside."""
    top = max([row.answered for row in figures.weeks] + [1])
    bars = []
    for index, row in enumerate(figures.weeks):
        h_total = round(CHART_HEIGHT * row.answered / top)
        h_in_time = round(CHART_HEIGHT * row.in_time / top)
        bars.append(
            Bar(
                x=40 + index * (CHART_BAR + CHART_GAP),
                label=f"{row.week:02d}",
                answered=row.answered,
                in_time=row.in_time,
                y_total=10 + CHART_HEIGHT - h_total,
                h_total=h_total,
                y_in_time=10 + CHART_HEIGHT - h_in_time,
                h_in_time=h_in_time,
            )
        )
    width = 40 + len(bars) * (CHART_BAR + CHART_GAP) + 10
    return bars, width, top
