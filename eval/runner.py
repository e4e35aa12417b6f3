"""Runs suites: resolves datasets, shares one pipeline and one encoder, records per-case outputs, checks
thresholds, and writes ``results.json``, ``cases.jsonl`` and ``report.html`` with full provenance. Which files a
suite reads, and loading them, is :mod:`eval.datasets` (``Dataset`` is importable from here as before).

>>> from eval.runner import EvalRun  # doctest: +SKIP
>>> run = EvalRun(settings=make_settings(), suites=["conversations"], fast=True)  # doctest: +SKIP
>>> results = run.execute()  # doctest: +SKIP
>>> "conversations.intent.accuracy" in results["metrics"]  # doctest: +SKIP
True
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.errors import IndexNotBuiltError
from assistant.integrations.encoder import LayeredEncoder
from assistant.settings import PROJECT_ROOT, Settings
from assistant.types import Encoded
from eval.config import SuiteConfig, available_suites, load_suite
from eval.datasets import Dataset, load_datasets, suite_accepts
from eval.formats import SUFFIX_FORMATS, EvalDataError, detect_format
from eval.outputs import build_results, print_summary, write_outputs
from eval.provenance import provenance

if TYPE_CHECKING:
    from assistant.conversations import ConversationService
    from assistant.pipeline import Pipeline

logger = logging.getLogger(__name__)
T = TypeVar("T")

RUNS_DIR = PROJECT_ROOT / "eval" / "runs"
CACHE_DIR = PROJECT_ROOT / ".attune" / "cache" / "eval"


@dataclass
class SuiteResult:
    """What one suite produced; ``metrics`` keys are ``<suite>.<metric>``."""

    name: str
    config: SuiteConfig
    status: str = "ok"  # ok | skipped | error
    message: str = ""
    metrics: dict[str, float | int | None] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    cases: list[dict[str, Any]] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0


class EvalContext:
    """Shared state of one evaluation run: settings, data location, one pipeline, encoder, progress."""

    def __init__(
        self,
        settings: Settings,
        *,
        data_root: Path,
        data_file: Path | None = None,
        fast: bool = False,
        console: Console | None = None,
        ingest: bool = True,
        progress: bool = True,
    ) -> None:
        self.settings = settings
        self.data_root = data_root
        self.data_file = data_file
        self.fast = fast
        self.console = console or Console(stderr=True)
        self.ingest = ingest
        self.show_progress = progress
        self.shared: dict[Any, Any] = {}  # results reused across suites (e.g. conversation runs)
        self.seen_versions: dict[str, str] = {}
        self._pipeline: Pipeline | None = None
        self._conversations: ConversationService | None = None
        self._index_ready = False

    # ------------------------------------------------------------------ stages and pipeline

    def pipeline(self) -> Pipeline:
        """The one pipeline of this run (constructed lazily; stages warm up on first use)."""
        if self._pipeline is None:
            from assistant.pipeline import Pipeline

            self._pipeline = Pipeline.from_settings(self.settings)
        return self._pipeline

    def conversations(self) -> ConversationService:
        """A conversation service over this run's pipeline, keeping conversations in memory (never the live store)."""
        from assistant.conversations import ConversationService, InMemoryConversationRepository

        if self._conversations is None:
            self._conversations = ConversationService(self.settings, self.pipeline(), InMemoryConversationRepository())
        return self._conversations

    def ensure_index(self) -> None:
        """Bring the knowledge-base index up to date (incremental ingest) unless ``--no-ingest``."""
        if self._index_ready:
            return
        if self.ingest:
            from assistant.kb.ingest import ingest_kb

            with self.console.status("indexing the knowledge base..."):
                report = ingest_kb(self.settings, progress=False)
            logger.info("ingest: %s", report)
        self._index_ready = True

    def stage(self, name: str) -> Any:
        """A warmed-up stage of the pipeline by name (``classify``, ``style``, ``retrieve``, ...)."""
        if name in ("retrieve", "generate", "fallback", "check"):
            self.ensure_index()
        stage = self.pipeline().stages[name]
        try:
            stage.warm_up()
        except IndexNotBuiltError:
            if not self.ingest:
                raise
            self._index_ready = False
            self.ensure_index()
            stage.warm_up()
        return stage

    def warm_pipeline(self) -> dict[str, float]:
        self.ensure_index()
        return self.pipeline().warm_up()

    # ------------------------------------------------------------------ encoding with a disk cache

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        """``texts`` encoded as the pipeline's encode stage does (shared vector and, with the routing adapter,
        the routing view; with the crisis and service view adapters, their views), cached on disk."""
        from assistant.kb.routing import cached_views
        from assistant.kb.routing_views import cached_view

        stage = self.stage("encode")
        vectors, views = cached_views(stage.encoder, stage.adapter, list(texts), CACHE_DIR, "eval")
        extra = {}
        for name, adapter in (("crisis", stage.crisis_adapter), ("service", stage.service_adapter)):
            if adapter is not None and isinstance(stage.encoder, LayeredEncoder):
                extra[name] = cached_view(stage.encoder, adapter, list(texts), CACHE_DIR, "eval", name)
        crisis, service = extra.get("crisis"), extra.get("service")
        return [
            Encoded(
                text=t,
                vector=vectors[i],
                routing_vector=None if views is None else views[i],
                crisis_vector=None if crisis is None else crisis[i],
                service_vector=None if service is None else service[i],
            )
            for i, t in enumerate(texts)
        ]

    def window_views(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The crisis view alone of each window over the last turns (``MessageEncoder.run_window``), cached on disk;
        None for each without the crisis view."""
        from assistant.kb.routing_views import cached_view

        stage = self.stage("encode")
        adapter = stage.crisis_adapter
        if adapter is None or not isinstance(stage.encoder, LayeredEncoder) or not texts:
            return [None for _ in texts]
        return list(cached_view(stage.encoder, adapter, list(texts), CACHE_DIR, "eval", "crisis"))

    # ------------------------------------------------------------------ progress

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        """Iterate with a rich progress bar (on stderr)."""
        if not self.show_progress:
            yield from items
            return
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=self.console, transient=False) as progress:
            task = progress.add_task(description, total=total)
            for item in items:
                yield item
                progress.advance(task)

    # ------------------------------------------------------------------ datasets

    def slice(self, items: Sequence[T], cap: int | None, key: Callable[[T], str] | None = None) -> list[T]:
        """At most ``cap`` items, deterministic: stratified round-robin over ``key`` when given, else a seeded
        sample kept in file order."""
        if cap is None or cap >= len(items):
            return list(items)
        rng = random.Random(0)
        if key is None:
            chosen = sorted(rng.sample(range(len(items)), cap))
            return [items[i] for i in chosen]
        groups: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            groups.setdefault(key(item), []).append(i)
        for idx in groups.values():
            rng.shuffle(idx)
        picked: list[int] = []
        order = sorted(groups)
        depth = 0
        while len(picked) < cap:
            for g in order:
                if depth < len(groups[g]) and len(picked) < cap:
                    picked.append(groups[g][depth])
            depth += 1
        return [items[i] for i in sorted(picked)]

    def load_datasets(self, cfg: SuiteConfig) -> dict[str, Dataset]:
        """Each dataset of ``cfg`` resolved against ``--data`` (a directory, or a file replacing the
        datasets of its format) and loaded (:func:`eval.datasets.load_datasets`)."""
        return load_datasets(cfg, self.data_root, self.data_file)

    def note_version(self, what: str, version: str | None) -> None:
        if version:
            self.seen_versions.setdefault(what, version)


# ---------------------------------------------------------------------------------------------- the run


@dataclass
class EvalRun:
    """One invocation of the harness: which suites, on what data, with which settings, written where."""

    settings: Settings
    suites: list[str] = field(default_factory=list)
    data: Path | None = None
    out: Path | None = None
    fast: bool = False
    overrides: dict[str, str] = field(default_factory=dict)
    ingest: bool = True
    report: bool = True
    progress: bool = True
    argv: Sequence[str] = field(default_factory=lambda: list(sys.argv))
    console: Console = field(default_factory=lambda: Console(stderr=True))

    def plan(self) -> tuple[list[SuiteConfig], Path, Path | None]:
        """The suites to run (validated) and the data root / single data file."""
        data = Path(self.data) if self.data is not None else Path(self.settings.shared_data_dir)
        data_file: Path | None = None
        if data.is_file():
            data_file = data
            fmt = detect_format(data)
            data = Path(self.settings.shared_data_dir)
        elif not data.is_dir():
            raise EvalDataError(f"--data {data}: no such file or directory")
        names = self.suites or available_suites()
        configs = [load_suite(n) for n in names]
        if data_file is not None:
            wanted = [c for c in configs if suite_accepts(c, fmt)]
            if self.suites and len(wanted) != len(configs):
                refused = ", ".join(c.name for c in configs if c not in wanted)
                raise EvalDataError(
                    f"--data {data_file} is {fmt}; suite(s) {refused} read no {fmt} data "
                    f"(formats by suffix: {', '.join(f'{k}={v}' for k, v in SUFFIX_FORMATS.items())})"
                )
            if not wanted:
                raise EvalDataError(f"--data {data_file} is {fmt}; no suite reads that format")
            configs = wanted
        return configs, data, data_file

    def execute(self) -> dict[str, Any]:
        """Run every planned suite (an error in one is recorded and the rest still run); write the outputs."""
        from eval import suite_runs

        start = time.perf_counter()
        started = dt.datetime.now(dt.UTC)
        configs, data_root, data_file = self.plan()
        out_dir = self.out or RUNS_DIR / started.strftime("%Y%m%d-%H%M%S")
        out_dir.mkdir(parents=True, exist_ok=True)
        settings = self.settings
        if "database_url" not in self.overrides:
            # eval conversations go to a throwaway SQLite file in the run folder, never the live store
            settings = settings.model_copy(update={"database_url": f"sqlite:///{out_dir.resolve()}/conversations.db"})
        ctx = EvalContext(
            settings,
            data_root=data_root,
            data_file=data_file,
            fast=self.fast,
            console=self.console,
            ingest=self.ingest,
            progress=self.progress,
        )
        results: list[SuiteResult] = []
        for cfg in configs:
            res = SuiteResult(name=cfg.name, config=cfg)
            t0 = time.perf_counter()
            self.console.rule(f"[bold]{cfg.name}[/bold] v{cfg.version}{' (fast)' if self.fast else ''}")
            try:
                datasets = ctx.load_datasets(cfg)
                runner = suite_runs.SUITES[cfg.name]
                runner(ctx, cfg, datasets, res)
            except Exception as exc:  # one broken suite must not hide the others' numbers
                logger.debug("suite %s failed", cfg.name, exc_info=True)
                res.status = "error"
                res.message = f"{type(exc).__name__}: {exc}"
                res.details["traceback"] = traceback.format_exc()
                self.console.print(f"[red]suite {cfg.name} failed:[/red] {res.message}")
            res.wall_s = round(time.perf_counter() - t0, 2)
            results.append(res)
        wall = round(time.perf_counter() - start, 2)
        payload = build_results(
            results,
            provenance(settings, self.overrides, self.argv),
            ctx,
            started,
            wall,
            data_root,
            data_file,
            self.fast,
        )
        write_outputs(payload, results, out_dir, report=self.report)
        payload["out_dir"] = str(out_dir)
        print_summary(payload, self.console)
        return payload
