"""E-mail goes out over a real SMTP conversation (aiosmtpd on loopback) in the recipient's language."""

import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from tilgang.accounts import services


class Collect(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    yield handler
    controller.stop()


def test_invitation_is_delivered_over_smtp(smtp_server, make_user, django_capture_on_commit_callbacks):
    admin = make_user("administrator")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            invited_by=admin, email="smtp.person@example.org", full_name="Smtp Person", language="en"
        )
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "smtp.person@example.org"
    assert message["Subject"] == "Invitation to the microdata service"
    body = message.get_payload(decode=True).decode()
    assert "/konto/invitasjon/" in body


def test_rolled_back_change_sends_nothing(smtp_server, make_user, django_capture_on_commit_callbacks):
    from django.db import transaction

    admin = make_user("administrator")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.invitation_create(invited_by=admin, email="x@example.org", full_name="X")
                raise RuntimeError("something later failed")
        except RuntimeError:
            pass
    assert smtp_server.messages == []
