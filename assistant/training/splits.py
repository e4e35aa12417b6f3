"""Seeded, stratified train/dev split of BANKING77 train (Casanueva et al. 2020, CC BY 4.0), the
out-of-scope query set split by a fixed rule, and our British-English messages (separate train and test files).

The dev part is never trained on; it is where routing figures are reported. Texts that repeat inside train go
to one side only, so dev never contains a sentence seen in training.

>>> from pathlib import Path
>>> split = banking77_split(Path("../shared/data"))  # doctest: +SKIP
>>> len(split.train) + len(split.dev)  # doctest: +SKIP
10003
"""

from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigurationError
from assistant.kb.intents import ALL_INTENTS

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
OOS_QUERIES = PROJECT_ROOT / "data" / "out_of_scope" / "queries.txt"
OOS_TRAIN_EXTRA = (
    PROJECT_ROOT / "data" / "out_of_scope" / "train_extra.txt",
    PROJECT_ROOT / "data" / "out_of_scope" / "train_other_organisations.txt",
)
OOS_FRESH_TEST = PROJECT_ROOT / "data" / "out_of_scope" / "test_fresh.txt"
OOS_BLIND_TEST = PROJECT_ROOT / "data" / "out_of_scope" / "test_blind.tsv"
PARAPHRASES_DIR = PROJECT_ROOT / "data" / "paraphrases"
PARAPHRASE_PARTS = ("train", "test")


@dataclass(frozen=True)
class Banking77Split:
    """(text, category) pairs; ``train`` for fitting, ``dev`` held out for reporting."""

    train: tuple[tuple[str, str], ...]
    dev: tuple[tuple[str, str], ...]
    seed: int
    dev_fraction: float


def read_banking77(data_dir: Path) -> list[tuple[str, str]]:
    """All rows of ``banking77/train.csv`` as (text, category)."""
    path = Path(data_dir) / "banking77" / "train.csv"
    if not path.is_file():
        raise ConfigurationError(f"BANKING77 not found at {path}; set ATTUNE_SHARED_DATA_DIR")
    with path.open(encoding="utf-8", newline="") as fh:
        return [(row["text"].strip(), row["category"].strip()) for row in csv.DictReader(fh)]


def banking77_split(data_dir: Path, seed: int = 13, dev_fraction: float = 0.2) -> Banking77Split:
    """Stratified by category: in each category ``round(n * dev_fraction)`` distinct texts go to dev."""
    if not 0.0 < dev_fraction < 1.0:
        raise ValueError("dev_fraction must be in (0, 1)")
    by_cat: dict[str, dict[str, int]] = defaultdict(dict)  # category -> text -> count
    for text, cat in read_banking77(data_dir):
        by_cat[cat][text] = by_cat[cat].get(text, 0) + 1
    rng = random.Random(seed)
    train: list[tuple[str, str]] = []
    dev: list[tuple[str, str]] = []
    for cat in sorted(by_cat):
        texts = sorted(by_cat[cat])
        rng.shuffle(texts)
        n_dev = round(sum(by_cat[cat].values()) * dev_fraction)
        for i, text in enumerate(texts):
            (dev if i < n_dev else train).extend([(text, cat)] * by_cat[cat][text])
    return Banking77Split(train=tuple(train), dev=tuple(dev), seed=seed, dev_fraction=dev_fraction)


