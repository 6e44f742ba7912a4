"""Reads with object-level permission. DOMAIN R-CASE-3: an applicant, member or signatory sees an offer (and
its price) only once it has been sent, which needs the decision; drafts are for case staff only."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from tilgang.accounts.models import User
from tilgang.applications.lifecycle import State
from tilgang.applications.models import Application
from tilgang.applications.selectors import applications_visible_to, is_case_staff
from tilgang.core.registry import Task
from tilgang.offers.models import InvoiceBasis, Offer, OfferKind, OfferStatus, SignatureKind, Tariff

# Cases on which a case officer prepares an offer or a change agreement.
TO_OFFER = (State.ACCESS_GRANTED, State.OFFER_EXPIRED, State.CHANGE_REQUESTED)


def offers_visible_to(user: User) -> QuerySet[Offer]:
    base = Offer.objects.select_related("application", "application__applicant", "tariff", "signatory")
    if is_case_staff(user):
        return base
    mine = applications_visible_to(user).values("pk")
    return base.filter(application__in=mine).exclude(status__in=[OfferStatus.DRAFT, OfferStatus.WITHDRAWN])


def offer_for(user: User, pk: int) -> Offer | None:
    return offers_visible_to(user).filter(pk=pk).first()


def offers_of(user: User, application: Application) -> QuerySet[Offer]:
    return offers_visible_to(user).filter(application=application)


def cases_to_offer(user: User) -> QuerySet[Application]:
    """The case officer's cases that need an offer or a change agreement, and offers waiting for acceptance."""
    query = Application.objects.filter(
        state__in=[*TO_OFFER, State.OFFER_SENT, State.OFFER_ACCEPTED, State.CHANGE_AGREED]
    )
    if not user.has_role("head_of_section"):
        query = query.filter(case_officer=user)
    return query.select_related("institution", "applicant").order_by("updated_at")


def my_open_offers(user: User) -> QuerySet[Offer]:
    return offers_visible_to(user).filter(status=OfferStatus.SENT).order_by("due_at")


def tariffs() -> QuerySet[Tariff]:
    return Tariff.objects.prefetch_related("prices").order_by("-valid_from")


def invoices(*, exported: bool | None = None) -> QuerySet[InvoiceBasis]:
    query = InvoiceBasis.objects.select_related("application", "offer")
    if exported is not None:
        query = query.filter(exported_at__isnull=not exported)
    return query


def people_to_sign(offer: Offer) -> dict:
    """Who has signed what, for the offer page."""
    application = offer.application
    members = list(application.members.filter(removed_at__isnull=True))
    if offer.kind == "change" and offer.change_request_id:
        members = [
            m for m in members if m.change_request_id == offer.change_request_id or m.role == "signatory"
        ]
    return {
        "members": members,
        "unsigned": [m for m in members if m.declaration_signed_at is None],
        "agreement": offer.agreement_signature(),
    }


def waiting_for(user: User) -> list[Task]:
    """The front page's "Waiting for you": offers the applicant has to accept, and agreements the signatory
    has to sign, each with its deadline."""
    if is_case_staff(user):
        return []
    tasks = []
    open_offers = offers_visible_to(user).filter(status=OfferStatus.SENT)
    to_accept = open_offers.filter(
        kind=OfferKind.INITIAL, acceptance_given_at__isnull=True, application__applicant=user
    )
    for offer in to_accept.order_by("due_at"):
        tasks.append(
            Task(
                _("Accept the offer for “%(title)s”") % {"title": offer.application.title},
                reverse("offers:detail", args=[offer.pk]),
                offer.due_at,
            )
        )
    signed = Q(signatures__kind=SignatureKind.AGREEMENT, signatures__revoked_at__isnull=True)
    to_sign = (
        open_offers.filter(kind=OfferKind.INITIAL, acceptance_given_at__isnull=False)
        .filter(Q(signatory__user=user) | Q(signatory__user__isnull=True, signatory__email=user.email))
        .exclude(signed)
    )
    for offer in to_sign.order_by("due_at"):
        tasks.append(
            Task(
                _("Sign the agreement for “%(title)s”") % {"title": offer.application.title},
                reverse("offers:detail", args=[offer.pk]),
                offer.due_at,
            )
        )
    return tasks
