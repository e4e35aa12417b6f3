"""PII detection and anonymisation through Microsoft Presidio on a blank spaCy pipeline (no model download).

Only this module imports presidio and spacy for redaction; the stage sees :class:`PiiEngine`.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Protocol, runtime_checkable

from assistant.errors import ModelUnavailableError
from assistant.integrations.pii_numbers import after_reference, business_line, card_shaped, phone_cued
from assistant.integrations.pii_rules import rule_findings
from assistant.integrations.pii_types import PiiFinding, luhn_ok, merge_spans

logger = logging.getLogger(__name__)

# Placeholder per entity type; every placeholder names its type, e.g. "<CARD_NUMBER>".
PLACEHOLDERS: dict[str, str] = {
    "CREDIT_CARD": "<CARD_NUMBER>",
    "IBAN_CODE": "<IBAN>",
    "UK_SORT_CODE": "<SORT_CODE>",
    "ACCOUNT_NUMBER": "<ACCOUNT_NUMBER>",
    "LONG_NUMBER": "<NUMBER>",
    "UK_NINO": "<NI_NUMBER>",
    "US_SSN": "<SSN>",
    "ABA_ROUTING": "<ROUTING_NUMBER>",
    "PASSWORD": "<SECRET>",
    "DATE_OF_BIRTH": "<DATE_OF_BIRTH>",
    "STREET_ADDRESS": "<ADDRESS>",
    "EMAIL_ADDRESS": "<EMAIL>",
    "PHONE_NUMBER": "<PHONE>",
    "UK_POSTCODE": "<POSTCODE>",
    "US_ZIP": "<POSTCODE>",
    "PERSON": "<NAME>",
}
# Presidio's own recognisers kept next to the rules (it validates cards, IBANs and phone numbers well).
PRESIDIO_ENTITIES = ("CREDIT_CARD", "IBAN_CODE", "EMAIL_ADDRESS", "PHONE_NUMBER")


@runtime_checkable
class PiiEngine(Protocol):
    """Finds PII spans and replaces them with typed placeholders."""

    def analyze(self, text: str) -> list[PiiFinding]: ...

    def anonymize(self, text: str, findings: list[PiiFinding]) -> str: ...


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
        return merge_spans([*findings, *rule_findings(text)])

    def anonymize(self, text: str, findings: list[PiiFinding]) -> str:
        return replace_spans(text, findings)


def replace_spans(text: str, findings: list[PiiFinding]) -> str:
    """Replace each finding with its typed placeholder, right to left so earlier offsets stay valid."""
    out = text
    for f in sorted(merge_spans(findings), key=lambda f: f.start, reverse=True):
        out = out[: f.start] + PLACEHOLDERS.get(f.entity_type, f"<{f.entity_type}>") + out[f.end :]
    return out


def _valid(text: str, finding: PiiFinding) -> bool:
    if finding.entity_type == "PHONE_NUMBER" and (
        after_reference(text, finding.start) or business_line(text, finding.start)
    ):
        return False  # "order #4455667788" is an order number, "the helpline 0345 600 1234" a company's line
    if finding.entity_type == "PHONE_NUMBER" and _foreign_digits(text[finding.start : finding.end]):
        return phone_cued(text, finding.start)  # "PAYPAL *EBAY 35314369001" is a merchant's id, not Dublin
    if finding.entity_type == "CREDIT_CARD":
        raw = text[finding.start : finding.end]
        digits = "".join(ch for ch in raw if ch.isdigit())
        if after_reference(text, finding.start) and not card_shaped(raw):
            return False  # "order 203-1928374-5564738" passes Luhn by chance
        token = _dashed_token(text, finding.start, finding.end)
        if token != raw and not card_shaped(token):
            return False  # "order #112-4478291-0091827": a part of a longer dashed number
        return 12 <= len(digits) <= 19 and luhn_ok(digits)
    return True


def _dashed_token(text: str, start: int, end: int) -> str:
    """The run of digits and dashes around ``start:end`` ("112-4478291-0091827" around "4478291-0091827")."""
    while start > 1 and text[start - 1] == "-" and text[start - 2].isdigit():
        start -= 2
        while start > 0 and text[start - 1].isdigit():
            start -= 1
    while end + 1 < len(text) and text[end] == "-" and text[end + 1].isdigit():
        end += 2
        while end < len(text) and text[end].isdigit():
            end += 1
    return text[start:end]


def _foreign_digits(raw: str) -> bool:
    """Digits alone that no national format writes: not 0..., not ten digits, not 1 and ten (a number from abroad
    is written with its + or 00)."""
    return raw.isdigit() and not raw.startswith("0") and len(raw) != 10 and not (len(raw) == 11 and raw[0] == "1")


def _build_presidio() -> tuple[Any, Any]:
    import spacy
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
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

    class OfflineEmailRecognizer(EmailRecognizer):  # type: ignore[misc]
        """Presidio's email recogniser with the public-suffix list read from tldextract's bundled snapshot: the stock
        one fetches the list from the internet on first use (a run-time download, and a DNS wait offline)."""

        _domains = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)

        def validate_result(self, pattern_text: str) -> bool:
            return bool(self._domains(pattern_text).fqdn)

    nlp_engine = BlankSpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp_engine.load()

    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(CreditCardRecognizer())
    registry.add_recognizer(IbanRecognizer())
    registry.add_recognizer(OfflineEmailRecognizer())
    registry.add_recognizer(PhoneRecognizer(supported_regions=("GB", "US", "IE", "DE", "FR")))
    analyzer = AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["en"])
    return analyzer, AnonymizerEngine()


class RegexPiiEngine:
    """The rules alone (no Presidio): cards with Luhn, emails and every rule of ``pii_rules``; the conformance
    suite runs on it as a second implementation.

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
        return merge_spans([*found, *rule_findings(text)])

    def anonymize(self, text: str, findings: list[PiiFinding]) -> str:
        return replace_spans(text, findings)
