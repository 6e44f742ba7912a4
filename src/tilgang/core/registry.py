"""Hooks each app may offer by convention, found by module name:

- ``<app>/demo.py`` with ``seed() -> None``: idempotent demo data, run by ``demo_seed`` in app order.
- ``<app>/sweeps.py`` with ``SWEEPS``: idempotent time-based work (deadlines, reminders, retention),
  each a function ``(now: datetime) -> int`` returning how many rows it acted on; run by
  ``tilgang manage sweep`` and, in the demo, every minute by the worker process.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
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
