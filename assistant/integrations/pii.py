"""PII detection and anonymisation through Microsoft Presidio on a blank spaCy pipeline (no model download).

Only this module imports presidio and spacy for redaction; the stage sees :class:`PiiEngine`.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from assistant.errors import ModelUnavailableError

logger = logging.getLogger(__name__)

# Placeholder per entity type; every placeholder names its type, e.g. "<CARD_NUMBER>".
PLACEHOLDERS: dict[str, str] = {
    "CREDIT_CARD": "<CARD_NUMBER>",
    "IBAN_CODE": "<IBAN>",
    "UK_SORT_CODE": "<SORT_CODE>",
    "UK_ACCOUNT_NUMBER": "<ACCOUNT_NUMBER>",
    "EMAIL_ADDRESS": "<EMAIL>",
    "PHONE_NUMBER": "<PHONE>",
    "UK_POSTCODE": "<POSTCODE>",
    "PERSON": "<NAME>",
    "CVV": "<CVV>",
    "PIN": "<PIN>",
}


@dataclass(frozen=True)
class PiiFinding:
    entity_type: str
    start: int
    end: int
    score: float


@runtime_checkable
class PiiEngine(Protocol):
    """Finds PII spans and replaces them with typed placeholders."""

    def analyze(self, text: str) -> list[PiiFinding]: ...

    def anonymize(self, text: str, findings: list[PiiFinding]) -> str: ...


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


class PresidioPiiEngine:
    """Presidio analyzer + anonymizer with bank-specific recognisers, on ``spacy.blank("en")``.

    >>> engine = PresidioPiiEngine()
    >>> text = "card 4111 1111 1111 1111"
    >>> engine.anonymize(text, engine.analyze(text))
    'card <CARD_NUMBER>'
    """

    def __init__(self, score_threshold: float = 0.4) -> None:
        self._threshold = score_threshold
        self._analyzer: Any = None
        self._anonymizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._analyzer is not None:
                return
            try:
                self._analyzer, self._anonymizer = _build_presidio()
            except Exception as exc:
                raise ModelUnavailableError(f"could not start the PII analyzer: {exc}") from exc
            logger.info("PII analyzer ready with %s recognisers", len(self._analyzer.registry.recognizers))

    def analyze(self, text: str) -> list[PiiFinding]:
        self._load()
        results = self._analyzer.analyze(text=text, language="en", score_threshold=self._threshold)
        findings = [PiiFinding(r.entity_type, r.start, r.end, float(r.score)) for r in results]
        findings = [f for f in findings if _valid(text, f)]
        return _drop_overlaps(findings)

    def anonymize(self, text: str, findings: list[PiiFinding]) -> str:
        self._load()
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

        results = [RecognizerResult(f.entity_type, f.start, f.end, f.score) for f in _drop_overlaps(findings)]
        operators = {
            entity: OperatorConfig("replace", {"new_value": placeholder})
            for entity, placeholder in PLACEHOLDERS.items()
        }
        operators["DEFAULT"] = OperatorConfig("replace", {"new_value": "<PII>"})
        return str(self._anonymizer.anonymize(text=text, analyzer_results=results, operators=operators).text)


def replace_spans(text: str, findings: list[PiiFinding]) -> str:
    """Replace each finding with its typed placeholder, right to left so earlier offsets stay valid."""
    out = text
    for f in sorted(_drop_overlaps(findings), key=lambda f: f.start, reverse=True):
        out = out[: f.start] + PLACEHOLDERS.get(f.entity_type, f"<{f.entity_type}>") + out[f.end :]
    return out


def _valid(text: str, finding: PiiFinding) -> bool:
    if finding.entity_type == "CREDIT_CARD":
        digits = "".join(ch for ch in text[finding.start : finding.end] if ch.isdigit())
        return 12 <= len(digits) <= 19 and _luhn_ok(digits)
    return True


def _drop_overlaps(findings: list[PiiFinding]) -> list[PiiFinding]:
    """Keep the longest, then highest-scoring, finding where spans overlap."""
    kept: list[PiiFinding] = []
    for f in sorted(findings, key=lambda f: (-(f.end - f.start), -f.score, f.start)):
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def _build_presidio() -> tuple[Any, Any]:
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        PhoneRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine

    class BlankSpacyNlpEngine(SpacyNlpEngine):  # type: ignore[misc]
        """spaCy engine that never loads (or downloads) a trained pipeline."""

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}  # type: ignore[assignment]

    nlp_engine = BlankSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp_engine.load()

    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(CreditCardRecognizer())
    registry.add_recognizer(IbanRecognizer())
    registry.add_recognizer(EmailRecognizer())
    registry.add_recognizer(PhoneRecognizer(supported_regions=("GB", "US", "IE", "DE", "FR")))
    registry.add_recognizer(
        PatternRecognizer(
            supported_entity="UK_SORT_CODE",
            patterns=[Pattern("sort code", r"\b\d{2}[- ]\d{2}[- ]\d{2}\b", 0.6)],
            context=["sort", "code", "sortcode"],
        )
    )
    registry.add_recognizer(
        PatternRecognizer(
            supported_entity="UK_ACCOUNT_NUMBER",
            patterns=[Pattern("account number", r"(?<![\d-])\d{8}(?![\d-])", 0.45)],
            context=["account", "acc", "a/c", "number"],
        )
    )
    registry.add_recognizer(
        PatternRecognizer(
            supported_entity="UK_POSTCODE",
            patterns=[Pattern("uk postcode", r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", 0.5)],
        )
    )
    registry.add_recognizer(
        PatternRecognizer(
            supported_entity="CVV",
            patterns=[Pattern("cvv", r"(?i)(?<=\b(?:cvv|cvc|security code)[:\s]{1,3}(?:is\s)?)\d{3,4}\b", 0.8)],
        )
    )
    registry.add_recognizer(
        PatternRecognizer(
            supported_entity="PIN",
            patterns=[Pattern("pin", r"(?i)(?<=\bpin[:\s]{1,3}(?:is\s)?)\d{4,6}\b", 0.8)],
        )
    )
    # Names only after an explicit cue, and case-sensitive: Presidio compiles patterns with IGNORECASE by
    # default, which would turn "I'm going to ..." into a name and hide what the customer said.
    registry.add_recognizer(
        PatternRecognizer(
            supported_entity="PERSON",
            patterns=[
                Pattern(
                    "name after cue",
                    r"(?<=\b(?:[Mm]y name is|[Mm]y name's|[Nn]ame:|[Tt]his is)\s)[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2}",
                    0.55,
                )
            ],
            global_regex_flags=re.DOTALL | re.MULTILINE,
        )
    )
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"])
    return analyzer, AnonymizerEngine()


class RegexPiiEngine:
    """A small dependency-free engine (cards with Luhn, emails, sort codes) used to run the conformance suite
    against a second implementation.

    >>> e = RegexPiiEngine()
    >>> e.anonymize("mail a@b.co", e.analyze("mail a@b.co"))
    'mail <EMAIL>'
    """

    def analyze(self, text: str) -> list[PiiFinding]:
        found: list[PiiFinding] = []
        for m in re.finditer(r"\b(?:\d[ -]?){12,18}\d\b", text):
            if _valid(text, PiiFinding("CREDIT_CARD", m.start(), m.end(), 1.0)):
                found.append(PiiFinding("CREDIT_CARD", m.start(), m.end(), 1.0))
        for m in re.finditer(r"[\w.+-]+@[\w-]+\.[\w.]+", text):
            found.append(PiiFinding("EMAIL_ADDRESS", m.start(), m.end(), 1.0))
        for m in re.finditer(r"\b\d{2}-\d{2}-\d{2}\b", text):
            found.append(PiiFinding("UK_SORT_CODE", m.start(), m.end(), 1.0))
        return _drop_overlaps(found)

    def anonymize(self, text: str, findings: list[PiiFinding]) -> str:
        return replace_spans(text, findings)
