"""The API: token auth, health, the caller, invitations and institutions, OpenAPI."""

import pytest
from django.utils import timezone

from tilgang.accounts import services
from tilgang.institutions.models import Institution


@pytest.fixture
def api_client(client):
    def for_user(user):
        _token, raw = services.api_token_create(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return for_user


def test_health_is_public(client, db):
    response = client.get("/api/v1/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_without_a_token_the_api_says_401(client, db):
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_revoked_or_expired_tokens_do_not_work(client, make_user):
    user = make_user()
    token, raw = services.api_token_create(user=user, name="t", days=1)
    services.api_token_revoke(user=user, token_id=token.pk)
    assert client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    _token, raw = services.api_token_create(user=user, name="t2", days=1)
    import time_machine

    with time_machine.travel(timezone.now() + timezone.timedelta(days=2)):
        assert (
            client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
        )


def test_me_returns_the_caller(api_client, make_user):
    user = make_user("applicant", email="me@example.org")
    body = api_client(user).get("/api/v1/accounts/me").json()
    assert body["email"] == "me@example.org" and body["roles"] == ["applicant"]


def test_browser_session_does_not_reach_the_api(client_for, make_user):
    # The API needs no CSRF protection because only tokens authenticate it.
    user = make_user()
    assert client_for(user).get("/api/v1/accounts/me").status_code == 401


def test_staff_invite_through_the_api(api_client, make_user, mailoutbox, django_capture_on_commit_callbacks):
    officer = make_user("case_officer")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(officer).post(
            "/api/v1/accounts/invitations/create",
            {"email": "api.person@example.org", "full_name": "Api Person", "language": "en"},
            content_type="application/json",
        )
    assert response.status_code == 201
    assert mailoutbox[0].to == ["api.person@example.org"]


def test_case_officer_cannot_invite_staff_through_the_api(api_client, make_user):
    officer = make_user("case_officer", language="en")
    response = api_client(officer).post(
        "/api/v1/accounts/invitations/create",
        {"email": "x@example.org", "full_name": "X", "roles": ["administrator"]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "administrator" in response.json()["detail"]


def test_malformed_organisation_number_is_explained(api_client, make_user):
    admin = make_user("administrator", language="en")
    response = api_client(admin).post(
        "/api/v1/institutions/create",
        {"name": "Feil AS", "orgnr": "971035855"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "check digit" in response.json()["detail"]
    assert not Institution.objects.exists()


def test_administrator_creates_an_institution(api_client, make_user):
    admin = make_user("administrator")
    response = api_client(admin).post(
        "/api/v1/institutions/create",
        {"name": "Universitetet i Oslo", "orgnr": "971 035 854", "kind": "research_nfr"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["orgnr"] == "971035854"


def test_openapi_documents_every_operation(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/health", "/api/v1/accounts/me", "/api/v1/institutions/create"} <= set(schema["paths"])
    assert "BearerToken" in str(schema) or "bearer" in str(schema).lower()


def test_api_messages_follow_the_users_language(api_client, make_user):
    admin = make_user("administrator", language="nn")
    response = api_client(admin).post(
        "/api/v1/institutions/create",
        {"name": "Feil AS", "orgnr": "971035855"},
        content_type="application/json",
    )
    assert "ikkje" in response.json()["detail"]
