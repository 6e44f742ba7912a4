"""Reads of preparation: who sees which case, order and delivery; the figures for heads of section."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tilgang.accounts.models import User
from tilgang.applications.lifecycle import CaseRole, State
from tilgang.applications.models import Application
from tilgang.applications.services import case_roles
from tilgang.preparation.models import DataOrder, Delivery

OFFICE_STATES = (
    State.AGREEMENT_SIGNED, State.IN_PREPARATION, State.DELIVERED, State.ACTIVE, State.CHANGE_REQUESTED,
    State.CHANGE_AGREED, State.DELETION_DUE, State.DELETION_CONFIRMED,
)  # fmt: skip
OPEN_DELETION_STATES = (
    State.DELIVERED, State.ACTIVE, State.CHANGE_REQUESTED, State.CHANGE_AGREED, State.DELETION_DUE,
)  # fmt: skip


def office_roles(user: User, application: Application) -> frozenset[str]:
    return case_roles(user=user, application=application)


def is_officer(user: User, application: Application) -> bool:
    return CaseRole.CASE_OFFICER in office_roles(user, application)


def may_see_case(user: User, application: Application) -> bool:
    """The case officer, heads of section and the project (leader and members) see the preparation."""
    roles = office_roles(user, application)
    return bool(
        roles & {CaseRole.CASE_OFFICER, CaseRole.HEAD_OF_SECTION, CaseRole.APPLICANT, CaseRole.MEMBER}
    )


def worklist(user: User):
    """Cases of this case officer from a signed agreement to closing."""
    return (
        Application.objects.filter(case_officer=user, state__in=OFFICE_STATES)
        .select_related("applicant", "institution")
        .order_by("state", "-updated_at")
    )


def deliveries_for(user: User):
    """Deliveries to projects the user leads or is a member of."""
    mine = Q(order__application__applicant=user) | Q(
        order__application__members__user=user, order__application__members__removed_at__isnull=True
    )
    return Delivery.objects.filter(mine).select_related("order__application", "package").distinct()


def order_for(user: User, pk: int) -> DataOrder | None:
    order = DataOrder.objects.select_related("application").filter(pk=pk).first()
    if order is None or not may_see_case(user, order.application):
        return None
    return order


def delivery_for(user: User, pk: int) -> Delivery | None:
    delivery = Delivery.objects.select_related("order__application", "package", "job").filter(pk=pk).first()
    if delivery is None or not may_see_case(user, delivery.order.application):
        return None
    return delivery


# --- codebook for the check against the order --------------------------------------------------------


def codebook(delivery: Delivery, language: str) -> dict | None:
    """The delivered codebook in the reader's language (nb for bokmål and nynorsk, otherwise en)."""
    book = (delivery.job.result or {}).get("codebook")
    if not book:
        return None
    lang = "nb" if language.startswith("n") else "en"
    return {
        "persons": book.get("persons"),
        "population": book.get("population", {}).get(lang, ""),
        "tables": [
            {
                "name": table["name"],
                "rows": table["rows"],
                "description": table["description"].get(lang, ""),
                "columns": [
                    {
                        "name": c["name"],
                        "label": c["label"].get(lang, ""),
                        "type": c["type"],
                        "notes": c["notes"].get(lang, ""),
                    }
                    for c in table["columns"]
                ],  # fmt: skip
            }
            for table in book.get("tables", [])
        ],
        "not_delivered": book.get("not_delivered", []),
    }


# --- figures ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisclosureFigures:
    """The engine's disclosure report of an extraction or a dry run (``DisclosureReport`` as a dict)."""

    quasi_identifiers: list[str]
    k: int
    records: int
    groups: int
    unique_combinations: int
    smallest_group: int
    records_below_k: int
    share_below_k: float

    @property
    def percent_below_k(self) -> float:
        return self.share_below_k * 100

    @property
    def high_risk(self) -> bool:
        """Records in groups smaller than k: the data are not k-anonymous on the quasi-identifiers, so the
        case officer must assess the disclosure risk before delivering (DOMAIN R-DATA-6)."""
        return bool(self.quasi_identifiers) and self.records_below_k > 0


def disclosure_figures(report: object) -> DisclosureFigures | None:
    """The figures of a stored disclosure report; ``None`` for a report stored as text lines by an older
    version, which has no figures to read."""
    if not isinstance(report, dict):
        return None
    return DisclosureFigures(
        quasi_identifiers=[str(q) for q in report.get("quasi_identifiers") or []],
        k=int(report.get("k") or 0),
        records=int(report.get("records") or 0),
        groups=int(report.get("groups") or 0),
        unique_combinations=int(report.get("unique_combinations") or 0),
        smallest_group=int(report.get("smallest_group") or 0),
        records_below_k=int(report.get("records_below_k") or 0),
        share_below_k=float(report.get("share_below_k") or 0.0),
    )


@dataclass(frozen=True)
class ReleaseReview:
    """What the release review of an extraction really says. The engine's release guard checks the files
    (``passed``); the disclosure risk is the case officer's judgement, recorded when the data are delivered.
    ``state`` is one of ``stopped``, ``passed`` (no records below k), ``risk_unassessed`` (records below k,
    not delivered yet), ``risk_assessed`` (delivered after the officer's audited assessment) and
    ``risk_unrecorded`` (delivered without a recorded assessment)."""

    state: str
    assessed_by: User | None = None
    assessed_at: datetime | None = None

    @property
    def high_risk(self) -> bool:
        return self.state.startswith("risk_")


