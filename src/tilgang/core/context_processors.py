from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tilgang.core.navigation import NAV_ITEMS, has_any_role, register_nav, signed_in, staff

register_nav("core:home", _("Front page"), lambda user: True, order=0)
register_nav("accounts:profile", _("My account"), signed_in, order=90)
register_nav("audit:trail", _("Audit trail"), staff, order=80)
register_nav("accounts:invite", _("Invite"), staff, order=70)
register_nav(
    "institutions:list",
    _("Institutions"),
    has_any_role("administrator", "legal_reviewer", "case_officer", "head_of_section"),
    order=60,
)


def _nav_items(request) -> list[dict]:
    items = []
    for item in sorted(NAV_ITEMS, key=lambda item: item.order):
        if item.visible(request.user):
            url = reverse(item.url_name)
            current = request.path == url or (url != "/" and request.path.startswith(url))
            items.append({"url": url, "label": item.label, "current": current})
    return items


def portal(request) -> dict:
    return {
        "nav_items": _nav_items(request),
        "demo_mode": not settings.PRODUCTION,
        # Each language named in itself, so a reader finds their own.
        "portal_languages": settings.LANGUAGES,
    }
