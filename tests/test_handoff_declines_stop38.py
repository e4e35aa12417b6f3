"""Declines that are not requests for a person (issue #19, stop 38, ``data/audits/service_stop38_notes.md``): a call,
call-back or transfer turned down, and asking whether the chat is a bot or a person. Lexicon cases are fast; the
model cases read each message as the pipeline does (real encoder, shipped heads, crisis and service views). Every
example is my own wording, not a row of any evaluation set."""

from __future__ import annotations

import pytest

from assistant.integrations.encoder import LayeredEncoder, shared_encoder
from assistant.settings import get_settings
from assistant.signals.crisis_view import load_crisis_view
from assistant.signals.features import FeatureExtractor
from assistant.signals.lexicon import person_requests
from assistant.signals.model import SignalModel
from assistant.signals.service_view import load_service_view
from assistant.types import Signals

TURNED_DOWN = "call or transfer turned down"
CHANNEL = "asks whether the chat is a person"


def _declines(text: str) -> set[str]:
    """The cues of ``handoff.declined`` that ``text`` matches."""
    return {h.cue for h in FeatureExtractor().extract(text).hit_groups("handoff.declined")}


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("No need to phone, please don't ring me back, I'm driving", TURNED_DOWN),
        ("do not put me through to an advisor, just answer here", TURNED_DOWN),
        ("pls dont transfer me im on the bus", TURNED_DOWN),
        ("no callback thanks, a message is fine", TURNED_DOWN),
        ("Can I change my PIN without speaking to a person?", TURNED_DOWN),
        ("am i chatting with a robot", CHANNEL),
        ("Is it a real human typing these answers?", CHANNEL),
        ("is there anyone reading these chats afterwards or is it all automatic", CHANNEL),
    ],
)
def test_a_call_turned_down_or_a_question_about_the_channel_is_a_decline(text: str, cue: str) -> None:
    assert cue in _declines(text)


@pytest.mark.parametrize(
    "text",
    [
        "you never ring me back when you promise to",  # a grievance, not a decline
        "why don't you put me through to a manager",  # a request
        "if you don't call me back today I'll complain",  # a demand for a call
        "please don't send the statement to my old address",  # post, not a person
        "he says he'll hurt me if I don't transfer it tonight",  # a threat, not a decline
        "Is there a real person watching this? If so I need to speak to them",  # a conditional request
        "is there a person I could talk to about my mortgage",  # a request
    ],
)
def test_look_alikes_are_not_declines(text: str) -> None:
    assert not _declines(text) & {TURNED_DOWN, CHANNEL}


def test_an_explicit_request_beside_a_channel_question_still_counts() -> None:
    feats = FeatureExtractor().extract("are you a bot? i want a real person now")
    assert CHANNEL in {h.cue for h in feats.hit_groups("handoff.declined")}
    assert person_requests(feats.hits)  # so the decline does not cap the reading (``SignalModel._handoff``)


@pytest.fixture(scope="module")
def model() -> SignalModel:
    return SignalModel.load()


def read(model: SignalModel, text: str) -> Signals:
    """One message as the pipeline reads it: its vector, crisis view and service view."""
    settings = get_settings()
    encoder = shared_encoder()
    crisis_adapter, _ = load_crisis_view(settings.artifacts_dir)
    service_adapter, _ = load_service_view(settings.artifacts_dir)
    assert isinstance(encoder, LayeredEncoder) and crisis_adapter is not None and service_adapter is not None
    vectors, (view, service) = encoder.encode_multi([text], [crisis_adapter, service_adapter])
    return model.predict(text, vectors[0], (), view[0], service[0], None)


@pytest.mark.parametrize(
    "text",
    [
        # each read as a request before the decline forms (the service view reads "person", "agent", "human")
        "r u a real human or a bot",
        "don't send me to an agent, they always keep me waiting",
        "Is this a person or an AI answering me?",
        "Without talking to a person, can I raise my overdraft?",
        "do not transfer me to anyone please, im in class",
        "is there a human reading my messages?",
    ],
)
def test_declines_are_not_requests_for_a_person(model: SignalModel, text: str) -> None:
    assert not read(model, text).handoff_requested


@pytest.mark.parametrize(
    "text",
    [
        "don't call me, put me through to a person in the chat instead",
        "are you a bot? get me a human please",
        "can I speak to someone about my loan please",
    ],
)
def test_requests_beside_a_decline_still_reach_a_person(model: SignalModel, text: str) -> None:
    assert read(model, text).handoff_requested
