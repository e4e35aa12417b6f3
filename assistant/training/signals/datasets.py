"""Loaders for the signals training/dev data: GoEmotions (sentiment, distress), NLU++ banking (hand-off),
BANKING77 and FiQA (literacy, negatives), our literacy labels and our own banking examples in
``data/signals/*.jsonl``.

Everything is read from ``settings.shared_data_dir`` or from this repository's ``data/`` folder; nothing is
downloaded. Encoder vectors of whole datasets are cached under ``<data_dir>/cache/signals``.

>>> SENTIMENT_FROM_GROUP[frozenset({"positive", "ambiguous"})]
'positive'
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.errors import ConfigurationError
from assistant.integrations.encoder import TextEncoder
from assistant.settings import PROJECT_ROOT, Settings

logger = logging.getLogger(__name__)

DATA_DIR = PROJECT_ROOT / "data"
SIGNALS_DATA = DATA_DIR / "signals"
LITERACY_DATA = DATA_DIR / "literacy"

# GoEmotions group labels -> our 3-way sentiment. Decision (documented in the model card):
#   exactly one polar group (positive or negative), with or without "ambiguous"/"neutral" -> that polarity;
#   "neutral" alone -> neutral;
#   "ambiguous" alone (surprise, confusion, curiosity, realization) -> dropped: it carries no polarity and
#   folding it into neutral or negative would teach the head an arbitrary boundary;
#   both positive and negative -> dropped (mixed).
SENTIMENT_FROM_GROUP: dict[frozenset[str], str] = {
    frozenset({"positive"}): "positive",
    frozenset({"positive", "ambiguous"}): "positive",
    frozenset({"positive", "neutral"}): "positive",
    frozenset({"positive", "ambiguous", "neutral"}): "positive",
    frozenset({"negative"}): "negative",
    frozenset({"negative", "ambiguous"}): "negative",
    frozenset({"negative", "neutral"}): "negative",
    frozenset({"negative", "ambiguous", "neutral"}): "negative",
    frozenset({"neutral"}): "neutral",
}

# GoEmotions original emotions -> distress level (none / mild / high). Only the nine distress-relevant
# emotions count; "high" wins over "mild" when both are present.
DISTRESS_MILD = frozenset({"annoyance", "confusion", "disappointment", "nervousness", "remorse"})
DISTRESS_HIGH = frozenset({"anger", "fear", "grief", "sadness"})


@dataclass(frozen=True)
class TextSet:
    """Texts with one label each (or label lists), plus per-row source ids and sample weights."""

    texts: list[str]
    labels: list[str]
    ids: list[str]
    weights: list[float] = field(default_factory=list)
    multi: list[tuple[str, ...]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def _require(path: Path) -> Path:
    if not path.exists():
        raise ConfigurationError(f"signals training data not found: {path}")
    return path


def _goemotions_rows(settings: Settings, labelset: str, split: str) -> list[tuple[str, list[str], str]]:
    root = _require(settings.shared_data_dir / "goemotions" / labelset)
    names = (root / "labels.txt").read_text(encoding="utf-8").split()
    rows: list[tuple[str, list[str], str]] = []
    with (root / f"{split}.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            rows.append((parts[0], [names[int(i)] for i in parts[1].split(",") if i], parts[2]))
    return rows


def goemotions_sentiment(settings: Settings, split: str) -> tuple[TextSet, dict[str, int]]:
    """GoEmotions ``group`` labels mapped to positive/neutral/negative, plus counts of dropped rows."""
    texts, labels, ids = [], [], []
    dropped = {"ambiguous_only": 0, "mixed": 0}
    for text, groups, cid in _goemotions_rows(settings, "group", split):
        key = frozenset(groups)
        label = SENTIMENT_FROM_GROUP.get(key)
        if label is None:
            dropped["mixed" if {"positive", "negative"} <= key else "ambiguous_only"] += 1
            continue
        texts.append(text)
        labels.append(label)
        ids.append(f"goemotions:{split}:{cid}")
    return TextSet(texts, labels, ids), dropped


def goemotions_distress(settings: Settings, split: str) -> TextSet:
    """GoEmotions ``original`` labels mapped to distress none/mild/high (see ``DISTRESS_*``)."""
    texts, labels, ids = [], [], []
    for text, emotions, cid in _goemotions_rows(settings, "original", split):
        found = set(emotions)
        label = "high" if found & DISTRESS_HIGH else "mild" if found & DISTRESS_MILD else "none"
        texts.append(text)
        labels.append(label)
        ids.append(f"goemotions:{split}:{cid}")
    return TextSet(texts, labels, ids)


def nlupp_handoff(settings: Settings, folds: Iterable[int]) -> TextSet:
    """NLU++ banking examples of the given folds, labelled ``handoff`` / ``other``."""
    texts, labels, ids = [], [], []
    root = _require(settings.shared_data_dir / "nlupp_banking")
    for fold in folds:
        for i, row in enumerate(json.loads((root / f"fold{fold}.json").read_text(encoding="utf-8"))):
            texts.append(row["text"])
            labels.append("handoff" if "handoff" in row.get("intents", []) else "other")
            ids.append(f"nlupp:fold{fold}:{i}")
    return TextSet(texts, labels, ids)


def banking77_texts(settings: Settings) -> dict[str, str]:
    """BANKING77 train texts keyed ``banking77:train:<row>`` (row index after the header)."""
    out: dict[str, str] = {}
    with _require(settings.shared_data_dir / "banking77" / "train.csv").open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            out[f"banking77:train:{i}"] = row["text"]
    return out


def sgd_user_windows(settings: Settings) -> list[tuple[str, list[str]]]:
    """Every user turn of the Schema-Guided Dialogue Banks conversations (``sgd_banks``) with the user's earlier
    turns, oldest first: ordinary banking conversations, as ``(message, earlier)`` pairs."""
    path = _require(settings.shared_data_dir / "sgd_banks" / "train_banks_dialogues.json")
    out: list[tuple[str, list[str]]] = []
    for dialogue in json.loads(path.read_text(encoding="utf-8")):
        said = [str(t["utterance"]) for t in dialogue["turns"] if t.get("speaker") == "USER"]
        out += [(text, said[:i]) for i, text in enumerate(said)]
    return out


def fiqa_texts(settings: Settings) -> dict[str, str]:
    """FiQA-2018 questions keyed ``fiqa:<qid>``."""
    out: dict[str, str] = {}
    path = _require(settings.shared_data_dir / "fiqa_questions" / "FiQA_train_question_final.tsv")
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            out[f"fiqa:{row['qid']}"] = row["question"]
    return out


def literacy_labels(settings: Settings, *, path: Path | None = None) -> TextSet:
    """Our literacy labels joined with their source texts; ``multi`` holds the split of each row."""
    rows = [json.loads(line) for line in _require(path or LITERACY_DATA / "labels.jsonl").read_text().splitlines()]
    sources = {**banking77_texts(settings), **fiqa_texts(settings)}
    texts: list[str] = []
    labels: list[str] = []
    ids: list[str] = []
    splits: list[tuple[str, ...]] = []
    for row in rows:
        text = sources.get(row["id"])
        if text is None:
            raise ConfigurationError(f"literacy label {row['id']} has no source text in {settings.shared_data_dir}")
        digest = hashlib.sha1(text.encode()).hexdigest()[:12]
        if "text_sha1" in row and row["text_sha1"] != digest:
            raise ConfigurationError(f"literacy label {row['id']}: source text changed since labelling")
        texts.append(text)
        labels.append(row["label"])
        ids.append(row["id"])
        splits.append((str(row.get("split", "train")),))
    return TextSet(texts, labels, ids, multi=splits)


WRITTEN_DATA = SIGNALS_DATA / "written_2026_12"
# Every folder of rows written for issue #19 whose train rows train the heads (``written_2026_12b`` is dev-only:
# thresholds; ``written_2026_12d`` too for now: retraining with its train rows did not improve the dev figures, see
# its README).
WRITTEN_FOLDERS: tuple[Path, ...] = (WRITTEN_DATA, SIGNALS_DATA / "written_2026_12c")
# How the rows written for issue #19 map onto the schema of our older files (``label`` for distress).
_WRITTEN_AS: dict[str, str] = {"distress": "crisis_distress", "handoff": "handoff", "vulnerability": "vulnerability"}


def written_examples(name: str) -> list[dict[str, object]]:
    """Rows of ``data/signals/written_2026_12/<file>.jsonl`` and ``written_2026_12c/`` (:data:`WRITTEN_FOLDERS`)
    for the head ``name`` (``distress``, ``handoff``, ``vulnerability``, ``complaint``, ``literacy``) in the schema
    of :func:`own_examples` (distress -> ``label``), with a ``source`` field (the folder); their ``context`` and
    ``voice`` are dropped (heads read one message)."""
    rows: list[dict[str, object]] = []
    for folder in WRITTEN_FOLDERS:
        path = folder / f"{_WRITTEN_AS.get(name, name)}.jsonl"
        if not path.exists():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigurationError(f"{path}:{n}: {exc}") from exc
            row.pop("context", None)
            row.pop("voice", None)
            if name == "distress":
                row["label"] = row.pop("distress")
            rows.append({**row, "source": folder.name})
    return rows


def complaint_narratives(settings: Settings, chars: int = 600) -> list[str]:
    """CFPB consumer complaint narratives in ``../shared/data`` (first ``chars`` characters of each): every one is
    a complaint about a financial firm. The 200 held-back narratives are not in that folder."""
    path = settings.shared_data_dir / "cfpb_complaints" / "complaints.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as fh:
        return [
            r["consumer_complaint_narrative"][:chars]
            for r in csv.DictReader(fh)
            if r.get("consumer_complaint_narrative", "").strip()
        ]


def own_examples(name: str, *, include_written: bool = False) -> list[dict[str, object]]:
    """Rows of ``data/signals/<name>.jsonl`` (our own, hand-written banking examples), followed, with
    ``include_written``, by the rows written for issue #19 (:func:`written_examples`; the signals heads train on
    them, the misuse head does not)."""
    path = SIGNALS_DATA / f"{name}.jsonl"
    if include_written and not path.exists():
        return written_examples(name)
    path = _require(path)
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ConfigurationError(f"{path}:{n}: {exc}") from exc
    return rows + (written_examples(name) if include_written else [])


def embed_cached(
    encoder: TextEncoder,
    texts: Sequence[str],
    cache_dir: Path,
    *,
    progress: bool = False,
    label: str = "texts",
    batch: int = 512,
) -> np.ndarray:
    """Encoder vectors of ``texts``, cached on disk by content hash so reruns are instant."""
    key = hashlib.sha1(("\x1f".join(texts) + encoder.name + str(encoder.dimension)).encode()).hexdigest()[:20]
    path = cache_dir / f"{label}-{key}.npy"
    if path.exists():
        return np.load(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    chunks = []
    steps = range(0, len(texts), batch)
    if progress:
        from tqdm import tqdm

        steps = tqdm(steps, desc=f"encoding {label}", unit="batch")  # type: ignore[assignment]
    for start in steps:
        chunks.append(encoder.encode(list(texts[start : start + batch])))
    vectors = np.concatenate(chunks) if chunks else np.zeros((0, encoder.dimension), dtype=np.float32)
    np.save(path, vectors.astype(np.float32))
    logger.info("cached %s vectors of %s at %s", len(texts), label, path)
    return vectors


# --- folds and splits shared by training, thresholds and evaluation ---

TRAIN_FOLDS: tuple[int, ...] = tuple(range(12))  # NLU++ folds the heads train on
DEV_FOLDS: tuple[int, ...] = (12, 13, 14, 15)  # NLU++ folds held out for the dev figures
N_B77_NEGATIVES = 1500


def b77_split(settings: Settings, seed: int) -> tuple[list[str], list[str]]:
    """BANKING77 ids used as training negatives, and the disjoint ids kept for dev false-positive rates."""
    ids = sorted(banking77_texts(settings))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(ids))
    train = [ids[i] for i in order[:N_B77_NEGATIVES]]
    dev = [ids[i] for i in order[N_B77_NEGATIVES : 2 * N_B77_NEGATIVES]]
    return train, dev
