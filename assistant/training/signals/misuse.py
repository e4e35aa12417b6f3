"""Train the misuse head (``attune train misuse``) and measure misuse and other-organisation screening.

Training data (nothing else):
- positives: ``data/misuse/train.tsv`` and ``train_more.tsv`` (``fraud``, ``prompt_injection``; written by us for
  this project);
- negatives (class ``none``): those files' ``normal`` lines, our train part of BANKING77 train (the routing split,
  seed 13; its dev part is never trained on), ``data/paraphrases/uk_train.tsv``, the router's out-of-scope
  training messages, the ``train`` rows of ``data/signals/{distress,vulnerability,handoff,finance_sentiment}.jsonl``
  and NLU++ banking folds 0-11 (the signals heads' training folds: short conversational turns such as "can you
  repeat that?", "yes please do that", which the first heads took for prompt injections).

The decision threshold on ``p(fraud) + p(prompt_injection)`` is the lowest one whose out-of-fold false-flag rate
(probabilities averaged over :data:`REPEATS` fold assignments) on the in-scope negatives is at most
:data:`MAX_FALSE_FLAG_RATE` for the head alone; at run time the head also needs a ``misuse.hints`` word (the
out-of-fold recalls reported count both keys).

Measured on data never trained on: ``data/scope_screen/dev.tsv`` (written blind; used while writing the rules),
``data/scope_screen/test.tsv`` (written blind by another writer; looked at only for the final figures), the
BANKING77 dev part, ``uk_test.tsv`` and the three out-of-scope test sets.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from assistant.errors import ConfigurationError
from assistant.integrations.encoder import TextEncoder, shared_encoder
from assistant.kb.scope import OrganisationScreen
from assistant.settings import PROJECT_ROOT, Settings
from assistant.signals.heads import HeadBundle, SoftmaxHead
from assistant.signals.lexicon import load_lexicon
from assistant.signals.misuse import (
    HEAD_NAME,
    MISUSE_ARTIFACT,
    MISUSE_CLASSES,
    MisuseDetector,
    MisuseRules,
    misuse_design,
)
from assistant.training import splits
from assistant.training.signals import datasets as ds
from assistant.training.signals.datasets import TRAIN_FOLDS

logger = logging.getLogger(__name__)

MISUSE_DIR = PROJECT_ROOT / "data" / "misuse"
SCREEN_DIR = PROJECT_ROOT / "data" / "scope_screen"
TRAIN_TAGS = ("fraud", "prompt_injection", "normal")
TRAIN_FILES = ("train.tsv", "train_more.tsv")
SCREEN_TAGS = (
    "fraud_request",
    "prompt_injection",
    "other_bank_product",
    "fraud_victim",
    "security_help",
    "other_bank_in_scope",
)
BOW_BUCKETS = 8192
BOW_IGNORE = r"\bharbou?r ?light(?:'s)?\b"  # the bank's name: uneven across the training sources, no signal
C_REG = 1.0  # inverse L2 strength of the logistic regression
FOLDS = 5
REPEATS = 3  # fold assignments whose out-of-fold probabilities are averaged before the threshold is chosen
MAX_FALSE_FLAG_RATE = 0.002  # out of fold, on the in-scope negatives
SIGNAL_FILES = ("distress", "vulnerability", "handoff", "finance_sentiment")


def tagged(path: Path, tags: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """(tag, message) rows of a ``<tag><TAB><message>`` file; an unknown tag or a malformed line is an error."""
    if not path.is_file():
        raise ConfigurationError(f"{path} not found")
    return tuple((tag, text) for _, tag, text in splits.read_tagged(path, tags.__contains__, f"tag in {tags}"))


@dataclass(frozen=True)
class MisuseData:
    texts: tuple[str, ...]
    labels: np.ndarray  # index into MISUSE_CLASSES
    in_scope: np.ndarray  # bool: a genuine customer message (false flags are counted on these)
    sources: dict[str, int]


def training_data(settings: Settings, seed: int = 13) -> MisuseData:
    texts: list[str] = []
    labels: list[int] = []
    in_scope: list[bool] = []
    sources: Counter[str] = Counter()

    def add(rows: Sequence[str], label: str, source: str, genuine: bool) -> None:
        for text in rows:
            texts.append(text)
            labels.append(MISUSE_CLASSES.index(label))
            in_scope.append(genuine)
        sources[source] += len(rows)

    own = tuple(row for name in TRAIN_FILES for row in tagged(MISUSE_DIR / name, TRAIN_TAGS))
    for tag in ("fraud", "prompt_injection"):
        add([t for g, t in own if g == tag], tag, f"data/misuse:{tag}", False)
    add([t for g, t in own if g == "normal"], "none", "data/misuse:normal", True)
    add([t for t, _ in splits.banking77_split(settings.shared_data_dir, seed=seed).train], "none", "banking77", True)
    add([t for t, _ in splits.uk_paraphrases("train")], "none", "uk_train", True)
    add(list(splits.out_of_scope_training()), "none", "out_of_scope_train", False)
    add(list(ds.nlupp_handoff(settings, TRAIN_FOLDS).texts), "none", "nlupp folds 0-11", True)
    for name in SIGNAL_FILES:
        rows = [str(r["text"]) for r in ds.own_examples(name) if r.get("split", "train") == "train"]
        add(rows, "none", f"signals/{name}", True)
    return MisuseData(tuple(texts), np.asarray(labels), np.asarray(in_scope), dict(sources))


def fit_misuse(x: np.ndarray, y: np.ndarray, seed: int) -> LogisticRegression:
    """The misuse head's fit: class-balanced L2 logistic regression over the design rows."""
    model = LogisticRegression(C=C_REG, class_weight="balanced", max_iter=2000, random_state=seed)
    return model.fit(x, y)


