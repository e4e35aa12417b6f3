"""A learned stay-or-move call for a follow-up the topic rule keeps on the topic (dialogue 2026.12.12).

The writers of the dialogue dev sets often label a follow-up with a neighbouring article that answers it better in
context ("how long will the new one take to come?" after a lost card: the delivery estimate), while the topic rule
keeps it on the active topic. Which neighbour is meant shows in three router readings of the message: alone, after
the topic's question (in context) and after the customer's last message. This module scores every article those
readings rank (the candidates, the topic excluded) with a logistic model over where each reading ranks it, how sure
the readings are, the in-context score gap to the topic, whether it shares the topic's product and the message's
cue and mood; the best candidate answers when its probability is at least ``neighbour_model_probability``
(``prompts/dialogue.yaml``). Weights: ``assistant/artifacts/dialogue_neighbour.json``, trained by
``python -m assistant.dialogue.neighbour_model`` on ``data/dialogue/neighbour_model/readings.jsonl`` (router
readings of the turns the rule kept on the topic in dev2-dev8, article ids only, no customer text), checked
leave-one-writer-out (the figures are in the artifact and ``data/dialogue/README.md``).

>>> model = NeighbourModel(weights=(0.0,) * len(FEATURES), bias=0.0)
>>> topic = Ranked(("card-arrival", "card-delivery-estimate"), 0.6, True)
>>> model.probability(Candidates("card-arrival", topic, topic, None, {}, False, False), "card-delivery-estimate")
0.5
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.dialogue.articles import shares
from assistant.types import Retrieval

ARTIFACT = Path(__file__).resolve().parents[1] / "artifacts" / "dialogue_neighbour.json"
NO_GAP = -0.3  # the gap feature when the candidate and the topic are not the in-context reading's first two
FEATURES: tuple[str, ...] = (
    *(f"{reading}_rank_{r}" for reading in ("in_context", "alone", "after_last") for r in ("1", "2", "3_4")),
    "in_context_topic_confidence",
    "in_context_candidate_confidence",
    "alone_candidate_confidence",
    "alone_in_scope",
    "after_last_candidate_confidence",
    "after_last_missing",
    "in_context_gap",
    "same_product",
    "cue",
    "upset",
)


@dataclass(frozen=True)
class Ranked:
    """A router reading as the model sees it: ranked article ids, calibrated confidence of the first, whether it
    is in scope, and the fused score of the first two articles (``shares``)."""

    ids: tuple[str, ...]
    confidence: float
    in_scope: bool
    top_scores: tuple[tuple[str, float], ...] = ()

    @classmethod
    def of(cls, retrieval: Retrieval) -> Ranked:
        return cls(
            tuple(retrieval.article_ids),
            float(retrieval.confidence),
            bool(retrieval.in_scope),
            tuple(shares(retrieval)[:2]),
        )

    def rank(self, article_id: str) -> int | None:
        """0-based rank of ``article_id`` among the first four, or None."""
        return self.ids.index(article_id) if article_id in self.ids[:4] else None

    def confidence_if_first(self, article_id: str) -> float:
        return self.confidence if self.ids and self.ids[0] == article_id else 0.0


@dataclass(frozen=True)
class Candidates:
    """Everything the model reads for one message kept on ``topic``; ``after_last`` is None when the customer's
    last message is the topic's question (or there is none); ``products`` maps article ids to their product."""

    topic: str
    in_context: Ranked
    alone: Ranked
    after_last: Ranked | None
    products: Mapping[str, str]
    cue: bool
    upset: bool

    def articles(self) -> list[str]:
        """The candidates: every article the three readings rank in their first four, the topic excluded."""
        out: list[str] = []
        for reading in (self.in_context, self.alone, self.after_last):
            for aid in reading.ids[:4] if reading is not None else ():
                if aid != self.topic and aid not in out:
                    out.append(aid)
        return out

    def features(self, article_id: str) -> list[float]:
        """The feature vector of one candidate, in the order of :data:`FEATURES`."""
        values: list[float] = []
        for reading in (self.in_context, self.alone, self.after_last):
            rank = reading.rank(article_id) if reading is not None else None
            values += [float(rank == 0), float(rank == 1), float(rank in (2, 3))]
        values.append(self.in_context.confidence_if_first(self.topic))
        values.append(self.in_context.confidence_if_first(article_id))
        values.append(self.alone.confidence_if_first(article_id))
        values.append(float(self.alone.in_scope))
        values.append(self.after_last.confidence_if_first(article_id) if self.after_last is not None else 0.0)
        values.append(float(self.after_last is None))
        top = dict(self.in_context.top_scores[:2])
        gap = top[article_id] - top[self.topic] if article_id in top and self.topic in top else NO_GAP
        values.append(gap)
        product = self.products.get(article_id)
        values.append(float(product is not None and product == self.products.get(self.topic)))
        values += [float(self.cue), float(self.upset)]
        return values


