"""Training-time choice of the crisis-layer thresholds on the dev split of our own written data
(``data/signals/written_2026_12``, ``written_2026_12c`` and ``written_2026_12d``, ``split == "dev"``), never on
``data/blind``.

The crisis bank fires on a message whose cosine to the nearest bank entry reaches ``crisis_bank`` (or, over the
last turns, ``crisis_bank_window`` on this message and an earlier one); the learned crisis class needs
``crisis_model``. Each is set to the lowest value (most recall) whose false-crisis rate on the dev rows that are not
a crisis stays within :data:`MAX_FALSE_CRISIS`.

>>> pick_lowest([0.5, 0.6, 0.7], lambda t: (1.0 - t, 0.03 if t < 0.6 else 0.0), max_false=0.02)
0.6
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.integrations.encoder import LayeredEncoder, TextEncoder
from assistant.integrations.layer_adapter import LayerAdapter
from assistant.settings import PROJECT_ROOT
from assistant.signals.crisis_bank import BankMatch
from assistant.signals.crisis_view import window_text
from assistant.signals.features import TextFeatures
from assistant.signals.model import SignalModel
from assistant.types import Signals

WRITTEN_DIR = PROJECT_ROOT / "data" / "signals" / "written_2026_12"
# The folders with a train/dev split whose dev rows thresholds are chosen on (later writers' rounds: ``12c``, ``12d``).
WRITTEN_DIRS: tuple[Path, ...] = (
    WRITTEN_DIR,
    PROJECT_ROOT / "data" / "signals" / "written_2026_12c",
    PROJECT_ROOT / "data" / "signals" / "written_2026_12d",
    PROJECT_ROOT / "data" / "signals" / "written_2026_12e",
    PROJECT_ROOT / "data" / "signals" / "written_2026_12f",
    PROJECT_ROOT / "data" / "signals" / "written_2026_12g",
    PROJECT_ROOT / "data" / "signals" / "written_2026_12h",
    PROJECT_ROOT / "data" / "signals" / "written_2026_12i",
    PROJECT_ROOT / "data" / "signals" / "written_2026_12j",
)
# A second dev-only set of crisis, distress and trap messages (December 2026, all ``split: dev``), written apart
# from the crisis bank so the bank's thresholds are not chosen on its own sentences.
CRISIS_DEV_DIR = PROJECT_ROOT / "data" / "signals" / "written_2026_12b"
# Ordinary multi-turn banking conversations (the dialogue dev sets): the window sources must stay quiet on them.
DIALOGUE_DEV_DIR = PROJECT_ROOT / "data" / "dialogue"
# The crisis view learns ordinary conversation from the first dialogue dev set; the other two bound its thresholds.
TRAIN_DIALOGUES: tuple[Path, ...] = (DIALOGUE_DEV_DIR / "dev.jsonl",)
BOUND_DIALOGUES: tuple[Path, ...] = (DIALOGUE_DEV_DIR / "dev2.jsonl", DIALOGUE_DEV_DIR / "dev3.jsonl")
CRISIS_TOPICS = frozenset({"financial-abuse"})
MAX_FALSE_CRISIS = 0.015
BANK_GRID: tuple[float, ...] = tuple(round(x, 2) for x in np.arange(0.50, 0.86, 0.02))
MODEL_GRID: tuple[float, ...] = tuple(round(x, 2) for x in np.arange(0.30, 0.96, 0.05))
OFF = 9.0  # a threshold no probability or cosine reaches: the source is switched off
CRISIS_MODEL_GRID: tuple[float, ...] = (*MODEL_GRID, 0.97, 0.99, OFF)
# The crisis view's p(crisis) (a softmax over nine classes, sharp after fine-tuning): finer near the top.
VIEW_GRID: tuple[float, ...] = (*MODEL_GRID, 0.97, 0.98, 0.99, 0.995, 0.998, OFF)
MARGIN_GRID: tuple[float, ...] = (0.0, 0.02, 0.04, 0.06, 0.08)
# The distress head's p(high or crisis) is 0.4-0.9 on many ordinary requests ("close all my accounts"), so as the
# companion of one warning sign it starts at 0.7.
WARNING_DISTRESS_GRID: tuple[float, ...] = (0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97)


def written_rows(name: str, split: str | None = None, folder: Path | None = None) -> list[dict[str, object]]:
    """Rows of ``<name>.jsonl`` in ``folder`` (default: every folder of :data:`WRITTEN_DIRS` that has the file),
    optionally one split."""
    paths = [folder / f"{name}.jsonl"] if folder is not None else [d / f"{name}.jsonl" for d in WRITTEN_DIRS]
    rows = [
        json.loads(line)
        for path in paths
        if folder is not None or path.exists()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [r for r in rows if split is None or r.get("split") == split]


@dataclass(frozen=True)
class _Prepared:
    feats: TextFeatures
    raw: dict[str, np.ndarray]
    bank: BankMatch


@dataclass(frozen=True)
class DevRow:
    """One dev message with its context, whether it is a crisis, and its category (for the trap rates)."""

    text: str
    context: tuple[str, ...]
    crisis: bool
    category: str = ""


def _context(row: dict[str, object]) -> tuple[str, ...]:
    ctx = row.get("context")
    return tuple(str(c) for c in ctx) if isinstance(ctx, list) else ()


def crisis_dev_rows() -> list[DevRow]:
    """Dev rows of the written crisis/distress file, and every other written dev row as an ordinary negative."""
    rows = [
        DevRow(
            str(r["text"]),
            _context(r),
            r.get("distress") == "crisis",
            str(r.get("category", "")),
        )
        for r in written_rows("crisis_distress", "dev") + written_rows("crisis_distress", "dev", CRISIS_DEV_DIR)
    ]
    for name in ("handoff", "complaint", "vulnerability", "literacy"):
        rows += [DevRow(str(r["text"]), _context(r), False, name) for r in written_rows(name, "dev")]
    return rows


def _window(row: DevRow, i: int) -> str | None:
    """The window over the last turns of turn ``i`` of ``row`` (its context, then its text)."""
    turns = (*row.context, row.text)
    return window_text(turns[i], turns[:i])


class CrisisReplay:
    """Runs the model's rule layer over dev rows many times with different thresholds, from one encoder pass
    (which also gives the crisis view when ``view_adapter`` is given and the model has the view's head)."""

    def __init__(
        self,
        model: SignalModel,
        encoder: TextEncoder,
        rows: Sequence[DevRow],
        view_adapter: LayerAdapter | None = None,
    ) -> None:
        self.model = model
        self.rows = list(rows)
        texts = sorted({t for r in rows for t in (*r.context, r.text)})
        # each turn with earlier ones is also read as its window over the last turns (as the pipeline does)
        self._row_windows = [tuple(_window(r, i) for i in range(len(r.context) + 1)) for r in self.rows]
        windows = sorted({w for ws in self._row_windows for w in ws if w})
        views: np.ndarray | None = None
        window_views: np.ndarray | None = None
        if view_adapter is not None and model.view_head is not None and isinstance(encoder, LayeredEncoder):
            vectors, (views,) = encoder.encode_multi(texts, [view_adapter])
            if windows:
                window_views = encoder.encode_view(windows, view_adapter)
        else:
            vectors = encoder.encode(texts)
        self._windows: dict[str, dict[str, np.ndarray]] = {
            w: model.window_probs(window_views[i]) for i, w in enumerate(windows) if window_views is not None
        }
        model.bank.warm_up(encoder)
        self._prep: dict[str, _Prepared] = {}
        for i, (text, vec) in enumerate(zip(texts, vectors, strict=True)):
            feats = model.extractor.extract(text)
            z = model.design(text, vec, feats)
            raw = {k: v[0] for k, v in model.raw_probs(z).items()}
            raw.update(model.view_probs(views[i] if views is not None else None))
            self._prep[text] = _Prepared(feats, raw, model.bank.match(vec))

    def _signals(self, text: str, history: Sequence[Signals], window: str | None) -> Signals:
        p = self._prep[text]
        raw = {**p.raw, **self._windows.get(window or "", {})}
        return self.model.combine(text, p.feats, raw, history, p.bank)

    def run(self, thresholds: dict[str, float]) -> list[Signals]:
        saved = dict(self.model._thr)
        self.model._thr.update(thresholds)
        try:
            out = []
            for row, windows in zip(self.rows, self._row_windows, strict=True):
                history: list[Signals] = []
                for c, window in zip(row.context, windows, strict=False):
                    history.append(self._signals(c, tuple(history), window))
                out.append(self._signals(row.text, tuple(history), windows[-1]))
            return out
        finally:
            self.model._thr.clear()
            self.model._thr.update(saved)

    def rates(self, thresholds: dict[str, float]) -> tuple[float, float]:
        """(crisis recall, false-crisis rate on non-crisis rows) at ``thresholds``."""
        preds = [s.distress == "crisis" for s in self.run(thresholds)]
        pos = [p for p, r in zip(preds, self.rows, strict=True) if r.crisis]
        neg = [p for p, r in zip(preds, self.rows, strict=True) if not r.crisis]
        return (sum(pos) / len(pos) if pos else 0.0, sum(neg) / len(neg) if neg else 0.0)


def pick_lowest(
    grid: Iterable[float], rates: Callable[[float], tuple[float, float]], *, max_false: float = MAX_FALSE_CRISIS
) -> float:
    """The lowest threshold of ``grid`` whose false rate is within ``max_false`` (the highest if none is)."""
    values = sorted(grid)
    for t in values:
        if rates(t)[1] <= max_false:
            return t
    return values[-1]


MAX_FALSE_CRISIS_ORDINARY = 0.005  # ordinary text (BANKING77 dev questions, GoEmotions train comments)


# Every learned or bank source of the crisis layer switched off (the rules alone): where the greedy starts.
ALL_OFF: dict[str, float] = {
    "crisis_bank": OFF,
    "crisis_bank_margin": 0.0,
    "crisis_bank_window": OFF,
    "crisis_warning_bank": OFF,
    "crisis_warning_bank_transfer": OFF,
    "crisis_warning_distress": OFF,
    "crisis_head": OFF,
    "crisis_model": OFF,
    "crisis_view": OFF,
    "crisis_view_window": OFF,
    "crisis_view_joined": OFF,
}

SOURCE_ORDERS: dict[str, tuple[str, ...]] = {
    # The weak warning signs first (with distress from the head), then the bank with its margin over the nearest
    # trap, the bank over the last turns, a warning sign near the bank, the binary head and the distress head.
    "rules_first": ("warning_distress", "bank", "bank_window", "warning_bank", "head", "view", "model"),
    # The learned heads first, then the rules with what false-crisis budget is left.
    "heads_first": ("head", "view", "model", "warning_distress", "bank", "bank_window", "warning_bank"),
    # The crisis view first (it generalises best across writers, see data/audits/crisis_cross_writer.py), then the
    # rules, then the older heads.
    "view_first": ("view", "warning_distress", "bank", "bank_window", "warning_bank", "head", "model"),
}


def _greedy(
    order: Sequence[str],
    start: dict[str, float],
    rates: Callable[[dict[str, float]], tuple[float, float]],
    heads: bool,
    view: bool = False,
) -> dict[str, float]:
    """Each source of ``order`` in turn set to its lowest threshold within the false-crisis limits, the ones
    before it fixed."""
    chosen = dict(start)

    def lowest(key: str, grid: Iterable[float], base: dict[str, float] | None = None) -> float:
        fixed = chosen if base is None else base
        return pick_lowest(grid, lambda t: rates({**fixed, key: t}), max_false=1.0)

    for source in order:
        if source == "warning_distress":
            chosen["crisis_warning_distress"] = lowest("crisis_warning_distress", (*WARNING_DISTRESS_GRID, OFF))
        elif source == "bank":
            best: tuple[float, float, float] = (-1.0, OFF, 0.0)
            for margin in MARGIN_GRID:
                with_margin = {**chosen, "crisis_bank_margin": margin}
                t = lowest("crisis_bank", (*BANK_GRID, OFF), with_margin)
                recall = rates({**with_margin, "crisis_bank": t})[0]
                if recall > best[0]:
                    best = (recall, t, margin)
            chosen["crisis_bank"], chosen["crisis_bank_margin"] = best[1], best[2]
        elif source == "bank_window":
            window_grid = [t for t in BANK_GRID if t <= chosen["crisis_bank"]] or [OFF]
            chosen["crisis_bank_window"] = lowest("crisis_bank_window", (*window_grid, OFF))
        elif source == "warning_bank":
            chosen["crisis_warning_bank"] = lowest("crisis_warning_bank", (*BANK_GRID, OFF))
            # A money-transfer sign alone ("move all my savings to my son") pairs with the bank at least 0.1 above.
            transfer_grid = [t for t in BANK_GRID if t >= chosen["crisis_warning_bank"] + 0.1 - 1e-9]
            chosen["crisis_warning_bank_transfer"] = lowest("crisis_warning_bank_transfer", (*transfer_grid, OFF))
        elif source == "head" and heads:
            chosen["crisis_head"] = lowest("crisis_head", CRISIS_MODEL_GRID)
        elif source == "view" and view:
            chosen["crisis_view"] = lowest("crisis_view", VIEW_GRID)
            # the view over the window of the last turns read together
            chosen["crisis_view_joined"] = lowest("crisis_view_joined", VIEW_GRID)
            # the view over the last turns: this message and an earlier one both at a lower bar
            window_grid = [t for t in VIEW_GRID if t <= chosen["crisis_view"]] or [OFF]
            chosen["crisis_view_window"] = lowest("crisis_view_window", (*window_grid, OFF))
        elif source == "model":
            chosen["crisis_model"] = lowest("crisis_model", CRISIS_MODEL_GRID)
    return chosen


def dialogue_turns(paths: Sequence[Path]) -> list[tuple[str, tuple[str, ...]]]:
    """Every customer turn of the dialogue files ``paths`` as ``(text, earlier turns)``, leaving out a
    conversation about a topic of :data:`CRISIS_TOPICS` (a partner taking the customer's wages is economic abuse:
    its crisis calls are right)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            turns = json.loads(line)["turns"]
            if any(t.get("topic") in CRISIS_TOPICS for t in turns):
                continue
            texts = [str(t["text"]) for t in turns]
            out += [(t, tuple(texts[:i])) for i, t in enumerate(texts)]
    return out


def conversation_rows(paths: Sequence[Path] = BOUND_DIALOGUES) -> list[DevRow]:
    """Every customer turn of the dialogue dev sets that bound the thresholds (:data:`BOUND_DIALOGUES`: ordinary
    banking conversations) with the customer's earlier turns as its context: where a source that reads the last
    turns (the crisis view or the bank over a window) must not find a crisis."""
    return [DevRow(t, earlier, False, "conversation") for t, earlier in dialogue_turns(paths)]


def choose_crisis_thresholds(
    model: SignalModel,
    encoder: TextEncoder,
    ordinary: Sequence[str] = (),
    view_adapter: LayerAdapter | None = None,
    conversations: Sequence[DevRow] = (),
) -> dict[str, object]:
    """Choose the crisis layer's thresholds on the written dev rows: for each order of :data:`SOURCE_ORDERS`, each
    source in turn gets the lowest value whose false-crisis rate stays within :data:`MAX_FALSE_CRISIS` on the
    written non-crisis rows, :data:`MAX_FALSE_CRISIS_ORDINARY` on ``ordinary`` texts and on the turns of ordinary
    ``conversations`` (:func:`conversation_rows`; the ones before it fixed); the order with the higher dev recall
    wins. Reports dev recall and false-crisis rates."""
    dev = crisis_dev_rows()
    plain_rows = [DevRow(t, (), False, "ordinary") for t in ordinary]
    replay = CrisisReplay(model, encoder, dev + plain_rows + list(conversations), view_adapter)
    n_dev, n_plain = len(dev), len(plain_rows)

    def rates(th: dict[str, float]) -> tuple[float, float]:
        preds = [s.distress == "crisis" for s in replay.run(th)]
        pos = [p for p, r in zip(preds[:n_dev], dev, strict=True) if r.crisis]
        neg = [p for p, r in zip(preds[:n_dev], dev, strict=True) if not r.crisis]
        plain, talk = preds[n_dev : n_dev + n_plain], preds[n_dev + n_plain :]
        bad = max(
            (sum(neg) / len(neg) if neg else 0.0) / MAX_FALSE_CRISIS,
            (sum(plain) / len(plain) if plain else 0.0) / MAX_FALSE_CRISIS_ORDINARY,
            (sum(talk) / len(talk) if talk else 0.0) / MAX_FALSE_CRISIS_ORDINARY,
        )
        return (sum(pos) / len(pos) if pos else 0.0, bad)

    off = dict(ALL_OFF)
    rules_only = rates(off)
    heads = "crisis" in model.bundle.sigmoid_heads
    view = view_adapter is not None and model.view_head is not None
    orders = {name: order for name, order in SOURCE_ORDERS.items() if view or "view" not in name}
    by_order = {name: _greedy(order, off, rates, heads, view) for name, order in orders.items()}
    order_recall = {name: round(rates(th)[0], 4) for name, th in by_order.items()}
    best_order = max(order_recall, key=lambda name: order_recall[name])
    chosen = by_order[best_order]
    final = rates(chosen)
    all_preds = [s.distress == "crisis" for s in replay.run(chosen)]
    plain_rate = sum(all_preds[n_dev : n_dev + n_plain]) / max(1, n_plain)
    talk_rate = sum(all_preds[n_dev + n_plain :]) / max(1, len(conversations))
    return {
        "thresholds": chosen,
        "order": best_order,
        "order_recall": order_recall,
        "dev_rows": n_dev,
        "dev_crisis": sum(r.crisis for r in dev),
        "ordinary_rows": len(ordinary),
        "conversation_turns": len(conversations),
        "rules_only": {"recall": round(rules_only[0], 4), "worst_false_over_limit": round(rules_only[1], 4)},
        "chosen": {
            "recall": round(final[0], 4),
            "worst_false_over_limit": round(final[1], 4),
            "ordinary_false_rate": round(plain_rate, 4),
            "conversation_false_rate": round(talk_rate, 4),
        },
        "max_false_crisis": MAX_FALSE_CRISIS,
        "max_false_crisis_ordinary": MAX_FALSE_CRISIS_ORDINARY,
        "crisis_view": model.view_head.version if view and model.view_head is not None else None,
    }
