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
    items = [
        {"url": reverse(item.url_name), "label": item.label, "current": False}
        for item in sorted(NAV_ITEMS, key=lambda item: item.order)
        if item.visible(request.user)
    ]
    # One entry is the current page: the one whose address is the longest start of this page's
    # (/soknader/saksbehandling/ is "Case handling", not also "Applications" at /soknader/).
    matches = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(str(i["url"])))["current"] = True
    return items


def portal(request) -> dict:
    return {
        "nav_items": _nav_items(request),
        "demo_mode": not settings.PRODUCTION,
        # Each language named in itself, so a reader finds their own.
        "portal_languages": settings.LANGUAGES,
    }
