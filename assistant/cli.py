"""``attune`` command line: ingest, ask, chat, serve, kb check, train, eval."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.errors import AssistantError
from assistant.integrations.determinism import deterministic_training
from assistant.settings import get_settings
from eval.cli import eval_command

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

app = typer.Typer(help="Attune: a support assistant that reads the customer and answers from the bank's knowledge.")
kb_app = typer.Typer(help="Knowledge-base tools.")
db_app = typer.Typer(help="The conversation database.")
train_app = typer.Typer(help="Train the small learned heads from ../shared/data (seeded, reproducible).")
app.add_typer(kb_app, name="kb")
app.add_typer(db_app, name="db")
app.add_typer(train_app, name="train")
app.command("eval", help="Offline evaluation: versioned suites, results.json and report.html (see eval/README.md).")(
    eval_command
)
console = Console(stderr=True)


def _setup_logging() -> None:
    logging.basicConfig(level=get_settings().log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _fail(exc: AssistantError) -> None:
    console.print(f"[red]error[/red] ({exc.code}): {exc}")
    raise typer.Exit(code=2)


@app.command()
def ingest(
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Index the knowledge base into Chroma (only changed sections are re-embedded)."""
    from assistant.answers.focus import update_answer_vectors
    from assistant.kb.ingest import ingest_kb

    _setup_logging()
    settings = get_settings()
    try:
        report = ingest_kb(settings, progress=progress)
        vectors = update_answer_vectors(settings.kb_dir, settings.data_dir, progress=progress)
    except AssistantError as exc:
        _fail(exc)
    console.print(f"ingested: {report}")
    console.print(f"answer sentence vectors: {vectors}")


@app.command()
def ask(
    text: Annotated[str, typer.Argument(help="The customer's message.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole Reply as JSON.")] = False,
    channel: Annotated[str, typer.Option(help="widget or copilot")] = "widget",
) -> None:
    """Answer one message in a fresh conversation."""
    from assistant.pipeline import Pipeline
    from assistant.serialize import to_jsonable
    from assistant.types import Message

    _setup_logging()
    try:
        pipeline = Pipeline.from_settings(get_settings())
        reply = pipeline.handle(Message(conversation_id="cli", text=text, channel=channel)).reply  # type: ignore[arg-type]
    except AssistantError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(reply), indent=2) + "\n")
    else:
        sys.stdout.write(reply.text + "\n")
        _print_explanation(reply)


def _print_explanation(reply: object) -> None:
    from assistant.types import Reply

    assert isinstance(reply, Reply)
    s = reply.signals
    table = Table(show_header=False, box=None, padding=(0, 1))
    if s is not None:
        table.add_row("mood", f"{s.sentiment} ({s.sentiment_score:+.2f}), distress {s.distress}")
        table.add_row("vulnerability", ", ".join(s.vulnerability) or "none")
        table.add_row("literacy", f"{s.literacy} ({s.literacy_confidence:.2f})")
        table.add_row("asked for a person", "yes" if s.handoff_requested else "no")
    if reply.style is not None:
        table.add_row("style", f"{reply.style.tone}, {reply.style.register}, grade <= {reply.style.target_grade:g}")
    if reply.citations:
        table.add_row("sources", "; ".join(f"{c.title} ({c.section})" for c in reply.citations[:3]))
    if reply.grounding_score is not None:
        table.add_row("grounding", f"{reply.grounding_score:.2f}, reading grade {reply.reading_grade:.1f}")
    if reply.escalation is not None and reply.escalation.escalate:
        table.add_row("escalated", f"{reply.escalation.priority}: {'; '.join(reply.escalation.reasons)}")
    table.add_row("status", f"{reply.status}, {reply.timings_ms.get('total', 0):.0f} ms")
    console.print(table)


@app.command()
def chat(
    channel: Annotated[str, typer.Option(help="widget or copilot")] = "widget",
) -> None:
    """Talk to Attune interactively (kept in memory); the signals are shown under each reply. Ctrl-D to quit."""
    from assistant.conversations import ConversationService, InMemoryConversationRepository
    from assistant.pipeline import Pipeline

    _setup_logging()
    settings = get_settings()
    service = ConversationService(settings, Pipeline.from_settings(settings), InMemoryConversationRepository())
    with console.status("warming up models..."):
        service.warm_up()
    cid = service.start(channel=channel).conversation.id  # type: ignore[arg-type]
    console.print("[bold]Attune[/bold] — type a message (Ctrl-D to quit)")
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            break
        try:
            result = service.handle(cid, text)
        except AssistantError as exc:
            console.print(f"[red]{exc}[/red]")
            continue
        sys.stdout.write(f"attune> {result.text}\n")
        if result.reply is not None:
            _print_explanation(result.reply)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes; >1 loads the models once and forks (copy-on-write).")
    ] = 1,
) -> None:
    """Serve the HTTP API and the chat widget (several worker processes with --workers)."""
    _setup_logging()
    from assistant.integrations.memory import fix_mmap_threshold, limit_arenas
    from assistant.integrations.threads import limit_threads

    limit_arenas(get_settings().malloc_arenas)
    fix_mmap_threshold(get_settings().malloc_mmap_threshold_kib)
    limit_threads(get_settings().torch_threads, get_settings().blas_threads)
    if workers > 1:
        from assistant.api.workers import serve_workers

        serve_workers(host, port, workers)
        return
    import uvicorn

    # No uvicorn access log: the API's middleware already logs every request once (route template, status, ms).
    uvicorn.run("server:app", host=host, port=port, log_level="info", access_log=False)


