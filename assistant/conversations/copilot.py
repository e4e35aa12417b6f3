"""The agent's copilot: suggested replies for a claimed conversation and a check of the agent's own draft.

Both reuse the pipeline's stages and the answer checks in ``assistant/answers`` (nothing is re-implemented here).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace

from assistant.answers.checks import reading_grade
from assistant.answers.composer import term_pattern
from assistant.answers.kbview import load_articles
from assistant.answers.policy import simpler_style
from assistant.conversations.model import Turn, TurnRole
from assistant.errors import InvalidMessageError
from assistant.pipeline import Pipeline
from assistant.serialize import signals_from_dict
from assistant.stages.redact import validate_text
from assistant.types import Citation, Message, Retrieval, Signals, Style


@dataclass(frozen=True)
class Suggestion:
    """One suggested reply: checked text, its citations, the register and tone it was written in.

    >>> Suggestion("Freeze your card in the app.", (), "plain", "neutral", 3.1, 1.0).register
    'plain'
    """

    text: str
    citations: tuple[Citation, ...]
    register: str
    tone: str
    reading_grade: float
    grounding_score: float


@dataclass(frozen=True)
class DraftReview:
    """What an agent should fix before sending: ``ok`` when nothing is flagged.

    >>> DraftReview(True, 4.0, 6.0, "novice", True, (), (), (), ()).ok
    True
    """

    ok: bool
    reading_grade: float
    target_grade: float
    literacy: str | None
    reading_ok: bool
    jargon: tuple[str, ...]
    offers: tuple[str, ...]
    unsupported_figures: tuple[str, ...]
    issues: tuple[str, ...]


class AgentCopilot:
    """Suggestions in the customer's register, grounded and checked; and a draft check for the agent's text.

    >>> from assistant.settings import Settings
    >>> copilot = AgentCopilot(Pipeline.from_settings(Settings()))
    >>> copilot.max_suggestions
    3
    """

    def __init__(self, pipeline: Pipeline, max_suggestions: int = 3) -> None:
        self.pipeline = pipeline
        self.max_suggestions = max_suggestions
        self._glossary: dict[str, re.Pattern[str]] | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        _ = self.glossary

    @property
    def glossary(self) -> dict[str, re.Pattern[str]]:
        """Every glossary term of the knowledge base: the jargon a novice may not know."""
        with self._lock:
            if self._glossary is None:
                terms = {t for a in load_articles(self.pipeline.settings.kb_dir) for t, _ in a.glossary}
                self._glossary = {t: term_pattern(t) for t in sorted(terms)}
            return self._glossary

    def _context(self, turns: list[Turn], channel: str) -> tuple[str, Signals, Style, Retrieval]:
        customer = [t for t in turns if t.role is TurnRole.CUSTOMER and t.payload.get("signals")]
        if not customer:
            raise InvalidMessageError("the conversation has no customer message yet")
        last = customer[-1]
        signals = signals_from_dict(dict(last.payload["signals"]))
        p = self.pipeline
        style = p.style.run(signals=signals, channel="copilot" if channel == "copilot" else "widget")
        redacted = p.redactor.run(message=Message("copilot", last.text))
        encoded = p.encoder.run(redacted=redacted)
        retrieval = p.retriever.run(encoded=encoded, support_intents=style.support_intents)
        return last.text, signals, style, retrieval

    def suggest(self, turns: list[Turn], channel: str = "widget") -> list[Suggestion]:
        """2-3 replies to the open question that pass the answer checks, in the customer's register."""
        question, signals, style, retrieval = self._context(turns, channel)
        variants = [style, simpler_style(style)]
        if style.tone != "empathetic":
            variants.append(replace(style, tone="empathetic"))
        candidates: list[tuple[Style, Retrieval]] = [(v, retrieval) for v in variants]
        if len(retrieval.article_ids) > 1:  # the runner-up article, in case the top one is not what they meant
            second = retrieval.article_ids[1]
            alt = replace(
                retrieval,
                passages=tuple(p for p in retrieval.passages if p.article_id == second),
                article_ids=(second,),
            )
            candidates.append((style, alt))
        out: list[Suggestion] = []
        seen: set[str] = set()
        for candidate_style, candidate_retrieval in candidates:
            result = self.pipeline.flow.run(
                query=question, style=candidate_style, retrieval=candidate_retrieval, signals=signals
            )
            text = result.verdict.text.strip()
            if not result.verdict.passed or not text or text in seen:
                continue
            seen.add(text)
            out.append(
                Suggestion(
                    text,
                    result.draft.citations,
                    result.style.register,
                    result.style.tone,
                    round(result.verdict.reading_grade, 2),
                    round(result.verdict.grounding_score, 3),
                )
            )
            if len(out) >= self.max_suggestions:
                break
        return out

    def check_draft(self, turns: list[Turn], text: str, channel: str = "widget") -> DraftReview:
        """Reading grade against the customer's literacy, jargon for a novice, an offer to a customer in difficulty,
        and figures found neither in the facts file nor in the knowledge base."""
        clean = validate_text(text, self.pipeline.settings.max_message_chars)
        _, signals, style, retrieval = self._context(turns, channel)
        checker = self.pipeline.checker.checker
        jargon = (
            tuple(term for term, pattern in self.glossary.items() if pattern.search(clean))
            if signals.literacy == "novice"
            else ()
        )
        in_difficulty = signals.distress != "none" or "resilience" in signals.vulnerability
        offers = tuple(checker.offer_sentences(clean, retrieval)) if in_difficulty else ()
        figures = tuple(checker.invented_figures(clean, retrieval))
        grade = reading_grade(clean)  # the agent's whole text (the verdict grades only what it would keep)
        limit = style.target_grade + checker.policy.tolerance_for(style.register)
        reading_ok = grade <= limit
        issues: list[str] = []
        if not reading_ok:
            issues.append(
                f"reading grade {grade:.1f} is above {limit:g} (target {style.target_grade:g} and its tolerance) "
                f"for a customer whose literacy reads as {signals.literacy}"
            )
        if jargon:
            issues.append(f"terms a novice may not know: {', '.join(jargon)}")
        if offers:
            issues.append("an offer to a customer in difficulty: " + " | ".join(offers))
        if figures:
            issues.append(f"figures not in the facts file or the knowledge base: {', '.join(figures)}")
        return DraftReview(
            ok=not issues,
            reading_grade=round(grade, 2),
            target_grade=style.target_grade,
            literacy=signals.literacy,
            reading_ok=reading_ok,
            jargon=jargon,
            offers=offers,
            unsupported_figures=figures,
            issues=tuple(issues),
        )
