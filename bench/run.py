"""Run every ``bench/bench_*.py`` script in turn and print their JSON lines (``make bench``).

    uv run python bench/run.py                 # every benchmark with its default (small) scale
    uv run python bench/run.py extract synth   # only bench_extract.py and bench_synth.py

Each script runs in its own process with its defaults; its JSON lines pass through unchanged and
its other output goes to stderr. A script that fails is reported as a JSON line with "error" and
the run goes on; the exit status is non-zero when any failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts(selected: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if selected:
        found = [p for p in found if p.stem.removeprefix("bench_") in selected]
    return found


def main(argv: list[str]) -> int:
    failed = 0
    for script in scripts(argv):
        start = time.perf_counter()
        proc = subprocess.run(  # noqa: S603 - our own scripts, run with this interpreter
            [sys.executable, str(script)], capture_output=True, text=True, cwd=HERE.parent
        )
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                print(line, flush=True)
            else:
                print(line, file=sys.stderr)
        if proc.returncode != 0:
            failed += 1
            sys.stderr.write(proc.stderr)
            tail = proc.stderr.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
            print(
                json.dumps(
                    {
                        "name": script.stem,
                        "error": tail[0],
                        "seconds": round(time.perf_counter() - start, 2),
                    }
                ),
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
