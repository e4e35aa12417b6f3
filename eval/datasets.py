"""The datasets a suite reads: each of its config's datasets resolved to files (the default location, or the
file given with ``--data`` when it is of that format), loaded through :mod:`eval.formats`, with its provenance.

>>> from eval.config import load_suite
>>> suite_accepts(load_suite("conversations"), "conversations_jsonl")
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.settings import PROJECT_ROOT
from eval.config import SuiteConfig
from eval.formats import FormatName, LabelledText, detect_format, load_any, sha256_file
from eval.text_data import load_literacy_labels


@dataclass
class Dataset:
    """A dataset a suite reads, resolved to files, loaded, with provenance."""

    role: str
    format: FormatName
    items: list[Any]
    files: list[Path]
    sha256: list[str]
    source: str  # "default" or "override"
    split: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def info(self, used: int | None = None) -> dict[str, Any]:
        return {
            "role": self.role,
            "format": self.format,
            "files": [str(p) for p in self.files],
            "sha256": self.sha256,
            "source": self.source,
            "split": self.split,
            "available": len(self.items),
            "used": used if used is not None else len(self.items),
            **self.notes,
        }


def load_datasets(cfg: SuiteConfig, data_root: Path, data_file: Path | None = None) -> dict[str, Dataset]:
    """Each dataset of ``cfg`` resolved against ``--data`` (``data_root``, a directory, or ``data_file``, a file
    replacing the datasets of its format) and loaded."""
    out: dict[str, Dataset] = {}
    for role, spec in cfg.datasets.items():
        if data_file is not None and detect_format(data_file) == spec.format:
            items = load_any(data_file, spec.format)
            out[role] = Dataset(role, spec.format, items, [data_file], [sha256_file(data_file)], "override")
            continue
        base = PROJECT_ROOT if spec.root == "project" else data_root
        files = [base / p for p in spec.paths]
        if spec.format == "literacy_labels":
            items = list(load_literacy_labels(files[0], data_root, split=spec.split))
            sources = [
                data_root / "fiqa_questions" / "FiQA_train_question_final.tsv",
                data_root / "banking77" / "train.csv",
            ]
            used = [p for p in sources if p.is_file()]
            out[role] = Dataset(
                role,
                spec.format,
                items,
                [*files, *used],
                [sha256_file(p) for p in (*files, *used)],
                "default",
                spec.split,
            )
            continue
        if spec.split == "banking77_dev":
            items, notes = _banking77_dev(data_root, spec.seed, spec.dev_fraction)
            out[role] = Dataset(
                role,
                spec.format,
                items,
                files,
                [sha256_file(p) for p in files],
                "default",
                spec.split,
                notes,
            )
            continue
        loaded: list[Any] = []
        for p in files:
            loaded.extend(load_any(p, spec.format))
        out[role] = Dataset(role, spec.format, loaded, files, [sha256_file(p) for p in files], "default", spec.split)
    return out


def _banking77_dev(data_root: Path, seed: int, dev_fraction: float) -> tuple[list[LabelledText], dict[str, Any]]:
    from assistant.training.splits import banking77_split

    split = banking77_split(data_root, seed=seed, dev_fraction=dev_fraction)
    items = [LabelledText(id=f"dev{i}", text=t, label=c) for i, (t, c) in enumerate(split.dev)]
    notes = {
        "split_fn": "assistant.training.splits.banking77_split",
        "seed": seed,
        "dev_fraction": dev_fraction,
        "train_size": len(split.train),
    }
    return items, notes


def suite_accepts(cfg: SuiteConfig, fmt: FormatName) -> bool:
    """Whether ``cfg`` reads a dataset of format ``fmt``."""
    return any(spec.format == fmt for spec in cfg.datasets.values())
