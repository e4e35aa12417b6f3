"""One conformance suite for the PiiEngine Protocol, run on Presidio and on the regex engine."""

from __future__ import annotations

import pytest

from assistant.integrations.pii import PiiEngine, PresidioPiiEngine, RegexPiiEngine


@pytest.fixture(scope="module", params=["presidio", "regex"])
def engine(request: pytest.FixtureRequest) -> PiiEngine:
    return PresidioPiiEngine() if request.param == "presidio" else RegexPiiEngine()


def test_is_a_pii_engine(engine: PiiEngine) -> None:
    assert isinstance(engine, PiiEngine)


def test_card_with_valid_luhn_is_found_and_replaced(engine: PiiEngine) -> None:
    text = "card 4111-1111-1111-1111 lost"
    findings = engine.analyze(text)
    assert [f.entity_type for f in findings] == ["CREDIT_CARD"]
    assert engine.anonymize(text, findings) == "card <CARD_NUMBER> lost"


def test_email_spans_cover_the_address(engine: PiiEngine) -> None:
    text = "write to sam@example.org now"
    (finding,) = [f for f in engine.analyze(text) if f.entity_type == "EMAIL_ADDRESS"]
    assert text[finding.start : finding.end] == "sam@example.org"


def test_no_pii_no_findings(engine: PiiEngine) -> None:
    assert engine.analyze("what is the exchange rate today") == []
