"""EscalationPolicy rules, one test per rule, on hand-built Signals and Retrieval."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.errors import PromptError
from assistant.settings import Settings
from assistant.stages.escalate import EscalationPolicy
from assistant.types import Passage, Retrieval, Signals

CALM = Signals(
    sentiment="neutral",
    sentiment_score=0.0,
    sentiment_probs={"positive": 0.1, "neutral": 0.8, "negative": 0.1},
    distress="none",
    distress_probs={"none": 0.9, "mild": 0.08, "high": 0.01, "crisis": 0.01},
    vulnerability=(),
    vulnerability_probs={"health": 0.0, "life_event": 0.0, "resilience": 0.0, "capability": 0.0},
    handoff_requested=False,
    handoff_prob=0.01,
    literacy="intermediate",
    literacy_confidence=0.6,
    literacy_message="intermediate",
    literacy_probs={"novice": 0.2, "intermediate": 0.6, "expert": 0.2},
    cues={},
)


def _retrieval(sensitive: bool, in_scope: bool = True) -> Retrieval:
    passage = Passage(
        "lost-card", "Lost card", "In short", "Freeze it.", 0.9, ("lost_or_stolen_card",), "cards", sensitive
    )
    return Retrieval((passage,), ("lost-card",), 0.9, in_scope, "lost_or_stolen_card")


@pytest.fixture(scope="module")
def policy() -> EscalationPolicy:
    p = EscalationPolicy(Settings(environment="test", max_failed_turns=2))
    p.warm_up()
    return p


def test_calm_customer_in_scope_stays_with_bot(policy: EscalationPolicy) -> None:
    esc = policy.run(signals=CALM, retrieval=_retrieval(False), failed_turns=0)
    assert not esc.escalate and esc.reasons == ()


def test_crisis_is_urgent(policy: EscalationPolicy) -> None:
    signals = replace(CALM, distress="crisis", crisis_kind="self_harm")
    esc = policy.run(signals=signals, retrieval=None, failed_turns=0)
    assert esc.escalate and esc.crisis and esc.priority == "urgent"
    assert "self_harm" in esc.reasons[0]


def test_explicit_request_for_a_person(policy: EscalationPolicy) -> None:
    esc = policy.run(signals=replace(CALM, handoff_requested=True), retrieval=_retrieval(False), failed_turns=0)
    assert esc.escalate and esc.reasons == ("customer asked for a person",)
    assert esc.kind == "asked" and esc.codes == ("asked_for_person",)


def test_confident_high_distress_is_high_priority(policy: EscalationPolicy) -> None:
    probs = {"none": 0.1, "mild": 0.2, "high": 0.6, "crisis": 0.1}
    signals = replace(CALM, distress="high", distress_probs=probs)
    esc = policy.run(signals=signals, retrieval=_retrieval(False), failed_turns=0)
    assert esc.escalate and esc.priority == "high" and esc.reasons == ("high distress (p=0.70)",)


def test_uncertain_high_distress_alone_stays_with_bot(policy: EscalationPolicy) -> None:
    probs = {"none": 0.3, "mild": 0.28, "high": 0.4, "crisis": 0.02}
    signals = replace(CALM, distress="high", distress_probs=probs)
    assert not policy.run(signals=signals, retrieval=_retrieval(False), failed_turns=0).escalate


def test_vulnerability_with_distress(policy: EscalationPolicy) -> None:
    signals = replace(CALM, distress="mild", vulnerability=("resilience",))
    esc = policy.run(signals=signals, retrieval=_retrieval(False), failed_turns=0)
    assert esc.escalate and esc.priority == "high" and "resilience" in esc.reasons[0]


def test_vulnerability_on_sensitive_topic(policy: EscalationPolicy) -> None:
    signals = replace(CALM, vulnerability=("life_event",))
    assert policy.run(signals=signals, retrieval=_retrieval(True), failed_turns=0).escalate
    assert not policy.run(signals=signals, retrieval=_retrieval(False), failed_turns=0).escalate


def test_sensitive_topic_with_high_distress(policy: EscalationPolicy) -> None:
    probs = {"none": 0.5, "mild": 0.1, "high": 0.38, "crisis": 0.02}  # not sure enough to escalate on its own
    signals = replace(CALM, distress="high", distress_probs=probs)
    esc = policy.run(signals=signals, retrieval=_retrieval(True), failed_turns=0)
    assert esc.escalate and esc.reasons == ("sensitive topic (lost-card) with high distress",)
    assert not policy.run(signals=replace(CALM, distress="mild"), retrieval=_retrieval(True), failed_turns=0).escalate


def test_low_capability_alone_on_a_sensitive_topic_stays_with_the_bot(policy: EscalationPolicy) -> None:
    # "there's a charge I don't understand": capability (doesn't understand), mild distress, and the unrecognised
    # payment article (sensitive). A plainer register meets it; a person is not brought in.
    signals = replace(CALM, distress="mild", vulnerability=("capability",))
    assert not policy.run(signals=signals, retrieval=_retrieval(True), failed_turns=0).escalate
    both = replace(signals, vulnerability=("capability", "health"))
    esc = policy.run(signals=both, retrieval=_retrieval(True), failed_turns=0)
    assert esc.escalate and esc.reasons == ("vulnerability (health) with distress",)
    calm_health = replace(CALM, vulnerability=("capability", "health"))
    esc = policy.run(signals=calm_health, retrieval=_retrieval(True), failed_turns=0)
    assert esc.escalate and esc.reasons == ("vulnerability (health) on a sensitive topic",)
    high = replace(signals, distress="high", distress_probs={"none": 0.5, "mild": 0.1, "high": 0.38, "crisis": 0.02})
    assert policy.run(signals=high, retrieval=_retrieval(True), failed_turns=0).escalate


def test_low_capability_with_mild_distress_gets_plainer_words_not_a_handoff(policy: EscalationPolicy) -> None:
    signals = replace(CALM, distress="mild", vulnerability=("capability",))
    assert not policy.run(signals=signals, retrieval=_retrieval(False), failed_turns=0).escalate
    both = replace(CALM, distress="mild", vulnerability=("capability", "health"))
    esc = policy.run(signals=both, retrieval=_retrieval(False), failed_turns=0)
    assert esc.escalate and esc.reasons == ("vulnerability (health) with distress",)


def test_repeated_failure_offers_a_person_and_does_not_park_the_customer(policy: EscalationPolicy) -> None:
    assert not policy.run(signals=CALM, retrieval=_retrieval(False, False), failed_turns=1).offer
    esc = policy.run(signals=CALM, retrieval=_retrieval(False, False), failed_turns=2)
    assert not esc.escalate and esc.offer and esc.kind == "offer"
    assert esc.codes == ("repeated_failure",) and "2 attempts" in esc.reasons[0]
    assert "Talk to a person" in esc.text


def test_low_confidence_after_a_miss_offers_a_person(policy: EscalationPolicy) -> None:
    esc = policy.run(signals=CALM, retrieval=_retrieval(False), failed_turns=1)  # matched, but no checked answer
    assert esc.offer and esc.codes == ("low_confidence",) and not esc.escalate
    assert not policy.run(signals=CALM, retrieval=_retrieval(False), failed_turns=0).offer
    assert not policy.run(signals=CALM, retrieval=_retrieval(False, in_scope=False), failed_turns=1).offer


def test_asking_twice_is_higher_priority_and_never_suppressed(policy: EscalationPolicy) -> None:
    asked = replace(CALM, handoff_requested=True)
    again = policy.run(signals=asked, retrieval=None, failed_turns=0, asks_before=1, handled=("asked_for_person",))
    assert again.escalate and again.kind == "asked" and again.codes == ("asked_again",)
    assert again.priority == "high"


def test_after_asking_twice_the_bot_never_answers_a_third_time(policy: EscalationPolicy) -> None:
    # This message asks for nothing, yet two earlier turns asked for a person: it goes to a person, even when a
    # person already handled a request earlier in the conversation.
    later = policy.run(
        signals=CALM, retrieval=_retrieval(False), failed_turns=0, asks_before=2, handled=("asked_again",)
    )
    assert later.escalate and later.kind == "asked" and later.codes == ("asked_again",)
    once = policy.run(signals=CALM, retrieval=_retrieval(False), failed_turns=0, asks_before=1)
    assert not once.escalate


def test_a_handled_reason_does_not_escalate_again(policy: EscalationPolicy) -> None:
    signals = replace(CALM, distress="mild", vulnerability=("resilience",))
    assert policy.run(signals=signals, retrieval=None, failed_turns=0).escalate
    assert not policy.run(
        signals=signals, retrieval=None, failed_turns=0, handled=("vulnerable_with_distress",)
    ).escalate


def test_fraud_in_progress_is_urgent(policy: EscalationPolicy) -> None:
    text = "someone is taking money from my account right now"
    esc = policy.run(signals=CALM, retrieval=_retrieval(True), failed_turns=0, text=text)
    assert esc.escalate and esc.priority == "urgent" and esc.codes == ("fraud_in_progress",)
    assert esc.cues[0] == ("right now",)
    assert not policy.run(signals=CALM, retrieval=_retrieval(True), failed_turns=0, text="my card was stolen").escalate


def test_escalation_rules_are_strict(tmp_path: Path) -> None:
    source = Settings().prompts_dir / "escalation.yaml"
    for name in ("handoff.yaml",):
        (tmp_path / name).write_text((source.parent / name).read_text())
    (tmp_path / "escalation.yaml").write_text(source.read_text() + "\nsurprise: 1\n")
    broken = EscalationPolicy(Settings(environment="test", prompts_dir=tmp_path))
    with pytest.raises(PromptError, match="surprise"):
        broken.warm_up()


def test_fraud_request_goes_to_a_person_with_its_cues(policy: EscalationPolicy) -> None:
    fraud = replace(CALM, misuse="fraud", cues={"misuse": ("asks how to clone a card",)})
    esc = policy.run(signals=fraud, retrieval=_retrieval(False), failed_turns=0)
    assert esc.escalate and esc.priority == "high"
    assert esc.reasons == ("asked for help with fraud (asks how to clone a card)",)


def test_prompt_injection_alone_is_refused_not_handed_off(policy: EscalationPolicy) -> None:
    injection = replace(CALM, misuse="prompt_injection", cues={"misuse": ("asks for secrets",)})
    assert not policy.run(signals=injection, retrieval=_retrieval(False, False), failed_turns=1).escalate


@pytest.mark.parametrize(("locale", "needle"), [("en-GB", "116 123"), ("en-US", "988"), ("fr-FR", "116 123")])
def test_crisis_contacts_follow_locale(policy: EscalationPolicy, locale: str, needle: str) -> None:
    assert any(needle in c for c in policy.crisis_contacts(locale, "self_harm"))


def test_abuse_contacts(policy: EscalationPolicy) -> None:
    assert any("Domestic Abuse" in c for c in policy.crisis_contacts("en-GB", "abuse"))


def test_a_message_in_another_language_brings_in_a_person_told_in_that_language(policy: EscalationPolicy) -> None:
    spanish = replace(CALM, language="es", cues={"language": ("es (p=0.98), 2/12 English words",)})
    e = policy.run(signals=spanish, retrieval=_retrieval(sensitive=False), failed_turns=0)
    assert e.escalate and e.kind == "now" and e.priority == "high" and e.codes == ("other_language",)
    assert e.text.startswith("I can only answer in English") and "Una persona de nuestro equipo" in e.text
    assert e.cues == (("es (p=0.98), 2/12 English words",),)
    unnamed = policy.run(signals=replace(CALM, language="und"), retrieval=None, failed_turns=0)
    assert unnamed.codes == ("other_language",) and "\n" not in unnamed.text  # no line for a language not named
    again = policy.run(signals=spanish, retrieval=None, failed_turns=0, handled=("other_language",))
    assert again.codes == ("other_language",)  # after a person released the chat, the bot still cannot read it
    crisis = replace(spanish, distress="crisis", crisis_kind="self_harm")
    both = policy.run(signals=crisis, retrieval=None, failed_turns=0)
    assert both.codes[0] == "crisis" and "other_language" in both.codes and both.priority == "urgent"
