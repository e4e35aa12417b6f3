"""Ranking metrics for article routing: top-1, top-3, MRR, and where the right article sits when it misses.

An article counts as right when it is in the query's ``gold`` set (the articles whose ``intents`` contain the
query's category).

>>> rank_metrics([["a", "b"], ["b", "a"]], [{"a"}, {"a"}])["top3"]
1.0
"""

from __future__ import annotations

from collections.abc import Sequence


def gold_position(ids: Sequence[str], gold: set[str]) -> int | None:
    """0-based position of the first article of ``gold`` in ``ids``, or None where none appears.

    >>> gold_position(["a", "b", "c"], {"c", "z"}), gold_position(["a"], {"z"})
    (2, None)
    """
    return next((p for p, aid in enumerate(ids) if aid in gold), None)


MISS_BUCKETS = ("rank4", "rank5", "rank6_10", "beyond10")


def miss_bucket(position: int | None) -> str | None:
    """Where the right article sits when it misses the top 3 (one of :data:`MISS_BUCKETS`); None in the top 3.

    >>> [miss_bucket(p) for p in (0, 3, 4, 7, 10, None)]
    [None, 'rank4', 'rank5', 'rank6_10', 'beyond10', 'beyond10']
    """
    if position is None or position >= 10:
        return "beyond10"
    if position < 3:
        return None
    return {3: "rank4", 4: "rank5"}.get(position, "rank6_10")


def rank_metrics(ranked: Sequence[Sequence[str]], gold: Sequence[set[str]]) -> dict[str, float]:
    """top-1, top-3 accuracy and MRR: a ranking is right where an article in ``gold`` appears.

    Also counts where the right article sits when it misses the top 3 (:func:`miss_bucket`), which shows how far
    a top-3 target is.

    >>> m = rank_metrics([["a", "b"], ["c", "d", "e", "a"], ["c"]], [{"a"}, {"a"}, {"a"}])
    >>> m["top1"], m["rank4"], m["beyond10"]
    (0.3333333333333333, 1.0, 1.0)
    """
    top1 = top3 = rr = 0.0
    misses = dict.fromkeys(MISS_BUCKETS, 0.0)
    for ids, ok in zip(ranked, gold, strict=True):
        pos = gold_position(ids, ok)
        bucket = miss_bucket(pos)
        if bucket is not None:
            misses[bucket] += 1
        if pos is not None:
            top1 += pos == 0
            top3 += pos < 3
            rr += 1.0 / (pos + 1)
    n = max(len(gold), 1)
    return {"top1": top1 / n, "top3": top3 / n, "mrr": rr / n, "n": float(len(gold)), **misses}