def _folds(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=int)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        fold[idx] = rng.permutation(len(idx)) % k
    return fold


def choose_threshold(p_misuse: np.ndarray, genuine: np.ndarray, max_rate: float = MAX_FALSE_FLAG_RATE) -> float:
    """The lowest threshold whose false-flag rate on the genuine rows is at most ``max_rate``."""
    scores = np.sort(p_misuse[genuine])[::-1]
    allowed = int(np.floor(max_rate * len(scores)))
    # Flag when p >= threshold: put the threshold just above the (allowed + 1)-th highest genuine score.
    return float(np.nextafter(scores[allowed], 1.0)) if allowed < len(scores) else 0.0


def train_misuse(settings: Settings, *, seed: int = 13, encoder: TextEncoder | None = None) -> dict[str, Any]:
    """Fit, choose the threshold out of fold, save ``misuse_head.npz`` and its model card; returns the metrics."""
    start = time.perf_counter()
    enc = encoder or shared_encoder()
    data = training_data(settings, seed)
    cache = settings.data_dir / "cache" / "misuse"
    vectors = ds.embed_cached(enc, list(data.texts), cache, progress=True, label="misuse-train")
    # The bundle first, without its head: training rows are built exactly as at run time (misuse_design).
    bundle = HeadBundle(
        mean=vectors.mean(0).astype(np.float32),
        std=(vectors.std(0) + 1e-6).astype(np.float32),
        softmax_heads={},
        sigmoid_heads={},
        meta={"bow_buckets": BOW_BUCKETS, "bow_ignore": BOW_IGNORE},
    )
    x = misuse_design(bundle, vectors, data.texts)
    y = data.labels
    # Out-of-fold probabilities averaged over REPEATS fold assignments: the threshold sits near the 0.2% tail of the
    # genuine scores, and one assignment alone moved it from 0.951 to 0.975 when five negatives were removed.
    oof = np.zeros((len(y), len(MISUSE_CLASSES)))
    for r in range(REPEATS):
        fold = _folds(y, FOLDS, seed + r)
        for f in range(FOLDS):
            test = fold == f
            oof[test] += fit_misuse(x[~test], y[~test], seed).predict_proba(x[test]) / REPEATS
    p_misuse = 1.0 - oof[:, 0]
    threshold = choose_threshold(p_misuse, data.in_scope)  # chosen for the head alone: the hint is a second key
    lexicon = load_lexicon()
    hinted = np.array([MisuseRules.from_hits(lexicon.match(t)).hinted for t in data.texts])
    flagged = hinted & (p_misuse >= threshold)
    oof_metrics = {f"recall_{c}": round(float(flagged[y == i].mean()), 4) for i, c in enumerate(MISUSE_CLASSES) if i}
    oof_metrics["false_flag_in_scope"] = round(float(flagged[data.in_scope].mean()), 5)
    model = fit_misuse(x, y, seed)
    head = SoftmaxHead(
        name=HEAD_NAME,
        classes=MISUSE_CLASSES,
        W=model.coef_.T.astype(np.float32),
        b=model.intercept_.astype(np.float32),
        calib_bias=np.zeros(len(MISUSE_CLASSES), dtype=np.float32),
    )
    digest = hashlib.sha256("\x1f".join(f"{t}\x1e{lab}" for t, lab in zip(data.texts, y, strict=True)).encode())
    meta: dict[str, object] = {
        **bundle.meta,
        "version": f"misuse-{digest.hexdigest()[:12]}",
        "threshold": round(threshold, 6),
        "seed": seed,
        "encoder": enc.name,
        "sources": data.sources,
        "oof": oof_metrics,
        "max_false_flag_rate": MAX_FALSE_FLAG_RATE,
    }
    bundle.softmax_heads[HEAD_NAME] = head
    bundle.meta = meta
    path = settings.artifacts_dir / MISUSE_ARTIFACT
    bundle.save(path)
    metrics = {**meta, "train_seconds": round(time.perf_counter() - start, 1)}
    metrics["held_out"] = evaluate_screen(settings, MisuseDetector(bundle), encoder=enc, seed=seed)
    write_model_card(path.with_suffix(".md"), metrics, path)
    return metrics


