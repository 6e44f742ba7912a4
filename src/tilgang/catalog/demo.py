"""Demo data: the catalog, loaded from the demo register directory ``var/registers``.

If that directory has no registers yet, a small set is generated there first with the engine's
synthetic register generator, so ``make demo`` always shows a populated catalog. Idempotent.
"""

from __future__ import annotations

from django.conf import settings

from tilgang.catalog.services import catalog_load

DEMO_PERSONS = 20_000
DEMO_SEED = 1


def seed() -> None:
    directory = settings.TILGANG_REGISTERS_DIR
    if not (directory / "metadata.json").is_file():
        from tilgang.engine.synth.generate import generate

        generate(directory, persons=DEMO_PERSONS, seed=DEMO_SEED)
    catalog_load(actor=None, directory=directory)
