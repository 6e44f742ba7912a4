"""Who may use which route: the one place where access to every URL and API route is decided.

Every named route in the URL conf must have an entry in ``ROUTE_ACCESS``; ``RouteAccessMiddleware``
refuses any route that has none, and ``tests/core/test_role_matrix.py`` walks the URL conf so a
new route cannot appear without a decision. Object-level rules (is this my application?) live in
the services and selectors of each app, on top of this.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tilgang.core.roles import STAFF_ROLES, Role


@dataclass(frozen=True)
class Access:
    """``public``: anyone; otherwise a signed-in user, restricted to ``roles`` when given."""

    public: bool = False
    staff: bool = False  # any staff role
    roles: frozenset[str] = frozenset()
    demo_only: bool = False  # exists only in demo mode (the visible outbox)

    def allows(self, user) -> bool:
        if self.public:
            return True
        if not getattr(user, "is_authenticated", False):
            return False
        if self.staff and not user.is_staff_member:
            return False
        if self.roles and not (user.role_set & self.roles):
            return False
        return True


PUBLIC = Access(public=True)
SIGNED_IN = Access()
STAFF = Access(staff=True)


def only(*roles: Iterable[str] | str) -> Access:
    flat: set[str] = set()
    for role in roles:
        flat.update([role] if isinstance(role, str) else role)
    return Access(roles=frozenset(flat))


ADMIN = only(Role.ADMINISTRATOR)
ANY_STAFF_ROLE = only(STAFF_ROLES)

# Route name -> access. API routes are named "api:<operation>".
ROUTE_ACCESS: dict[str, Access] = {}


def register(access_by_route: dict[str, Access]) -> None:
    """Each app's ``urls.py`` registers its routes here, next to their definition."""
    for name, access in access_by_route.items():
        if name in ROUTE_ACCESS and ROUTE_ACCESS[name] != access:
            raise ValueError(f"route {name} registered twice with different access")
        ROUTE_ACCESS[name] = access


def access_for(route_name: str | None) -> Access | None:
    if route_name is None:
        return None
    return ROUTE_ACCESS.get(route_name)