# ------------------------------------------------------------------------------------------------ evaluation


def evaluate_screen(
    settings: Settings, detector: MisuseDetector, *, encoder: TextEncoder | None = None, seed: int = 13
) -> dict[str, Any]:
    """Flag rates of the misuse rules, rules + head, and the organisation screen on every held-out set."""
    enc = encoder or shared_encoder()
    lexicon = load_lexicon()
    screen = OrganisationScreen.from_file(settings.prompts_dir / "scope.yaml")
    cache = settings.data_dir / "cache" / "misuse"
    out: dict[str, Any] = {}
    sets: dict[str, list[tuple[str, str]]] = {}
    for name in ("dev", "test"):
        path = SCREEN_DIR / f"{name}.tsv"
        if path.is_file():
            sets[f"scope_screen/{name}"] = list(tagged(path, SCREEN_TAGS))
    sets["banking77 dev (in scope)"] = [
        ("in_scope", t) for t, _ in splits.banking77_split(settings.shared_data_dir, seed=seed).dev
    ]
    sets["uk_test (in scope)"] = [("in_scope", t) for t, _ in splits.uk_paraphrases("test")]
    _, oos_test = splits.out_of_scope_split()
    sets["out of scope: queries test half"] = [("out_of_scope", t) for t in oos_test]
    sets["out of scope: test_fresh"] = [("out_of_scope", t) for t in splits.out_of_scope_fresh_test()]
    sets["out of scope: test_blind"] = list(splits.out_of_scope_blind_test())
    for name, rows in sets.items():
        texts = [t for _, t in rows]
        vectors = ds.embed_cached(enc, texts, cache, label=name.split()[0].replace("/", "-").replace(":", ""))
        rules = MisuseDetector(None).kinds(lexicon, texts, vectors)
        both = detector.kinds(lexicon, texts, vectors)
        per_tag: dict[str, dict[str, float | int]] = {}
        for tag in dict.fromkeys(tag for tag, _ in rows):
            idx = [i for i, (g, _) in enumerate(rows) if g == tag]
            per_tag[tag] = {
                "n": len(idx),
                "misuse_rules": round(sum(rules[i] is not None for i in idx) / len(idx), 4),
                "misuse": round(sum(both[i] is not None for i in idx) / len(idx), 4),
                "other_organisation": round(
                    sum(screen.other_organisation(rows[i][1]) is not None for i in idx) / len(idx), 4
                ),
            }
        out[name] = per_tag
    return out


