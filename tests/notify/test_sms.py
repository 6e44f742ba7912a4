"""SMS backends: the demo outbox, and the HTTP gateway with retries (text never logged)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tilgang.notify.models import OutboxMessage, SmsDelivery
from tilgang.notify.services import sms_send
from tilgang.notify.sms import SmsError


def test_outbox_backend_keeps_the_message(db):
    sms_send(to="+4791234567", text="Code 1234", purpose="test")
    assert OutboxMessage.objects.get(channel="sms").body == "Code 1234"
    assert SmsDelivery.objects.get().status == "sent"


@pytest.fixture
def gateway(settings):
    received, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append((self.headers["Authorization"], json.loads(self.rfile.read(length))))
            self.send_response(answers.pop(0) if answers else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "tilgang.notify.sms.HttpGatewaySmsBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_port}/send"
    settings.SMS_GATEWAY_TOKEN = "gateway-token"
    yield received, answers
    server.shutdown()


def test_gateway_receives_the_message(db, gateway):
    received, _ = gateway
    sms_send(to="+4791234567", text="Passord: abc", purpose="package_password")
    assert received == [
        ("Bearer gateway-token", {"to": "+4791234567", "from": "Mikrodata", "text": "Passord: abc"})
    ]


def test_failing_gateway_is_retried_then_reported(db, gateway, caplog):
    received, answers = gateway
    answers.extend([500, 500, 500])
    with pytest.raises(SmsError):
        sms_send(to="+4791234567", text="Passord: secret-value", purpose="package_password")
    delivery = SmsDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "secret-value" not in caplog.text


def test_gateway_recovers_on_a_retry(db, gateway):
    _, answers = gateway
    answers.append(503)
    sms_send(to="+4791234567", text="hello", purpose="test")
    assert SmsDelivery.objects.get().attempts == 2
