"""The offer, the agreement to be signed and the non-disclosure declaration as PDF, in the applicant's
language, rendered with WeasyPrint from templates. The agreement's bytes are what a signature covers."""

from __future__ import annotations

import hashlib

from django.template.loader import render_to_string
from django.utils import translation

from tilgang.offers.models import Offer, OfferKind
from tilgang.offers.pricing import format_nok, format_quantity


def _lines(offer: Offer, language: str) -> list[dict]:
    return [
        {
            "label": line.label,
            "quantity": format_quantity(line.quantity, language),
            "unit": line.get_unit_display(),
            "unit_price": format_nok(line.unit_price, language),
            "amount": format_nok(line.amount, language),
        }
        for line in offer.lines.all()
    ]


def offer_html(offer: Offer, *, agreement: bool = False) -> str:
    language = offer.language
    with translation.override(language):
        application = offer.application
        decision = application.decisions.filter(kind="access").first()
        return render_to_string(
            "offers/offer_document.html",
            {
                "offer": offer,
                "application": application,
                "decision": decision,
                "lines": _lines(offer, language),
                "subtotal": format_nok(offer.subtotal, language),
                "vat": format_nok(offer.vat, language),
                "total": format_nok(offer.total, language),
                "vat_percent": format_quantity(offer.tariff.vat_percent, language),
                "agreement": agreement,
                "change": offer.kind == OfferKind.CHANGE,
                "members": application.members.filter(removed_at__isnull=True),
                "language": language,
            },
        )


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def offer_pdf(offer: Offer, *, agreement: bool = False) -> bytes:
    return html_to_pdf(offer_html(offer, agreement=agreement))


def declaration_pdf(offer: Offer, member) -> bytes:
    language = (member.user.language if member.user else None) or offer.language
    with translation.override(language):
        html = render_to_string(
            "offers/declaration_document.html",
            {"offer": offer, "application": offer.application, "member": member, "language": language},
        )
    return html_to_pdf(html)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
