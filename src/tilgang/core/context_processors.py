from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from tilgang.core.roles import Role


def _nav_items(request) -> list[dict]:
    user = request.user
    items = [(reverse("core:home"), _("Front page"))]
    if user.is_authenticated:
        items.append((reverse("accounts:profile"), _("My account")))
        if user.is_staff_member:
            items.append((reverse("audit:trail"), _("Audit trail")))
        if user.has_role(Role.ADMINISTRATOR):
            items.append((reverse("accounts:invite"), _("Invite")))
            items.append((reverse("institutions:list"), _("Institutions")))
    path = request.path
    return [{"url": url, "label": label, "current": path == url} for url, label in items]


def portal(request) -> dict:
    return {
        "nav_items": _nav_items(request),
        "demo_mode": not settings.PRODUCTION,
        # Each language named in itself, so a reader finds their own.
        "portal_languages": settings.LANGUAGES,
    }
