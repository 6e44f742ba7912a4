"""Invitation → ask for a password → e-mailed link → set password → sign in (DOMAIN R-FX-1)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tilgang.accounts import services
from tilgang.accounts.models import Invitation, User
from tilgang.audit.models import AuditEvent

GOOD_PASSWORD = "correct horse battery staple 2026"


def _link(message_body: str, kind: str) -> str:
    match = re.search(rf"https?://\S+(/konto/{kind}/[^/\s]+/)", message_body)
    assert match, message_body
    return match.group(1)


@pytest.fixture
def invited(db, make_user, django_capture_on_commit_callbacks, mailoutbox):
    admin = make_user("administrator")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            invited_by=admin, email="Kari.Nordmann@Example.org", full_name="Kari Nordmann", language="nn"
        )
    return mailoutbox


def test_R_FX_1_invitation_to_password_to_sign_in(invited, client, django_capture_on_commit_callbacks):
    invitation_mail = invited[0]
    assert invitation_mail.to == ["kari.nordmann@example.org"]
    link = _link(invitation_mail.body, "invitasjon")
    assert client.get(link).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link, {"language": "nn"})
    assert response.status_code == 200
    user = User.objects.get(email="kari.nordmann@example.org")
    assert not user.has_usable_password()  # nobody but the person sets it
    assert user.language == "nn"

    password_link = _link(invited[1].body, "passord")
    response = client.post(password_link, {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    assert response.status_code == 302
    response = client.post(
        reverse("accounts:login"), {"email": "KARI.NORDMANN@example.org", "password": GOOD_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "accounts.invitation.created",
        "accounts.invitation.accepted",
        "accounts.password.set",
        "accounts.user.signed_in",
    } <= actions


def test_invitation_email_is_in_the_invited_persons_language(invited):
    assert "invitert" in invited[0].body.lower() or "invitasjon" in invited[0].subject.lower()


def test_reused_invitation_link_is_refused(invited, client, django_capture_on_commit_callbacks):
    link = _link(invited[0].body, "invitasjon")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    response = client.get(link)
    assert response.status_code == 410
    assert (
        "already been used" in response.content.decode()
        or "allereie" in response.content.decode()
        or "allerede" in response.content.decode()
    )


def test_expired_invitation_link_is_refused(invited, client):
    link = _link(invited[0].body, "invitasjon")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(link)
    assert response.status_code == 410
    assert not User.objects.filter(email="kari.nordmann@example.org").exists()


def test_password_link_works_once(invited, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_link(invited[0].body, "invitasjon"))
    link = _link(invited[1].body, "passord")
    client.post(link, {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    response = client.post(link, {"password": GOOD_PASSWORD + "x", "password_again": GOOD_PASSWORD + "x"})
    assert response.status_code == 410


def test_expired_password_link_is_refused(invited, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_link(invited[0].body, "invitasjon"))
    link = _link(invited[1].body, "passord")
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        response = client.post(link, {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD})
    assert response.status_code == 410


def test_weak_password_is_refused_with_a_reason(invited, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_link(invited[0].body, "invitasjon"))
    link = _link(invited[1].body, "passord")
    response = client.post(
        link, {"password": "short", "password_again": "short"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "at least 15 characters" in response.content.decode()
    assert not User.objects.get(email="kari.nordmann@example.org").has_usable_password()


def test_no_secret_in_emails_beyond_the_one_time_link(invited, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_link(invited[0].body, "invitasjon"))
    for message in invited:
        assert GOOD_PASSWORD not in message.body
        links = re.findall(r"https?://\S+", message.body)
        assert len(links) == 1


def test_forgotten_password_answers_the_same_for_unknown_addresses(
    client, make_user, mailoutbox, django_capture_on_commit_callbacks
):
    make_user(email="known@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("accounts:password_forgotten"), {"email": "known@example.org"})
        unknown = client.post(reverse("accounts:password_forgotten"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert [m.to for m in mailoutbox] == [["known@example.org"]]


def test_only_administrators_invite_staff(make_user):
    officer = make_user("case_officer")
    with pytest.raises(services.AccountError):
        services.invitation_create(
            invited_by=officer, email="new@example.org", full_name="New", roles=["legal_reviewer"]
        )
    assert not Invitation.objects.exists()


def test_existing_account_cannot_be_invited_again(make_user):
    admin = make_user("administrator")
    make_user(email="taken@example.org")
    with pytest.raises(services.AccountError, match="already has an account"):
        services.invitation_create(invited_by=admin, email="taken@example.org", full_name="Taken")
