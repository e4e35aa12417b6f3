"""The ``eval`` command: ``python -m eval [SUITE ...] [--data DIR|FILE] [--out DIR]
[--compare OLD NEW] [--fast] [--set key=value ...]``. The lead wires :func:`eval_command` as ``attune eval``.

Exit codes: 0 done (or no regression), 1 ``--compare`` found a threshold regression (or ``--strict`` and a
threshold failed), 2 bad input or a suite errored.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from assistant.errors import AssistantError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def _console(stderr: bool) -> Console:
    out = Console(stderr=stderr)
    if not out.is_terminal:  # logs and CI: wide enough for full metric names
        out.width = max(out.width, 120)
    return out


console = _console(stderr=True)


def eval_command(
    suites: Annotated[
        list[str] | None,
        typer.Argument(
            help="Suites to run (default: all): retrieval signals answers escalation conversations scope speed."
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            help="Data folder laid out like ../shared/data, or one file (.csv BANKING77-style, .tsv "
            "GoEmotions, .json NLU++, .jsonl conversations) that replaces the suites' dataset of that format."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder (default eval/runs/<timestamp>/).")] = None,
    compare: Annotated[
        tuple[Path, Path] | None,
        typer.Option(help="Compare two runs (folders or results.json): OLD NEW. Runs no suite.", metavar="OLD NEW"),
    ] = None,
    fast: Annotated[bool, typer.Option("--fast", help="Small slice of every suite (CI).")] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a setting for this run: key=value (repeatable)."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any threshold fails.")] = False,
    ingest: Annotated[bool, typer.Option(help="Bring the KB index up to date before retrieving.")] = True,
    report: Annotated[bool, typer.Option(help="Write report.html.")] = True,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    show_all: Annotated[bool, typer.Option("--all", help="--compare: list unchanged metrics too.")] = False,
) -> None:
    """Run offline evaluation suites (every number, side by side) or compare two runs."""
    from eval.compare import compare_paths
    from eval.config import make_settings, parse_overrides
    from eval.runner import EvalRun

    logging.basicConfig(
        level=os.environ.get("ATTUNE_EVAL_LOG", "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if compare is not None and compare[0] is not None:
            if suites:
                raise typer.BadParameter("--compare runs no suite; drop the suite names")
            raise typer.Exit(code=compare_paths(compare[0], compare[1], _console(stderr=False), show_all=show_all))
        overrides = parse_overrides(set_)
        settings = make_settings(overrides)
        run = EvalRun(
            settings=settings,
            suites=list(suites or []),
            data=data,
            out=out,
            fast=fast,
            overrides=overrides,
            ingest=ingest,
            report=report,
            progress=progress,
            argv=list(sys.argv),
            console=console,
        )
        results = run.execute()
    except AssistantError as exc:
        console.print(f"[red]error[/red] ({exc.code}): {exc}")
        raise typer.Exit(code=2) from exc
    if any(s["status"] == "error" for s in results["suites"].values()):
        raise typer.Exit(code=2)
    if strict and not results["passed"]:
        raise typer.Exit(code=1)


app = typer.Typer(add_completion=False, help="Attune offline evaluation harness.")
app.command(name="eval")(eval_command)


def main() -> None:
    """Entry point of ``python -m eval``."""
    typer.run(eval_command)
