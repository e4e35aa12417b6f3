"""The suites: each calls the stage or the pipeline directly, records one output per case, and computes its
metrics from those outputs (so every number can be recomputed from ``cases.jsonl``).

Every suite function has the signature ``(ctx, cfg, datasets, res) -> None`` and fills ``res``.
"""

from __future__ import annotations

from collections.abc import Callable

from eval.config import SuiteConfig
from eval.runner import Dataset, EvalContext, SuiteResult
from eval.suite_runs.answers import run_answers
from eval.suite_runs.blind import run_blind, run_signals_dev
from eval.suite_runs.common import predictions
from eval.suite_runs.dialogue import (
    conversation_metrics,
    escalation_metrics,
    run_conversation_file,
    run_conversations,
    run_escalation,
)
from eval.suite_runs.language import run_language
from eval.suite_runs.multiturn import run_dialogue
from eval.suite_runs.pii import run_pii
from eval.suite_runs.retrieval import run_retrieval
from eval.suite_runs.scope import run_scope
from eval.suite_runs.signals import run_signals
from eval.suite_runs.speed import run_speed

SUITES: dict[str, Callable[[EvalContext, SuiteConfig, dict[str, Dataset], SuiteResult], None]] = {
    "retrieval": run_retrieval,
    "signals": run_signals,
    "answers": run_answers,
    "escalation": run_escalation,
    "conversations": run_conversations,
    "scope": run_scope,
    "speed": run_speed,
    "blind": run_blind,
    "signals_dev": run_signals_dev,
    "pii": run_pii,
    "language": run_language,
    "dialogue": run_dialogue,
}

__all__ = ["SUITES", "conversation_metrics", "escalation_metrics", "predictions", "run_conversation_file"]
