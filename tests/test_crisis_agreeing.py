"""Crisis sources where two readings agree below their own thresholds (issue #19, stop 37,
``data/audits/crisis_stop37_notes.md``): the window of the last turns read together with this message's own view,
and the crisis view with the crisis bank on one kind. Real encoder, real shipped heads, view and bank; each case is a
written dev row's phrasing the shipped layer missed, or a trap that must stay a trap."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from assistant.integrations.encoder import LayeredEncoder, shared_encoder
from assistant.settings import get_settings
from assistant.signals.crisis_layer import AGREE_MARK, carries
from assistant.signals.crisis_view import load_crisis_view, window_text
from assistant.signals.model import SignalModel
from assistant.training.signals.crisis_thresholds import OFF
from assistant.types import Signals

NEW = ("crisis_view_joined_low", "crisis_view_joined_floor", "crisis_view_bank", "crisis_view_bank_agree")


@pytest.fixture(scope="module")
def model() -> SignalModel:
    return SignalModel.load()


def read(model: SignalModel, turns: Sequence[str], thresholds: dict[str, float] | None = None) -> list[Signals]:
    """Each customer turn in order, as the pipeline reads it: its vector, its crisis view and the view of its window
    over the earlier turns, with the earlier turns' signals as history."""
    encoder = shared_encoder()
    adapter, _ = load_crisis_view(get_settings().artifacts_dir)
    assert isinstance(encoder, LayeredEncoder) and adapter is not None
    saved = dict(model._thr)
    model._thr.update(thresholds or {})
    try:
        out: list[Signals] = []
        for i, text in enumerate(turns):
            vectors, (views,) = encoder.encode_multi([text], [adapter])
            window = window_text(text, list(turns[:i]))
            window_view = encoder.encode_view([window], adapter)[0] if window else None
            out.append(model.predict(text, vectors[0], tuple(out), views[0], None, window_view))
        return out
    finally:
        model._thr.clear()
        model._thr.update(saved)


def test_the_shipped_heads_carry_the_agreeing_thresholds(model: SignalModel) -> None:
    thr = {k: model.threshold(k, OFF) for k in NEW}
    assert all(t < OFF for t in thr.values())
    # each is below the threshold its reading needs alone
    assert thr["crisis_view_joined_low"] < model.threshold("crisis_view_joined", OFF)
    assert thr["crisis_view_bank"] < model.threshold("crisis_view", OFF)
    assert thr["crisis_view_bank_agree"] < model.threshold("crisis_bank", OFF)


def test_a_threat_the_view_and_the_bank_both_read_is_a_crisis(model: SignalModel) -> None:
    text = "I'm gonna go full Falling Down at the branch tomorrow, not even joking this time"
    (s,) = read(model, [text])
    assert s.distress == "crisis" and s.crisis_kind == "threat"
    assert AGREE_MARK in s.cues["crisis"][0] and "crisis bank" in s.cues["crisis"][0]
    (off,) = read(model, [text], dict.fromkeys(NEW, OFF))
    assert off.distress != "crisis"


@pytest.mark.parametrize(
    ("turns", "kind"),
    [
        (
            [
                "Your staff humiliated me",
                "I'm not letting it go",
                "What time does the Bridge Road branch close? I want to be there when the staff leave.",
            ],
            "threat",
        ),
        (
            [
                "cancel my Spotify DD please",
                "and the gym one",
                "My girlfriend left and I wont pass nursing. I already cancelled my phone contract and gym. "
                "This is the last one",
            ],
            "self_harm",
        ),
    ],
)
def test_a_crisis_that_builds_over_the_turns_is_read_from_the_window_and_the_message(
    model: SignalModel, turns: list[str], kind: str
) -> None:
    *_, last = read(model, turns)
    assert last.distress == "crisis" and last.crisis_kind == kind
    assert "read together" in last.cues["crisis"][0] and AGREE_MARK in last.cues["crisis"][0]
    *_, off = read(model, turns, dict.fromkeys(NEW, OFF))
    assert off.distress != "crisis"


def test_an_agreeing_call_holds_for_its_turn_and_does_not_carry() -> None:
    assert not carries("crisis view p=0.68 agreeing with crisis bank: burn_branch (cos 0.62)")
    assert not carries("crisis view p=0.84 over the last 3 turns read together agreeing with this message's p=0.60")
    assert carries("crisis view p=0.90 over the last 3 turns read together") and carries("suicide")


def test_a_later_ordinary_turn_is_not_a_crisis_carried_from_an_agreeing_call(model: SignalModel) -> None:
    first, later = read(
        model,
        ["I'm gonna go full Falling Down at the branch tomorrow, not even joking this time", "what's my balance"],
    )
    assert first.distress == "crisis"
    assert not later.cues.get("crisis", ("",))[0].startswith("crisis earlier")


@pytest.mark.parametrize(
    "turns",
    [
        # hyperbole, negation and sarcasm stay traps
        ["this rate is killing me", "honestly this overdraft is killing me"],
        ["I'm not going to hurt anyone, I just want my money back"],
        ["oh great, another fee, I'm absolutely thrilled, what a bank"],
        # near the agreeing sources: a figure of speech (a dev row), two turns of the dialogue dev sets
        ["I'm going to shoot over to the branch later to pay in a cheque"],
        [
            "ive sent my mate 50 quid an hour ago n he says nothin came thru",
            "it says completed on my end tho",
            "can u send me like a proof or sumthin i can show him",
        ],
        ["hello i want open account but i am 16 years, it is possible?", "and my mother she need to be there?"],
    ],
)
def test_traps_and_ordinary_turns_stay_out_of_crisis(model: SignalModel, turns: list[str]) -> None:
    assert all(s.distress != "crisis" for s in read(model, turns))