@dataclass(frozen=True)
class NeighbourModel:
    """Logistic weights over :data:`FEATURES` (see the module docstring)."""

    weights: tuple[float, ...]
    bias: float

    def probability(self, candidates: Candidates, article_id: str) -> float:
        """How likely ``article_id`` is the article that answers the message (0-1)."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, candidates.features(article_id), strict=True))
        return 1.0 / (1.0 + math.exp(-z))

    def best(self, candidates: Candidates, allowed: Iterable[str] | None = None) -> tuple[str, float] | None:
        """The most likely candidate (among ``allowed`` when given) and its probability, or None."""
        keep = set(allowed) if allowed is not None else None
        scored = [
            (aid, self.probability(candidates, aid)) for aid in candidates.articles() if keep is None or aid in keep
        ]
        return max(scored, key=lambda s: s[1]) if scored else None

    @classmethod
    def load(cls, path: Path = ARTIFACT) -> NeighbourModel:
        """The committed model; ``ValueError`` when its features are not this module's."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path}: features differ from assistant.dialogue.neighbour_model.FEATURES")
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]))


def _ranked(row: Mapping[str, object] | None) -> Ranked | None:
    if row is None:
        return None
    ids = tuple(str(a) for a in row["ids"])  # type: ignore[attr-defined]
    scores = tuple((str(a), float(s)) for a, s in row.get("top_scores", []))  # type: ignore[attr-defined]
    return Ranked(ids, float(row["conf"]), bool(row["in"]), scores)  # type: ignore[arg-type]


def candidates_of(row: Mapping[str, object], products: Mapping[str, str]) -> Candidates:
    """A training row (``readings.jsonl``) as the model's input."""
    in_context, alone = _ranked(row["in_context"]), _ranked(row["alone"])  # type: ignore[arg-type]
    assert in_context is not None and alone is not None
    return Candidates(
        str(row["topic"]),
        in_context,
        alone,
        _ranked(row.get("after_last")),  # type: ignore[arg-type]
        products,
        bool(row["cue"]),
        bool(row["upset"]),
    )


def training_set(
    rows: Sequence[Mapping[str, object]], products: Mapping[str, str]
) -> tuple[list[list[float]], list[int], list[int]]:
    """Feature rows, labels (the candidate is the writer's article) and the index of the turn each belongs to."""
    x: list[list[float]] = []
    y: list[int] = []
    owner: list[int] = []
    for i, row in enumerate(rows):
        cands = candidates_of(row, products)
        for aid in cands.articles():
            x.append(cands.features(aid))
            y.append(int(aid == row["gold"]))
            owner.append(i)
    return x, y, owner


def train(rows: Sequence[Mapping[str, object]], products: Mapping[str, str], c: float = 1.0) -> NeighbourModel:
    """Fit the logistic model (L2, ``C=c``) on the readings of the kept turns."""
    from sklearn.linear_model import LogisticRegression

    x, y, _ = training_set(rows, products)
    fit = LogisticRegression(C=c, max_iter=5000).fit(x, y)
    return NeighbourModel(tuple(float(w) for w in fit.coef_[0]), float(fit.intercept_[0]))


def moves(
    model: NeighbourModel, rows: Sequence[Mapping[str, object]], products: Mapping[str, str], probability: float
) -> dict[str, dict[str, int]]:
    """Per writer (``role``): turns the model fixes (moves to the writer's article, which the topic was not) and
    breaks (moves away from the topic, which was the writer's article), first-order."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        best = model.best(candidates_of(row, products))
        if best is None or best[1] < probability:
            continue
        tally = out.setdefault(str(row["role"]), {"fixed": 0, "broken": 0})
        if best[0] == row["gold"] and row["topic"] != row["gold"]:
            tally["fixed"] += 1
        elif row["topic"] == row["gold"] and best[0] != row["gold"]:
            tally["broken"] += 1
    return out


def main(argv: Sequence[str]) -> None:
    """``python -m assistant.dialogue.neighbour_model READINGS [PROBABILITY]``: train on every writer, report the
    leave-one-writer-out moves, write the artifact."""
    from assistant.kb.loader import load_kb
    from assistant.settings import Settings

    path = Path(argv[0]) if argv else Path("data/dialogue/neighbour_model/readings.jsonl")
    probability = float(argv[1]) if len(argv) > 1 else 0.5
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    products = {a.id: a.meta.product for a in load_kb(Settings().kb_dir).articles}
    writers = sorted({str(r["role"]) for r in rows})
    held_out: dict[str, dict[str, int]] = {}
    for writer in writers:
        model = train([r for r in rows if r["role"] != writer], products)
        held_out[writer] = moves(model, [r for r in rows if r["role"] == writer], products, probability).get(
            writer, {"fixed": 0, "broken": 0}
        )
    model = train(rows, products)
    artifact = {
        "features": list(FEATURES),
        "weights": [round(w, 6) for w in model.weights],
        "bias": round(model.bias, 6),
        "trained_on": str(path),
        "turns": len(rows),
        "probability": probability,
        "leave_one_writer_out": held_out,
        "in_sample": moves(model, rows, products, probability),
    }
    ARTIFACT.write_text(json.dumps(artifact, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"leave_one_writer_out": held_out}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