@kb_app.command("check")
def kb_check(
    kb_dir: Annotated[Path | None, typer.Option(help="Knowledge-base folder.")] = None,
) -> None:
    """Lint the knowledge base; exits non-zero on any error."""
    from assistant.kb.lint import check_kb

    problems = check_kb(kb_dir or get_settings().kb_dir)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        console.print(f"[{colour}]{p.severity}[/{colour}] {p.path}: {p.message}")
    console.print(f"kb check: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)")
    if errors:
        raise typer.Exit(code=1)


@train_app.command("routing")
def train_routing_cmd(
    seed: Annotated[int, typer.Option()] = 13,
    folds: Annotated[int, typer.Option(help="folds for the out-of-fold fusion and calibration fit")] = 4,
    reuse_adapter: Annotated[
        bool, typer.Option(help="keep the committed routing adapter; refit only the heads on its view (faster)")
    ] = False,
    extend: Annotated[
        bool, typer.Option(help="keep the committed head; fit only the columns of intents it lacks (fastest)")
    ] = False,
) -> None:
    """Train the intent routing head (BANKING77 train split + the articles' example questions)."""
    from assistant.integrations.layer_adapter import ADAPTER_FILE
    from assistant.training.routing.train import train_routing

    _setup_logging()
    settings = get_settings()
    kept = settings.artifacts_dir / ADAPTER_FILE if reuse_adapter else None
    with deterministic_training(seed):
        if extend:
            from assistant.training.routing.extend import extend_routing

            report = extend_routing(settings, seed=seed, progress=True)
        else:
            report = train_routing(settings, seed=seed, progress=True, folds=folds, reuse_adapter=kept)
    sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")


@train_app.command("signals")
def train_signals_cmd(
    seed: Annotated[int, typer.Option()] = 13,
    reuse_lexical: Annotated[
        Path | None,
        typer.Option(help="copy the sentiment/distress heads and standardisation from this artifact (no GoEmotions)"),
    ] = None,
    evaluate: Annotated[bool, typer.Option(help="write the dev report and model card")] = True,
) -> None:
    """Train the signal heads (sentiment, distress, crisis, high distress, vulnerability, handoff, complaint,
    literacy) and choose the crisis, complaint, high-distress and hand-off thresholds on the written dev split."""
    from assistant.training.signals.train import train_signals

    _setup_logging()
    with deterministic_training(seed):
        report = train_signals(get_settings(), seed=seed, progress=True, reuse_lexical=reuse_lexical, evaluate=evaluate)
    sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")


@train_app.command("crisis-view")
def train_crisis_view_cmd(seed: Annotated[int, typer.Option()] = 13) -> None:
    """Fine-tune the crisis view (the encoder's top layers and a small classifier for the crisis kinds); then
    choose the crisis thresholds with ``python -m assistant.training.signals.thresholds``."""
    from assistant.training.signals.crisis_view import train_crisis_view

    _setup_logging()
    with deterministic_training(seed):
        report = train_crisis_view(get_settings(), seed=seed, progress=True)
    sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")


@train_app.command("service-view")
def train_service_view_cmd(seed: Annotated[int, typer.Option()] = 13) -> None:
    """Fine-tune the service view (the encoder's top layers with a yes/no classifier each for a request for a person,
    a complaint and the four vulnerability drivers); then choose its thresholds with
    ``python -m assistant.training.signals.service_thresholds``."""
    from assistant.training.signals.service_view import train_service_view

    _setup_logging()
    with deterministic_training(seed):
        report = train_service_view(get_settings(), seed=seed, progress=True)
    sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")


@train_app.command("misuse")
def train_misuse_cmd(seed: Annotated[int, typer.Option()] = 13) -> None:
    """Train the misuse head (fraud requests, prompt injection) and print its held-out figures."""
    from assistant.training.signals.misuse import train_misuse

    _setup_logging()
    with deterministic_training(seed):
        report = train_misuse(get_settings(), seed=seed)
    sys.stdout.write(json.dumps(report, indent=2, default=str) + "\n")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the conversation database (ATTUNE_DATABASE_URL, or the embedded SQLite file) to the newest schema."""
    from assistant.integrations.sql import current_revision, make_engine, upgrade

    _setup_logging()
    try:
        engine = make_engine(get_settings().resolved_database_url)
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    except AssistantError as exc:
        _fail(exc)
    console.print(f"conversation database: {before or 'empty'} -> {after}")


@app.command()
def report(
    out: Annotated[Path | None, typer.Option(help="Write the JSON here (default: <data_dir>/report.json).")] = None,
) -> None:
    """Outcome analytics: containment, escalations by reason, time to claim/resolve, sentiment, CSAT, styles."""
    from assistant.conversations.report import outcome_report, report_rows
    from assistant.integrations.sql import make_repository

    settings = get_settings()
    try:
        result = outcome_report(make_repository(settings.resolved_database_url))
    except AssistantError as exc:
        _fail(exc)
    table = Table(title="Attune outcomes")
    table.add_column("metric")
    table.add_column("value")
    for name, value in report_rows(result):
        table.add_row(name, value)
    Console().print(table)
    path = out or settings.data_dir / "report.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    console.print(f"report written to {path}")


if __name__ == "__main__":  # pragma: no cover
    app()
