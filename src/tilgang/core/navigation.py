"""The main menu, assembled from what each app registers next to its routes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    visible: Callable[[Any], bool]  # user -> bool
    order: int = 50


NAV_ITEMS: list[NavItem] = []


def register_nav(
    url_name: str, label: str | Promise, visible: Callable[[Any], bool], order: int = 50
) -> None:
    if all(item.url_name != url_name for item in NAV_ITEMS):
        NAV_ITEMS.append(NavItem(url_name, label, visible, order))


def signed_in(user) -> bool:
    return user.is_authenticated


def staff(user) -> bool:
    return user.is_authenticated and user.is_staff_member


def has_any_role(*roles: str) -> Callable[[Any], bool]:
    return lambda user: user.is_authenticated and bool(user.role_set & set(roles))
