"""Shared fixtures: users with roles, signed-in clients, and settings fit for tests."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import pytest

from tilgang.accounts.middleware import SESSION_MFA_OK, SESSION_REAUTH_AT

PASSWORD = "a long enough test passphrase"  # noqa: S105
_counter = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite tests run on a database file (in /dev/shm where there is one), not Django's shared in-memory
    database: there the live server's threads share the test's one connection, so two browser pages'
    requests interleave their transactions. With a file each thread has its own connection and they lock
    one another as in production."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        shm = Path("/dev/shm")
        folder = Path(tempfile.mkdtemp(prefix="tilgang-test-", dir=shm if shm.is_dir() else None))
        database.setdefault("TEST", {})["NAME"] = str(folder / "test.sqlite3")
        yield
        shutil.rmtree(folder, ignore_errors=True)
    else:
        yield


@pytest.fixture(autouse=True)
def _english_outside_requests():
    # Services called directly speak the active language; tests read their messages in English.
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "tilgang.notify.sms.OutboxSmsBackend"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture
def make_user(db):
    from tilgang.accounts.models import RoleGrant, User

    def make(*roles: str, email: str | None = None, password: str = PASSWORD, **fields) -> User:
        number = next(_counter)
        user = User.objects.create_user(
            email=email or f"user{number}@example.org",
            password=password,
            full_name=fields.pop("full_name", f"Test Person {number}"),
            # Tests read messages in English unless they ask for a Norwegian-speaking user.
            language=fields.pop("language", "en"),
            **fields,
        )
        for role in roles:
            RoleGrant.objects.create(user=user, role=role)
        return user

    return make


@pytest.fixture
def client_for(client):
    """A test client signed in as ``user``, past the second factor and freshly re-authenticated."""
    import time

    from django.test import Client

    def signed_in(user) -> Client:
        new_client = Client()
        new_client.force_login(user)
        session = new_client.session
        session[SESSION_MFA_OK] = True
        session[SESSION_REAUTH_AT] = int(time.time())
        session.save()
        return new_client

    return signed_in


@pytest.fixture
def outbox(db):
    """Messages in the demo outbox (e-mail sent through the outbox backend, and SMS)."""
    from tilgang.notify.models import OutboxMessage

    def messages(channel: str | None = None, recipient: str | None = None):
        query = OutboxMessage.objects.order_by("created_at", "pk")
        if channel:
            query = query.filter(channel=channel)
        if recipient:
            query = query.filter(recipient=recipient)
        return list(query)

    return messages