def format_screen(report: dict[str, Any]) -> str:
    """The held-out figures as one Markdown table per set."""
    lines: list[str] = []
    for name, per_tag in report.items():
        lines += [f"**{name}**", "", "| tag | n | misuse (rules) | misuse (rules + head) | other organisation |"]
        lines.append("|---|---|---|---|---|")
        for tag, m in per_tag.items():
            lines.append(
                f"| {tag} | {m['n']} | {m['misuse_rules']:.3f} | {m['misuse']:.3f} | {m['other_organisation']:.3f} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_model_card(path: Path, metrics: dict[str, Any], head_path: Path) -> None:
    size = head_path.stat().st_size / 1e6
    oof = metrics["oof"]
    text = f"""# Misuse head (`{head_path.name}`)

Flags requests the assistant refuses: help with **fraud** and **prompt injection** (attempts to override its
instructions or extract secrets). It runs beside the rules in `assistant/signals/lexicon.yaml` (`misuse.*`):
either flags a message. A fraud request is refused and handed to a person; a prompt injection is refused.

- **Command:** `attune train misuse`
  (`assistant.training.signals.misuse.train_misuse(settings, seed={metrics["seed"]})`)
- **Model:** multinomial logistic regression (scikit-learn, C={C_REG}, balanced class weights) over
  `[standardised all-MiniLM-L6-v2 vector (the shared one), hashed word 1-2-grams ({BOW_BUCKETS}) of the message
  without the bank's name]`, stored as
  numpy arrays ({size:.2f} MB). Version `{metrics["version"]}`.
- **Data** (rows per source): {json.dumps(metrics["sources"])}. Positives are ours (`data/misuse/train.tsv` and
  `train_more.tsv`, written from scratch); negatives are their `normal` lines (fraud victims, security questions),
  genuine customer messages (our BANKING77 train part, British-English and signals training messages) and the
  router's out-of-scope training messages.
- **Chosen on `scope_screen/dev.tsv`:** the hashed words next to the vector, leaving out the bank's name, and
  C={C_REG}. The first head (no `train_more.tsv`) flagged 2 of 30 fraud victims and 2 of 261 British-English test
  messages there; the hard negatives of `train_more.tsv` were written because of that.
- **Two keys:** the head flags a message only when it also holds a `misuse.hints` word of `lexicon.yaml`
  (forgery, deception, evasion, someone else's identity, instruction words). Alone, an earlier head refused
  "can you repeat that?" and a question about cash machines.
- **Threshold** on p(fraud) + p(prompt injection): {metrics["threshold"]:.4f}, the lowest with an out-of-fold
  ({FOLDS}-fold, probabilities averaged over {REPEATS} fold assignments) false-flag rate on genuine customer
  messages of at most {MAX_FALSE_FLAG_RATE:.1%} for the head alone. The recalls and false flags below count both
  keys.
  Out of fold at that threshold: fraud recall {oof["recall_fraud"]:.3f}, prompt-injection recall
  {oof["recall_prompt_injection"]:.3f}, false flags on genuine messages {oof["false_flag_in_scope"]:.4f}.

## Held-out figures (never trained on)

Share of messages flagged. `scope_screen/dev.tsv` and `scope_screen/test.tsv` were written blind by two helpers
who saw no code, rule or data of the project; the rules were written before `dev.tsv` was read and then improved
on it, so only `test.tsv` is an unbiased figure for them. "other organisation" is the retrieval stage's screen
(`prompts/scope.yaml`). `test.tsv` was first read with the first shipped head, which had no second key and no
NLU++ negatives: rules + head refused 26 of 30 fraud requests and 29 of 30 injections there, and none of its 90
genuine messages. The two changes since were made for false flags found elsewhere ("can you repeat that?", a
British-English test message, an evaluation-conversation turn, a finance-sentiment message), not for its failures;
they cost 4 fraud requests and 3 injections on it.

{format_screen(metrics["held_out"])}
Re-run: `attune train misuse` (about a minute after the first encoding).

## Limits

Rules and head read one message at a time, in English. A determined writer can phrase fraud as an innocent
question; the head is a second net, not a guarantee, and every flag is reviewed by a person for fraud.
"""
    path.write_text(text, encoding="utf-8")
