"""Lexicon rules from the dev rows of written round 12l (issue #19): each general form is caught in words other than
the row it came from, and its look-alikes are left alone (fast tier, no models)."""

from __future__ import annotations

import pytest

from assistant.signals.crisis_layer import CrisisLayer
from assistant.signals.features import FeatureExtractor
from assistant.signals.lexicon import person_requests


def _crisis_rule_cues(text: str) -> set[str]:
    """Crisis rule cues of ``text`` once denials and professional framing are applied."""
    return {h.cue for h in CrisisLayer._crisis_rule_hits(FeatureExtractor().extract(text))}


def _cues(text: str, group: str) -> tuple[str, ...]:
    return FeatureExtractor().extract(text).cues(group)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("me not want live no more, just tell me the balance", "don't want to live"),
        ("i no wish to live. please close account", "don't want to live"),
        ("sorry. I only wanted to speak to somebody before.", "indirect ideation"),
        ("just wanted to say thank you to someone before...", "indirect ideation"),
        ("my toddler is choking and I can't pay for the cab", "medical emergency"),
        ("newborn gone really limp, what do I do", "medical emergency"),
    ],
)
def test_round_12l_crisis_phrasings_are_caught(text: str, cue: str) -> None:
    assert cue in _crisis_rule_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'd never wish to live anywhere else, this branch is lovely",
        "can I talk to someone before I pay the deposit?",
        "I'd like to say goodbye to my old account before I switch",
        "my son was choking on a grape last week, all fine, can I claim the first-aid course?",
        "the baby's blanket is blue, can I order the card in that colour?",
        "I teach my class about saving, can I use your leaflets?",
    ],
)
def test_round_12l_crisis_look_alikes_are_not_a_crisis(text: str) -> None:
    assert not _crisis_rule_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "the bailiffs are back, they're outside banging on the door, can I pay £50 now?",
        "he's at the door again, the debt collector from the catalogue company",
        "For a client file: does the life policy pay out after a suicide in the first year?",
        "Preparing a workshop on recognising financial abuse for our volunteers: do you have a leaflet?",
    ],
)
def test_bailiffs_and_professional_files_are_not_danger_now(text: str) -> None:
    assert not _crisis_rule_cues(text)


def test_danger_told_beside_a_bailiff_is_still_danger() -> None:
    assert "danger now" in _crisis_rule_cues("the bailiff left. now he's outside with a knife")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("he told me not to tell the bank why I'm moving it", "scam: caller still on the line"),
        ("she's speaking to me on my work phone right now and says don't hang up", "scam: caller still on the line"),
        ("the electric meter is on emergency credit and I've got a newborn", "power or heating about to go"),
        ("engineers outside to disconnect the gas, I paid yesterday", "power or heating about to go"),
        ("the cash machine in Faro swallowed my card at 1 in the morning, no cash, no way home", "stranded"),
        ("taxi driver says pay now or he'll call the police and my card's blocked", "stranded"),
        ("he said moving it was the only way to protect my savings", "scam: told to move money"),
        ("my inheritance, £12,000, gone in one night", "all money gone"),
        ("the clinic will stop the dialysis unless the payment clears today", "treatment stopped for payment"),
        ("a lady said she was from Amazon and I gave her the code from my phone", "scam: coached by a caller"),
        ("and now the money is going, three payments I never made", "scam: coached by a caller"),
    ],
)
def test_round_12l_acute_situations_are_named(text: str, cue: str) -> None:
    assert cue in _cues(text, "distress.acute")


@pytest.mark.parametrize(
    "text",
    [
        "what happens if I don't hang up after the fraud team call ends?",
        "can I top up my gas meter with emergency credit in the app?",
        "the atm swallowed my card and gave me no money but took £100",
        "the hotel wants a deposit, can I pay with my credit card?",
        "my redundancy money has gone into my account, which saver is best?",
        "the hospital parking charges are too high, can I get a refund?",
    ],
)
def test_round_12l_acute_look_alikes_are_not_acute(text: str) -> None:
    assert not _cues(text, "distress.acute")


@pytest.mark.parametrize(
    "text",
    [
        "quiero hablar con una persona por favor",
        "je voudrais parler à un conseiller",
        "cn u get me sum1 2 tlk 2? tlk 2 sum1",
    ],
)
def test_requests_for_a_person_in_other_languages_and_text_speak(text: str) -> None:
    assert _cues(text, "handoff.explicit")


def test_a_merchants_callback_is_not_a_request_for_a_person() -> None:
    assert not _cues("the dispute form asks if I want a callback from the merchant, what is that?", "handoff.explicit")
    assert _cues("could I get a callback this afternoon please", "handoff.explicit")


def _complaint_cues(text: str) -> tuple[str, ...]:
    feats = FeatureExtractor().extract(text)
    return feats.cues("complaint.about_bank") + feats.cues("complaint.general")


@pytest.mark.parametrize(
    "text",
    [
        "sat on hold for over an hour yesterday",
        "kept on hold 45 mins then cut off",
        "yr banking app is total garbage",
        "the ATM outside your Leeds branch has been out of order for weeks",
        "I hate how your branch closes at 3",
        "we're not happy. at all.",
    ],
)
def test_round_12l_dissatisfaction_is_a_complaint_cue(text: str) -> None:
    assert _complaint_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "how long is the hold time on the phone line usually?",
        "is the cash machine at the station working today?",
        "what can I do if I'm not happy, who do I write to?",
        "he must hate you lot, he keeps ringing",
    ],
)
def test_round_12l_complaint_look_alikes_are_left_alone(text: str) -> None:
    assert not _complaint_cues(text)


def _requests(text: str) -> tuple[str, ...]:
    """Request-for-a-person cues as the signal model counts them (less those inside a decline or a mention)."""
    return tuple(h.cue for h in person_requests(FeatureExtractor().extract(text).hits))


@pytest.mark.parametrize(
    "text",
    [
        "I talked to an actual person last week and it's fixed, thanks",
        "my husband is going to ring you lot tomorrow about the loan",
        "will a human ever look at my application or is it all automatic?",
        "are your advisers UK based?",
        "this is way faster than queuing for an agent",
    ],
)
def test_a_person_mentioned_is_not_a_request(text: str) -> None:
    assert not _requests(text)


@pytest.mark.parametrize(
    "text",
    [
        "I spoke to someone yesterday, now I want to speak to a manager",
        "can my wife and I talk to someone about a joint mortgage?",
        "is there a real person I can speak to?",
    ],
)
def test_a_request_beside_a_mention_still_counts(text: str) -> None:
    assert _requests(text)


def test_a_crisis_told_beside_a_lesson_on_the_subject_still_counts() -> None:
    assert not _crisis_rule_cues("my slides for the workshop on suicide prevention are done, can I claim the printing?")
    assert _crisis_rule_cues("I teach a lesson on suicide prevention and honestly I want to die")
