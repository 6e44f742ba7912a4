"""Hooks each app may offer by convention, found by module name:

- ``<app>/demo.py`` with ``seed() -> None``: idempotent demo data, run by ``demo_seed`` in app order.
- ``<app>/sweeps.py`` with ``SWEEPS``: idempotent time-based work (deadlines, reminders, retention),
  each a function ``(now: datetime) -> int`` returning how many rows it acted on; run by
  ``tilgang manage sweep`` and, in the demo, every minute by the worker process.
- ``<app>/selectors.py`` with ``waiting_for(user) -> list[Task]``: what the user has to do next in that app,
  listed on the front page after sign-in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType

from django.apps import apps


def _app_modules(name: str) -> Iterator[ModuleType]:
    for config in apps.get_app_configs():
        if not config.name.startswith("tilgang."):
            continue
        try:
            yield importlib.import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.{name}":
                raise


def demo_seeders() -> list[Callable[[], None]]:
    return [module.seed for module in _app_modules("demo") if hasattr(module, "seed")]


def sweeps() -> list[Callable]:
    found: list[Callable] = []
    for module in _app_modules("sweeps"):
        found.extend(getattr(module, "SWEEPS", []))
    return found


@dataclass(frozen=True)
class Task:
    """Something waiting for the user: what to do, where, and by when (if there is a deadline)."""

    text: str
    url: str
    due: datetime | None = None


def tasks_for(user) -> list[Task]:
    found: list[Task] = []
    for module in _app_modules("selectors"):
        if hasattr(module, "waiting_for"):
            found.extend(module.waiting_for(user))
    # Deadlines first, nearest first; the rest in app order.
    return sorted(found, key=lambda task: (task.due is None, task.due or datetime.min))
