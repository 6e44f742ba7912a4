"""Fixtures of the information service's tests: staff, a section, raw e-mails, committed calls."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from tilgang.inquiries import services
from tilgang.inquiries.models import Channel


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run ``fn`` and the on-commit work it queued (e-mail is sent on commit)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def info(make_user):
    return make_user("information_service", email="info@example.org", full_name="Ingrid Info", language="en")


@pytest.fixture
def section_member(make_user):
    return make_user(
        "case_officer", email="section.member@example.org", full_name="Sam Section", language="en"
    )


@pytest.fixture
def section(info, section_member):
    return services.section_create(
        actor=info,
        code="income",
        name="Income statistics",
        email="income@example.org",
        members=[section_member],
    )


@pytest.fixture
def ask(db, committed):
    def make(text="Where do I find the figures for income?", email="asker@example.org", **fields):
        fields.setdefault("channel", Channel.WEB)
        fields.setdefault("name", "Asker")
        return committed(services.inquiry_create, text=text, email=email, **fields)

    return make


def raw_mail(
    *,
    sender="Kari Nordmann <kari@example.org>",
    subject="Spørsmål om inntekt",
    text: str | None = "Hei, hvor finner jeg tallene?",
    html: str | None = None,
    attachments=(),
    headers=None,
) -> bytes:
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = "informasjon@tilgang.example"
    if subject is not None:
        message["Subject"] = subject
    for key, value in (headers or {}).items():
        message[key] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()