def out_of_scope_split(path: Path = OOS_QUERIES) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(dev, test) halves of our out-of-scope queries: odd lines (1st, 3rd, ...) dev, even lines test.

    Blank lines and lines starting with ``#`` are skipped before numbering.
    """
    queries = _query_lines(path)
    return tuple(queries[0::2]), tuple(queries[1::2])


def out_of_scope_training(path: Path = OOS_QUERIES, extra: Sequence[Path] = OOS_TRAIN_EXTRA) -> tuple[str, ...]:
    """Every out-of-scope query the router may train on: the dev half of ``path`` plus the files in ``extra``
    that exist (training only; the test half of ``path`` is never trained on)."""
    dev, _test = out_of_scope_split(path)
    return dev + tuple(line for file in extra if Path(file).is_file() for line in _query_lines(file))


def out_of_scope_fresh_test(path: Path = OOS_FRESH_TEST) -> tuple[str, ...]:
    """A second out-of-scope test set, written after the first one's failures were known, by a writer who saw
    neither ``queries.txt`` nor the training data. Never trained on; empty when the file is missing."""
    return tuple(_query_lines(path)) if Path(path).is_file() else ()


def uk_paraphrases(part: str, directory: Path = PARAPHRASES_DIR) -> tuple[tuple[str, str], ...]:
    """Our British-English customer messages as (text, intent) from ``<directory>/uk_<part>.tsv``.

    ``part`` is ``"train"`` (the router trains on it) or ``"test"`` (written separately by someone who never saw
    the training part; nothing trains on it). A missing file gives no rows; an unknown intent or a malformed line
    raises :class:`ConfigurationError`.

    >>> rows = uk_paraphrases("test")
    >>> all(intent in ALL_INTENTS for _, intent in rows)
    True
    """
    if part not in PARAPHRASE_PARTS:
        raise ValueError(f"part must be one of {PARAPHRASE_PARTS}, got {part!r}")
    path = Path(directory) / f"uk_{part}.tsv"
    if not path.is_file():
        return ()
    return tuple((text, intent) for _, intent, text in read_tagged(path, ALL_INTENTS.__contains__, "known intent"))


def out_of_scope_blind_test(path: Path = OOS_BLIND_TEST) -> tuple[tuple[str, str], ...]:
    """A third out-of-scope test set as (tag, text), written blind: its writer saw no other out-of-scope data, no
    article and no result of the router, and chose the mix and the tags (``other_bank``, ``misuse``, ...)
    itself. Never trained on; empty when the file is missing. A line that is not ``<tag><TAB><message>`` (tag in
    lowercase letters and underscores) raises :class:`ConfigurationError`.

    >>> rows = out_of_scope_blind_test()
    >>> all(tag.replace("_", "").isalpha() and text for tag, text in rows)
    True
    """
    if not Path(path).is_file():
        return ()
    return tuple((tag, text) for _, tag, text in read_tagged(path, lambda tag: bool(re.fullmatch(r"[a-z_]+", tag))))


def text_key(text: str) -> str:
    """A sentence's identity for overlap checks: lowercase words, punctuation and spacing ignored.

    >>> text_key("Tell me a joke.") == text_key("tell me  a JOKE")
    True
    """
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def text_keys(texts: Iterable[str]) -> frozenset[str]:
    """:func:`text_key` of each of ``texts`` that has words: emoji and ``???`` have an empty key and are left out,
    because they cannot be told apart this way.

    >>> sorted(text_keys(["Top-up?", "top up", "???"]))
    ['top up']
    """
    return frozenset(key for key in map(text_key, texts) if key)


def held_out_keys() -> frozenset[str]:
    """:func:`text_key` of every routing test message: the test half of ``queries.txt``, ``test_fresh.txt``,
    ``test_blind.tsv`` and ``uk_test.tsv`` (see :func:`text_keys`)."""
    texts = [
        *out_of_scope_split()[1],
        *out_of_scope_fresh_test(),
        *(text for _, text in out_of_scope_blind_test()),
        *(text for text, _ in uk_paraphrases("test")),
    ]
    return text_keys(texts)


def without_held_out(texts: Sequence[str], also: Iterable[str] = ()) -> list[int]:
    """Indices of ``texts`` whose :func:`text_key` is neither a routing test message's nor one of ``also`` (the
    dev split's texts): what the router may train on. A training sentence that a held-out set repeats, ignoring
    case and punctuation, is dropped from training, never from the held-out set."""
    held = held_out_keys() | text_keys(also)
    return [i for i, text in enumerate(texts) if text_key(text) not in held]


def read_tagged(path: Path, valid: Callable[[str], bool], what: str = "tag") -> list[tuple[int, str, str]]:
    """(file line number, tag, message) for each ``<tag><TAB><message>`` line, skipping blank and ``#`` lines.

    The one reader of this project's tagged files (``data/out_of_scope``, ``data/paraphrases``, ``data/misuse``,
    ``data/scope_screen``). A malformed line or a tag that ``valid`` refuses raises :class:`ConfigurationError`
    naming ``path:line``.
    """
    rows: list[tuple[int, str, str]] = []
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tag, sep, text = line.partition("\t")
        if not sep or not text.strip() or not valid(tag):
            raise ConfigurationError(
                f"{path}:{number}: expected '<{what}><TAB><message>' on line {number}, got {line[:80]!r}"
            )
        rows.append((number, tag, text.strip()))
    return rows


def _query_lines(path: Path) -> list[str]:
    lines = [ln.strip() for ln in Path(path).read_text(encoding="utf-8").splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]
