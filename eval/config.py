"""Suite configuration (``eval/suites/<name>.yaml``), thresholds, and settings overrides
(``--set key=value``).

>>> cfg = load_suite("retrieval")
>>> cfg.name, cfg.version >= 1, "retrieval.top1" in cfg.thresholds
('retrieval', True, True)
>>> Threshold(min=0.8).passes(0.85), Threshold(max=0).passes(1)
(True, False)
>>> parse_overrides(["top_k=7"])
{'top_k': '7'}
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from assistant.settings import Settings
from eval.formats import EvalDataError, FormatName

SUITES_DIR = Path(__file__).resolve().parent / "suites"
SUITE_ORDER: tuple[str, ...] = ("retrieval", "signals", "answers", "escalation", "conversations", "scope", "speed")
_SECRET_NAME = re.compile(r"(key|secret|password|token)", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(://[^:/@]+):([^@]*)@")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Strict):
    """A bound on one metric (exactly one of ``min``/``max``) and the drop ``--compare`` tolerates."""

    min: float | None = None
    max: float | None = None
    tolerance: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_bound(self) -> Threshold:
        if (self.min is None) == (self.max is None):
            raise ValueError("give exactly one of min or max")
        return self

    @property
    def higher_is_better(self) -> bool:
        return self.min is not None

    def passes(self, value: float | int | None) -> bool:
        """Whether ``value`` meets the bound; a missing or undefined value never does."""
        if value is None:
            return False
        if self.min is not None:
            return float(value) >= self.min
        assert self.max is not None
        return float(value) <= self.max

    def describe(self) -> str:
        return f">= {self.min:g}" if self.min is not None else f"<= {self.max:g}"


class DatasetSpec(_Strict):
    """One dataset a suite reads: a path (or list of paths) relative to ``--data`` or to the project root."""

    path: str | list[str]
    format: FormatName
    root: Literal["data", "project"] = "data"
    split: str | None = None  # "banking77_dev" (seeded stratified dev split) or a labels file's split name
    seed: int = 13
    dev_fraction: float = Field(default=0.2, gt=0, lt=1)

    @property
    def paths(self) -> list[str]:
        return [self.path] if isinstance(self.path, str) else list(self.path)


class SuiteConfig(_Strict):
    """One versioned suite: datasets, the stage under test, options, the CI slice size and the thresholds."""

    version: int = Field(ge=1)
    name: str
    description: str = ""
    stage: str
    datasets: dict[str, DatasetSpec] = Field(min_length=1)
    fast: int = Field(ge=1)  # cases per dataset in --fast (CI) runs
    limit: int | None = Field(default=None, ge=1)  # cases per dataset in full runs (None = all)
    options: dict[str, Any] = Field(default_factory=dict)
    thresholds: dict[str, Threshold] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _thresholds_prefixed(self) -> SuiteConfig:
        bad = [k for k in self.thresholds if not k.startswith(f"{self.name}.")]
        if bad:
            raise ValueError(f"threshold keys must start with '{self.name}.': {', '.join(bad)}")
        return self

    def cap(self, fast: bool) -> int | None:
        """How many cases per dataset this run takes."""
        return self.fast if fast else self.limit


def available_suites(suites_dir: Path = SUITES_DIR) -> list[str]:
    """Suite names in run order (known ones first, then any extra YAML files alphabetically)."""
    names = {p.stem for p in suites_dir.glob("*.yaml")}
    return [n for n in SUITE_ORDER if n in names] + sorted(names - set(SUITE_ORDER))


def load_suite(name: str, suites_dir: Path = SUITES_DIR) -> SuiteConfig:
    """Read and validate ``<suites_dir>/<name>.yaml``; the file's ``name`` must equal its stem."""
    path = suites_dir / f"{name}.yaml"
    if not path.is_file():
        raise EvalDataError(f"no suite {name!r}; available: {', '.join(available_suites(suites_dir))}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        cfg = SuiteConfig.model_validate(raw)
    except yaml.YAMLError as exc:
        raise EvalDataError(f"{path}: invalid YAML: {exc}") from exc
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise EvalDataError(f"{path}: {msgs}") from exc
    if cfg.name != name:
        raise EvalDataError(f"{path}: name {cfg.name!r} differs from the file name {name!r}")
    return cfg


# ---------------------------------------------------------------------------------------------- settings


def parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    """``["key=value", ...]`` -> dict; keys must be Settings fields."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise EvalDataError(f"--set expects key=value, got {pair!r}")
        if key not in Settings.model_fields:
            known = ", ".join(sorted(Settings.model_fields))
            raise EvalDataError(f"--set {key}: not a setting; known: {known}")
        out[key] = value
    return out


def make_settings(overrides: dict[str, Any] | None = None, base: Settings | None = None) -> Settings:
    """Settings from the environment (or ``base``) with ``overrides`` applied and validated."""
    values: dict[str, Any] = {}
    if base is not None:
        values = {name: getattr(base, name) for name in Settings.model_fields if name in base.model_fields_set}
    values.update(overrides or {})
    try:
        return Settings(**values)
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise EvalDataError(f"invalid --set value: {msgs}") from exc


def safe_settings_dump(settings: Settings) -> dict[str, Any]:
    """Every setting as JSON types, secrets masked and credentials stripped from URLs."""
    out: dict[str, Any] = {}
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) or (_SECRET_NAME.search(name) and value is not None):
            out[name] = "***"
        elif isinstance(value, Path):
            out[name] = str(value)
        elif isinstance(value, str) and "://" in value:
            out[name] = _URL_CREDENTIALS.sub(r"\1:***@", value)
        else:
            out[name] = value
    return out
