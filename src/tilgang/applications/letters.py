"""Decision letters (vedtak) as PDF, in the applicant's language, rendered with WeasyPrint."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from tilgang.applications.models import Decision


def decision_html(decision: Decision) -> str:
    with translation.override(decision.language):
        return render_to_string(
            "applications/decision_letter.html",
            {
                "decision": decision,
                "application": decision.application,
                "conditions": decision.condition_texts(),
            },
        )


def decision_pdf(decision: Decision) -> bytes:
    from weasyprint import HTML

    return HTML(string=decision_html(decision)).write_pdf()
