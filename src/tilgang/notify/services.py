"""Sending messages in the recipient's language. Templates live in notify/templates/notify/."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tilgang.notify.models import SmsDelivery
from tilgang.notify.sms import SmsError, get_sms_backend

logger = logging.getLogger(__name__)

SMS_ATTEMPTS = 3


def email_send(*, to: str, template: str, context: dict, language: str) -> None:
    """Render ``notify/email/<template>.txt`` (first line: subject) in ``language`` and send it
    once the current transaction commits, so a rolled-back change sends nothing."""
    with translation.override(language):
        rendered = render_to_string(
            f"notify/email/{template}.txt", {**context, "site_url": settings.SITE_URL}
        ).strip()
    subject, _, body = rendered.partition("\n")
    message = EmailMessage(subject=subject.strip(), body=body.strip() + "\n", to=[to])
    transaction.on_commit(message.send)


def sms_send(*, to: str, text: str, purpose: str) -> SmsDelivery:
    """Send an SMS now, retrying a failing gateway; the delivery row records the outcome.

    Raises SmsError after the last attempt so the caller can tell the case officer."""
    delivery = SmsDelivery.objects.create(recipient=to, purpose=purpose)
    backend = get_sms_backend()
    last_error = ""
    for attempt in range(1, SMS_ATTEMPTS + 1):
        delivery.attempts = attempt
        try:
            backend.send(to=to, text=text)
        except SmsError as error:
            last_error = str(error)
            logger.warning("SMS for %s failed on attempt %d: %s", purpose, attempt, error)
            continue
        delivery.status, delivery.sent_at = "sent", timezone.now()
        delivery.save()
        return delivery
    delivery.status, delivery.last_error = "failed", last_error[:300]
    delivery.save()
    raise SmsError(last_error)