def release_review(result: dict | None, delivery: Delivery | None) -> ReleaseReview:
    from tilgang.audit.models import AuditEvent

    result = result or {}
    if not result.get("guard", {}).get("passed"):
        return ReleaseReview("stopped")
    figures = disclosure_figures(result.get("disclosure"))
    if not (figures and figures.high_risk):
        return ReleaseReview("passed")
    if delivery is None:
        return ReleaseReview("risk_unassessed")
    event = (
        AuditEvent.objects.filter(action="preparation.delivery.sent", object_id=str(delivery.pk))
        .order_by("-seq")
        .first()
    )
    if event is None or not event.payload.get("disclosure_risk_assessed"):
        return ReleaseReview("risk_unrecorded")
    return ReleaseReview("risk_assessed", assessed_by=event.actor, assessed_at=event.created_at)


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    # Nearest rank: the smallest value with at least ``share`` of the values at or below it.
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


@dataclass
class Duration:
    label: str
    short: str
    count: int
    median_days: float | None
    p90_days: float | None


@dataclass
class Metrics:
    generated_at: datetime
    by_state: list[tuple[str, str, int]] = field(default_factory=list)  # (code, label, count)
    durations: list[Duration] = field(default_factory=list)
    offers_accepted: int = 0
    offers_expired: int = 0
    offers_declined: int = 0
    deletions_overdue: int = 0
    inquiries_answered: int = 0
    inquiries_within: int = 0

    @property
    def inquiries_share(self) -> float | None:
        return self.inquiries_within / self.inquiries_answered if self.inquiries_answered else None


def _days(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() / 86400, 1)


def _duration(label: str, short: str, values: list[float]) -> Duration:
    return Duration(
        label=label,
        short=short,
        count=len(values),
        median_days=round(statistics.median(values), 1) if values else None,
        p90_days=_percentile(values, 0.9),
    )


def metrics(*, now: datetime | None = None) -> Metrics:
    from tilgang.inquiries.models import Inquiry
    from tilgang.offers.models import Offer, OfferKind, OfferStatus

    now = now or timezone.now()
    result = Metrics(generated_at=now)
    counts = dict(Application.objects.values_list("state").annotate(n=Count("pk")))
    result.by_state = [
        (code, str(label), counts.get(code, 0)) for code, label in State.choices if counts.get(code)
    ]
    # From the complete application (submitted, the last time if it was returned) to the first offer sent and to
    # the first delivery.
    first_offer = dict(
        Offer.objects.filter(kind=OfferKind.INITIAL, sent_at__isnull=False)
        .values_list("application")
        .annotate(first=Min("sent_at"))
    )
    to_offer, to_delivery = [], []
    for pk, submitted, delivered in Application.objects.filter(submitted_at__isnull=False).values_list(
        "pk", "submitted_at", "delivered_at"
    ):
        if (days := _days(submitted, first_offer.get(pk))) is not None:
            to_offer.append(days)
        if (days := _days(submitted, delivered)) is not None:
            to_delivery.append(days)
    result.durations = [
        _duration(_("Complete application to offer"), _("To offer"), to_offer),
        _duration(_("Complete application to delivery"), _("To delivery"), to_delivery),
    ]
    offers = dict(Offer.objects.filter(kind=OfferKind.INITIAL).values_list("status").annotate(n=Count("pk")))
    result.offers_accepted = offers.get(OfferStatus.ACCEPTED, 0)
    result.offers_expired = offers.get(OfferStatus.EXPIRED, 0)
    result.offers_declined = offers.get(OfferStatus.DECLINED, 0)
    # DOMAIN R-CASE-8: past the deadline without a confirmation.
    result.deletions_overdue = Application.objects.filter(
        state__in=OPEN_DELETION_STATES, deletion_due_at__lt=now, deletion_confirmed_at__isnull=True
    ).count()
    answered = Inquiry.objects.filter(answered_at__isnull=False)
    result.inquiries_answered = answered.count()
    result.inquiries_within = answered.filter(answered_at__lte=F("due_at")).count()
    return result


def metrics_csv(data: Metrics) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Figure"), _("Value"), _("Median (days)"), _("90th percentile (days)")])
    for _code, label, count in data.by_state:
        writer.writerow([_("Cases: %(state)s") % {"state": label}, count, "", ""])
    for duration in data.durations:
        writer.writerow([duration.label, duration.count, _fmt(duration.median_days), _fmt(duration.p90_days)])
    writer.writerow([_("Offers accepted"), data.offers_accepted, "", ""])
    writer.writerow([_("Offers expired"), data.offers_expired, "", ""])
    writer.writerow([_("Offers declined"), data.offers_declined, "", ""])
    writer.writerow([_("Deletions overdue"), data.deletions_overdue, "", ""])
    writer.writerow([_("Inquiries answered"), data.inquiries_answered, "", ""])
    writer.writerow([_("Inquiries answered within the service level"), data.inquiries_within, "", ""])
    return "\ufeff" + out.getvalue()


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@dataclass
class Bar:
    label: str
    value: float
    x: int
    width: int
    y: int
    text_y: int


def bars(items: list[tuple[str, float]], *, width: int = 520, row: int = 28) -> tuple[list[Bar], int]:
    """Horizontal bars for a server-rendered SVG (no JavaScript); returns the bars and the chart height."""
    top = max((value for _label, value in items), default=0) or 1
    label_width = 240
    drawn = []
    for index, (label, value) in enumerate(items):
        y = index * row + 4
        drawn.append(Bar(label=label, value=value, x=label_width, width=max(1, int((width - label_width - 60) * value / top)) if value else 0,
                         y=y, text_y=y + 16))  # fmt: skip
    return drawn, len(items) * row + 8


def deletion_overdue_cases(*, now: datetime | None = None):
    now = now or timezone.now()
    return Application.objects.filter(
        state__in=OPEN_DELETION_STATES,
        deletion_due_at__lt=now - timedelta(seconds=0),
        deletion_confirmed_at__isnull=True,
    )
