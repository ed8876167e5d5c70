"""Small text helpers shared by every part of Kluis."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(wrong: str, candidates: Iterable[str]) -> str | None:
    """Return the candidate closest to ``wrong``, if one is close enough to suggest."""
    pool = sorted(set(candidates))
    matches = difflib.get_close_matches(wrong, pool, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    # A dotted id with one wrong segment: suggest the candidate sharing the longest prefix.
    if "." in wrong:
        head = wrong.rsplit(".", 1)[0]
        near = [c for c in pool if c.startswith(head + ".")]
        tail = wrong.rsplit(".", 1)[1]
        best = difflib.get_close_matches(tail, [c.rsplit(".", 1)[1] for c in near], n=1)
        if best:
            return f"{head}.{best[0]}"
    return None
