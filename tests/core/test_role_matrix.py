"""Every route of the portal and the API is in the role matrix, and the matrix is what is enforced.

The test walks the URL conf, so a new route without an access decision fails here."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tilgang.accounts.services import api_token_create
from tilgang.core.permissions import ROUTE_ACCESS, Access
from tilgang.core.roles import STAFF_ROLES, Role


def _walk(resolver: URLResolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, inner)
        elif isinstance(entry, URLPattern):
            yield entry, f"{namespace}{entry.name}" if entry.name else None


ROUTES = [(pattern, name) for pattern, name in _walk(get_resolver())]
NAMED = sorted({name for _, name in ROUTES if name})
# Static files are served by WhiteNoise before routing; nothing else may be unnamed.
PLACEHOLDERS = {
    "int": 999999,
    "str": "no-such-thing",
    "slug": "no-such-thing",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "path": "x",
}


def test_every_route_is_named():
    unnamed = [str(pattern.pattern) for pattern, name in ROUTES if not name]
    assert unnamed == []


def test_every_route_has_an_access_decision():
    assert [name for name in NAMED if name not in ROUTE_ACCESS] == []


def test_no_decision_without_a_route():
    assert sorted(set(ROUTE_ACCESS) - set(NAMED)) == []


def _url(name: str) -> str:
    pattern = next(p for p, n in ROUTES if n == name)
    kwargs = {}
    for param, converter in re.findall(r"<(?:(\w+):)?(\w+)>", str(pattern.pattern)):
        kwargs[converter] = PLACEHOLDERS[param or "str"]
    return reverse(name, kwargs=kwargs)


PERSONAS = {
    "anonymous": (),
    "external": (),
    **{str(role): (role,) for role in Role},
}


def _expected(access: Access, persona: str, roles) -> bool:
    if access.public:
        return True
    if persona == "anonymous":
        return False
    if access.staff and not set(roles) & STAFF_ROLES:
        return False
    return not (access.roles and not set(roles) & access.roles)


@pytest.mark.parametrize("name", NAMED)
def test_route_enforces_its_access(name, make_user, client_for, client):
    access = ROUTE_ACCESS[name]
    url = _url(name)
    is_api = url.startswith("/api/")
    for persona, roles in PERSONAS.items():
        if persona == "anonymous":
            response = client.get(url)
        else:
            user = make_user(*roles)
            if is_api:
                _token, raw = api_token_create(user=user, name="matrix")
                response = client.get(url, headers={"Authorization": f"Bearer {raw}"})
            else:
                response = client_for(user).get(url)
        allowed = _expected(access, persona, roles)
        # A public page may send someone without the right session state (a pending sign-in) to log in.
        refused = response.status_code in (401, 403) or (
            not access.public
            and response.status_code == 302
            and response.headers.get("Location", "").startswith(reverse("accounts:login"))
        )
        assert refused != allowed, f"{name} as {persona}: HTTP {response.status_code}"


def test_anonymous_users_get_the_login_page_not_data(client, make_user):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:login"))


def test_no_two_routes_share_a_path():
    # The access check resolves a path to one route name; a path shared by two operations
    # (GET list and POST create) would be checked against the first one's access.
    paths = [_url(name) for name in NAMED]
    assert len(paths) == len(set(paths))
