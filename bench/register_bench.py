"""How long loading, checking and rendering take on the example registers.

Prints, per example, the median and worst of several runs (after one warm-up run, so that
catalogues and the taxonomy are loaded once as in a long-running process), plus the cold
first run, which is what a single `kluis register lint` call pays.

    .venv/bin/python bench/register_bench.py [--runs 5] [EXAMPLE ...]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from kluis.documents import DocumentFormat, render_notice, render_register
from kluis.register.checks.runner import run_checks
from kluis.register.loader import load_register

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _timed(action: Callable[[], object], runs: int) -> tuple[float, float, float]:
    start = time.perf_counter()
    action()
    cold = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return cold, statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples", nargs="*", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    paths = args.examples or sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    today = date(2026, 11, 22)
    print(f"{'example':<12} {'step':<16} {'cold ms':>9} {'median ms':>10} {'max ms':>8}")
    for path in paths:
        loaded = load_register(path)
        size = len(loaded.register.activities)
        language = loaded.register.organisation.first_language
        steps: list[tuple[str, Callable[[], object]]] = [
            ("load", lambda p=path: load_register(p)),
            ("lint", lambda r=loaded: run_checks(r, today=today)),
        ]
        for fmt in (DocumentFormat.html, DocumentFormat.pdf, DocumentFormat.xlsx):
            steps.append(
                (
                    f"register {fmt}",
                    lambda r=loaded, f=fmt, lang=language: render_register(
                        r, format=f, language=lang, today=today
                    ),
                )
            )
        steps.append(
            (
                "notice pdf",
                lambda r=loaded, lang=language: render_notice(
                    r, format=DocumentFormat.pdf, language=lang, today=today
                ),
            )
        )
        for name, action in steps:
            cold, median, worst = _timed(action, args.runs)
            print(
                f"{path.name:<12} {name:<16} {cold * 1000:9.1f} {median * 1000:10.1f} {worst * 1000:8.1f}"
            )
        print(f"{path.name:<12} ({size} activities)")


if __name__ == "__main__":
    main()
