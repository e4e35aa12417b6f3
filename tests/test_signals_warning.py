"""Issue #19: weak crisis warning signs combine into a crisis (two different signs, in one message or over the last
customer turns, or one sign with distress), each detection names its cues, and one sign alone in a calm message,
or a sign inside a figure of speech, is not a crisis. Also the requests for a person and acute distress phrasings
added in December 2026.

Every sentence here was written for this test; none comes from data/blind or the dev splits.
"""

from __future__ import annotations

import numpy as np
import pytest
from signals_support import classify_text

from assistant.integrations.encoder import TextEncoder
from assistant.signals.crisis_bank import BankMatch
from assistant.signals.features import FeatureExtractor
from assistant.signals.model import SignalModel
from assistant.stages.classify import SignalClassifier

pytestmark = pytest.mark.integration


def test_warning_signs_are_recorded_with_their_kind() -> None:
    feats = FeatureExtractor().extract(
        "I've handed my cat over to my aunt, and my savings should go to her after I'm gone"
    )
    assert "self_harm: after I'm gone" in SignalModel.warning_cues(feats)


def test_two_warning_signs_in_one_message_are_a_crisis(classifier: SignalClassifier, encoder: TextEncoder) -> None:
    s = classify_text(
        classifier,
        encoder,
        "I've given away my records and my guitar, how can my brother get into my savings once I'm gone",
    )
    assert s.distress == "crisis" and s.crisis_kind == "self_harm"
    assert s.cues["crisis"]  # the deciding source (a rule, the bank or the warning signs) explains itself
    assert {"self_harm: giving things away", "self_harm: after I'm gone"} <= set(s.cues["warning"])


def test_warning_signs_build_up_over_the_last_turns(classifier: SignalClassifier, encoder: TextEncoder) -> None:
    first = classify_text(classifier, encoder, "I've given my dog to my neighbour this morning")
    assert first.distress != "crisis" and first.cues["warning"] == ("self_harm: giving things away",)
    later = classify_text(classifier, encoder, "please transfer all my savings to my sister", (first,))
    alone = classify_text(classifier, encoder, "please transfer all my savings to my sister")
    assert alone.distress != "crisis"
    assert later.distress == "crisis" and later.crisis_kind == "self_harm"
    assert "giving things away" in later.cues["crisis"][0] and "turns" in later.cues["crisis"][0]


@pytest.mark.parametrize(
    "text",
    [
        "I'm updating my will: who gets my ISA when I die?",
        "I've had enough of this bank, that's the third declined payment",
        "close all my accounts please, I'm switching to another bank",
        "I'm hopeless with money, can you help me make a budget",
    ],
)
def test_one_warning_sign_in_a_calm_or_ordinary_message_is_not_a_crisis(
    classifier: SignalClassifier, encoder: TextEncoder, text: str
) -> None:
    assert classify_text(classifier, encoder, text).distress != "crisis"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I'm going to wait in the car park until that adviser finishes her shift", "threat"),
        ("one of your staff is going to end up in hospital if this isn't sorted", "threat"),
        ("my flatmate is lying on the floor and isn't responding to me", "emergency"),
        ("he's thrown a plate at me and I'm hiding upstairs", "emergency"),
        ("I've been cutting myself since the debt letters started", "self_harm"),
    ],
)
def test_new_crisis_rules(classifier: SignalClassifier, encoder: TextEncoder, text: str, kind: str) -> None:
    s = classify_text(classifier, encoder, text)
    assert s.distress == "crisis" and s.crisis_kind == kind and s.cues["crisis"]


@pytest.mark.parametrize(
    "text",
    [
        "Could you arrange for somebody from your mortgage team to ring me on Monday?",
        "I need to speak with your probate team about my aunt's account",
        "you've given me the same answer twice. transfer me",
    ],
)
def test_more_requests_for_a_person(classifier: SignalClassifier, encoder: TextEncoder, text: str) -> None:
    assert classify_text(classifier, encoder, text).handoff_requested


@pytest.mark.parametrize("text", ["Is this a bot I'm chatting with?", "no thanks, no need to pass me on"])
def test_a_mention_of_the_bot_or_a_declined_transfer_is_not_a_request(
    classifier: SignalClassifier, encoder: TextEncoder, text: str
) -> None:
    assert not classify_text(classifier, encoder, text).handoff_requested


@pytest.mark.parametrize(
    "text",
    [
        "the man who says he's from your fraud team is on my other phone telling me to read out my passcode",
        "I have 60p left and nothing to feed the kids tonight",
    ],
)
def test_more_acute_situations_are_high_distress(classifier: SignalClassifier, encoder: TextEncoder, text: str) -> None:
    assert classify_text(classifier, encoder, text).distress in ("high", "crisis")


def test_a_family_transfer_is_not_a_crisis(classifier: SignalClassifier, encoder: TextEncoder) -> None:
    # One money-transfer sign ("handing everything over") and a crisis-bank entry of another kind nearby (an adult
    # son taking a pension: abuse) used to combine into self_harm.
    s = classify_text(classifier, encoder, "Please move all my savings to my son's account, he's buying a flat")
    assert s.distress != "crisis" and "crisis" not in s.cues
    assert s.cues["warning"] == ("self_harm: handing everything over",)  # still recorded for later turns


def test_the_bank_backs_a_warning_sign_only_of_its_own_kind(classifier: SignalClassifier) -> None:
    model = classifier.model
    feats = model.extractor.extract("I've given my dog to my neighbour this morning")
    calm = {"distress": np.array([0.9, 0.08, 0.01, 0.01])}
    near = model.threshold("crisis_warning_bank_transfer", 0.9) + 0.05  # above every bank threshold for signs
    other_kind = BankMatch("partner_takes_wages", "abuse", near)
    same_kind = BankMatch("giving_things_away", "self_harm", near)
    assert model._warning_signs(feats, calm, (), other_kind, False) == (None, "")
    kind, reason = model._warning_signs(feats, calm, (), same_kind, False)
    assert kind == "self_harm" and "crisis bank: giving_things_away" in reason
    transfer = model.extractor.extract("please transfer all my savings to my sister")
    assert model._warning_signs(transfer, calm, (), same_kind, False)[0] == "self_harm"
    just_above = BankMatch("giving_things_away", "self_harm", model.threshold("crisis_warning_bank", 0.5) + 0.01)
    assert model._warning_signs(transfer, calm, (), just_above, False) == (None, "")
