"""SMS backends: a small interface with an outbox for the demo and an HTTP gateway for production."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway did not accept the message."""


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str) -> None: ...


class OutboxSmsBackend:
    def send(self, *, to: str, text: str) -> None:
        from tilgang.notify.models import OutboxMessage

        OutboxMessage.objects.create(channel=OutboxMessage.Channel.SMS, recipient=to, body=text)


class HttpGatewaySmsBackend:
    """POSTs JSON {"to", "from", "text"} with a bearer token; any 2xx is success.

    The text is never logged: it may carry a one-time password (DOMAIN R-FX-3)."""

    def send(self, *, to: str, text: str) -> None:
        if not settings.SMS_GATEWAY_URL:
            raise SmsError("no SMS gateway is configured (TILGANG_SMS_GATEWAY_URL)")
        body = json.dumps({"to": to, "from": settings.SMS_SENDER, "text": text}).encode()
        request = urllib.request.Request(  # noqa: S310 (the URL is operator configuration)
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise SmsError(f"gateway answered {response.status}")
        except (urllib.error.URLError, TimeoutError) as error:
            raise SmsError(f"gateway unreachable: {type(error).__name__}") from error


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
