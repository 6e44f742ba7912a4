"""Request-wide concerns: the user's language, the client address for audit events, and the
route access matrix (``tilgang.core.permissions``)."""

from __future__ import annotations

import contextvars
import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from tilgang.core.permissions import access_for

logger = logging.getLogger(__name__)

# The client address of the request being served; read by the audit chain.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    # Behind the production proxy the first X-Forwarded-For hop is the client.
    if settings.PRODUCTION:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


class UserLanguageMiddleware:
    """A signed-in user's preferred language wins over the browser's (it drives every message)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "language", None):
            if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        return None


class RequestContextMiddleware:
    """Enforces the route access matrix and records the client address for audit events."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        route = match.view_name if match else None
        access = access_for(route)
        is_api = request.path.startswith("/api/")
        if access is None:
            # A route nobody decided on is refused, never served (see the role matrix test).
            logger.error("route without an access decision refused: %s", route)
            raise Http404
        if access.demo_only and settings.PRODUCTION:
            raise Http404
        if access.allows(request.user):
            return None
        if not request.user.is_authenticated:
            if is_api:
                return JsonResponse({"detail": _("Authentication required.")}, status=401)
            return redirect_to_login(request.get_full_path())
        if is_api:
            return JsonResponse({"detail": _("You do not have access to this.")}, status=403)
        response = HttpResponse(status=403)
        from django.template.loader import render_to_string

        response.content = render_to_string("403.html", request=request)
        return response
