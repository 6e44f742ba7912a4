"""Benchmark catalog search: 1,000 variables, free text and facets, must answer under 100 ms.

    uv run python bench/bench_catalog.py [--variables 1000] [--repeat 30]

Prints one JSON line per measurement: name, seconds (median of the repeats), baseline_seconds,
ratio, peak_rss_mb, variables. The baseline is the database alone: one query with the same
text filter that returns the matching primary keys, without facets, ranking or objects.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

LIMIT_SECONDS = 0.100
QUERIES = [
    ("search_all", {}),
    ("search_text_en", {"q": "income"}),
    ("search_text_nb_two_words", {"q": "dato fødsel"}),
    ("search_facets", {"area": "TRYGD", "temporality": "EVENT", "sensitivity": "health"}),
    ("search_text_and_facet", {"q": "amount", "unit_type": "PERSON"}),
    ("search_no_hit", {"q": "zzzzzz"}),
]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _metadata_with(count: int, work: Path) -> Path:
    from tilgang.engine.metadata import Metadata
    from tilgang.engine.synth.generate import generate

    source = work / "source"
    generate(source, persons=100, seed=1)
    metadata = Metadata.load(source)
    variables = []
    copy = 0
    while len(variables) < count:
        for variable in metadata.variables:
            if len(variables) >= count:
                break
            suffix = f"_V{copy:02d}" if copy else ""
            variables.append(
                replace(
                    variable,
                    name=f"{variable.name[: 32 - len(suffix)]}{suffix}",
                    label_en=f"{variable.label_en} {copy}",
                )
            )
        copy += 1
    target = work / "bench"
    target.mkdir()
    data = asdict(replace(metadata, variables=tuple(variables)))
    (target / "metadata.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variables", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-catalog-"))
    os.environ["TILGANG_VAR_DIR"] = str(work / "var")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tilgang.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import translation

    call_command("migrate", verbosity=0)
    from tilgang.catalog.models import Variable
    from tilgang.catalog.selectors import search_terms, variable_search
    from tilgang.catalog.services import catalog_load

    catalog_load(actor=None, directory=_metadata_with(args.variables, work))
    count = Variable.objects.count()
    translation.activate("en")
    slow = False
    for name, params in QUERIES:
        variable_search(**params)  # warm up
        timings, baselines = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = variable_search(**params)
            [v.label for v in result.page(0, 25)]  # what a page renders
            timings.append(time.perf_counter() - start)
            start = time.perf_counter()
            query = Variable.objects.filter(withdrawn_at__isnull=True)
            for term in search_terms(params.get("q", "")):
                query = query.filter(search_text__contains=term)
            list(query.values_list("pk", flat=True))
            baselines.append(time.perf_counter() - start)
        seconds, baseline = statistics.median(timings), statistics.median(baselines)
        slow |= seconds > LIMIT_SECONDS
        print(
            json.dumps(
                {
                    "name": f"catalog_{name}",
                    "seconds": round(seconds, 5),
                    "baseline_seconds": round(baseline, 5),
                    "ratio": round(seconds / baseline, 2) if baseline else None,
                    "peak_rss_mb": round(peak_rss_mb(), 1),
                    "variables": count,
                    "hits": result.total,
                    "limit_seconds": LIMIT_SECONDS,
                }
            ),
            flush=True,
        )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
