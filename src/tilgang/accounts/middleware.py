from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse

# Routes a staff member may use before the second factor is set up and verified.
MFA_EXEMPT_ROUTES = frozenset(
    {
        "accounts:totp_setup",
        "accounts:logout",
        "core:set_language",
        "core:health",
        "accounts:login",
        "accounts:totp_verify",
    }
)

SESSION_MFA_OK = "mfa_ok"
SESSION_REAUTH_AT = "reauth_at"


def session_mark_reauthenticated(request) -> None:
    request.session[SESSION_REAUTH_AT] = int(time.time())


def recently_authenticated(request) -> bool:
    at = request.session.get(SESSION_REAUTH_AT, 0)
    return time.time() - at < settings.REAUTH_VALID_MINUTES * 60


class ApiTokenMiddleware:
    """The API authenticates by personal token only (``Authorization: Bearer tlg_…``); a browser
    session never reaches the API, so the API needs no CSRF protection."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            from tilgang.accounts.services import api_token_user

            header = request.META.get("HTTP_AUTHORIZATION", "")
            user = None
            if header.startswith("Bearer "):
                user = api_token_user(header.removeprefix("Bearer ").strip())
            request.user = user or AnonymousUser()
            request._dont_enforce_csrf_checks = True
        return self.get_response(request)


class StaffMfaMiddleware:
    """Staff get nothing but the second-factor pages until their session has passed MFA."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if (
            settings.STAFF_MFA_REQUIRED
            and user.is_authenticated
            and not request.path.startswith("/api/")
            and user.is_staff_member
            and not request.session.get(SESSION_MFA_OK)
        ):
            match = request.resolver_match
            if match is None or match.view_name not in MFA_EXEMPT_ROUTES:
                return redirect(reverse("accounts:totp_setup"))
        return None
