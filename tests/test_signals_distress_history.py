"""Issue #19 (stop 36): the high-distress pair is chosen jointly (head, crisis view), and the crisis layer's warning
signs keep reading earlier turns with the distress thresholds the crisis thresholds were chosen under
(``cues["distress_history"]``), so choosing the high-distress pair again cannot move a crisis decision.

Every sentence here was written for this test or for the helpers' audit notes; none comes from data/blind or the dev
splits.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from signals_support import classify_text

from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings
from assistant.signals.model import SignalModel
from assistant.stages.classify import SignalClassifier
from assistant.stages.encode import MessageEncoder
from assistant.training.signals.thresholds import best_high_pair, history_thresholds

pytestmark = pytest.mark.integration

SIGN = "I've given my dog to my neighbour this morning"  # one self-harm warning sign, calm on its own
CALM_RAW = {"distress": np.array([0.9, 0.08, 0.01, 0.01])}


@pytest.fixture(scope="module")
def message_encoder() -> MessageEncoder:
    enc = MessageEncoder(Settings(environment="test", data_dir=Path("/nonexistent")))
    enc.warm_up()
    return enc


def test_the_shipped_heads_keep_the_history_thresholds_apart_from_the_high_pair(classifier: SignalClassifier) -> None:
    model = classifier.model
    history = history_thresholds(model)
    assert set(history) == {"crisis_history_distress", "crisis_history_distress_view"}
    assert history["crisis_history_distress"] == model.threshold("crisis_history_distress", -1.0)
    # the joint choice moved the budget from the head to the crisis view; the history keeps the older, looser head
    assert model.threshold("high_distress") > history["crisis_history_distress"]
    assert model.threshold("high_distress_view") < history["crisis_history_distress_view"]


def test_a_warning_sign_after_a_turn_distressed_by_the_history_reading_is_a_crisis(
    classifier: SignalClassifier, encoder: TextEncoder
) -> None:
    model: SignalModel = classifier.model
    calm = classify_text(classifier, encoder, "what time do you open on Saturday?")
    assert calm.distress == "none" and calm.cues["distress_history"] == ("none",)
    feats = model.extractor.extract(SIGN)
    read_high = replace(calm, cues={**calm.cues, "distress_history": ("high",)})
    kind, reason = model._warning_signs(feats, CALM_RAW, (read_high,), None, False)
    assert kind == "self_harm" and reason.startswith("warning sign after a distressed turn")
    # a turn escalated as high distress by the new pair alone does not count as distressed history
    escalated_only = replace(calm, distress="high", cues={**calm.cues, "distress_history": ("none",)})
    assert model._warning_signs(feats, CALM_RAW, (escalated_only,), None, False) == (None, "")
    # a turn stored before the cue existed is read by its label, as before
    stored_before = replace(calm, distress="high", cues={k: v for k, v in calm.cues.items() if k != "distress_history"})
    assert model._warning_signs(feats, CALM_RAW, (stored_before,), None, False)[0] == "self_harm"


def test_the_history_reading_uses_the_history_thresholds(classifier: SignalClassifier) -> None:
    model: SignalModel = classifier.model
    feats = model.extractor.extract("I moved my savings over today")
    between = (model.threshold("crisis_history_distress") + model.threshold("high_distress")) / 2
    raw = {"distress": np.array([0.7, 0.2, 0.05, 0.05]), "high_distress": np.array([between])}
    assert model.distress_for_history("none", feats, raw) == "high"
    below = {**raw, "high_distress": np.array([model.threshold("crisis_history_distress") - 0.05])}
    assert model.distress_for_history("none", feats, below) == "none"
    assert model.distress_for_history("crisis", feats, below) == "crisis"


@pytest.mark.parametrize(
    "text",
    [
        "The lady who phoned said my account was compromised so I've moved everything to the account she set up "
        "for me and she's waiting while I do the last bit",
        "Got a text saying my card was cloned, rang the number, they talked me through moving my savings across and "
        "now nobody picks up",
        "Payday isn't until Thursday and there's £2 in the account, I don't know how I'm feeding the two little "
        "ones today",
    ],
)
def test_acute_situations_from_the_issue_read_as_high_distress(
    classifier: SignalClassifier, message_encoder: MessageEncoder, text: str
) -> None:
    s = classifier.run(encoded=message_encoder.run_texts([text])[0])
    assert s.distress in ("high", "crisis") and s.cues["distress"]


def test_best_high_pair_takes_the_most_recall_within_the_false_high_budget() -> None:
    def rates(head: float, view: float) -> tuple[float, float]:
        return 2 * (1.0 - head) + (1.0 - view), 0.2 if head < 0.9 and view < 0.9 else 0.0

    assert best_high_pair([0.5, 0.95], [0.5, 0.95], rates) == (0.5, 0.95)
