"""Emergency rules of stop 39 (issue #19, ``data/audits/crisis_stop39_notes.md``): someone in danger now, told beside
or in the middle of a banking task, is a crisis; money emergencies, an emergency that is over, figures of speech,
past hospital stays and professionals' admin are not. The sentences are written for this test (not rows of any
round) and run through the real classify stage (real encoder, shipped heads, view and bank)."""

from __future__ import annotations

import pytest

from assistant.integrations.encoder import TextEncoder
from assistant.stages.classify import SignalClassifier
from assistant.types import Encoded, Signals

pytestmark = pytest.mark.integration


def classify(classifier: SignalClassifier, encoder: TextEncoder, text: str) -> Signals:
    return classifier.run(encoded=Encoded(text=text, vector=encoder.encode([text])[0]), history=())


@pytest.mark.parametrize(
    "text",
    [
        "sorry ignore the standing order, my grandma can hardly breathe and her lips look odd",
        "Quick one about my ISA - actually no, my husband is clutching his chest and sweating",
        "can you reset my pin, wait, one side of his face has dropped and he's slurring",
        "my nephew is fitting on the carpet, I don't know what to do, the card can wait",
        "Dad fell down the garden steps and he can't get up, I was paying his council tax",
        "there's so much blood, he cut himself really deep on the glass, sorry wrong app",
        "my little one has swallowed a button battery, where's the nearest a&e, card's declined",
        "she's taken a whole packet of paracetamol and gone very quiet",
        "smoke coming under the bedroom door and I can't get downstairs with the kids",
        "he's kicking the front door in and I'm hiding in the bathroom with my phone",
        "can't find my 5 year old at the shopping centre, freeze the card later",
        "My brother has texted me goodbye and his phone is off, can you see where his card was used",
    ],
)
def test_danger_now_beside_a_banking_task_is_a_crisis(
    classifier: SignalClassifier, encoder: TextEncoder, text: str
) -> None:
    s = classify(classifier, encoder, text)
    assert s.distress == "crisis", (text, s.cues.get("crisis"))


@pytest.mark.parametrize(
    "text",
    [
        "how do I set up an emergency savings pot in the app?",
        "can I get an emergency overdraft while I'm abroad? my wallet was stolen",
        "I need an emergency replacement card sent to my hotel in Lisbon",
        "my phone died halfway through the transfer, did it go through?",
        "I'm dying here waiting for this refund, three weeks now",
        "my mum had a fall last spring and was in hospital for a week, she's fine now; can I add her as a payee?",
        "my dad had chest pains last year and now has a pacemaker, does that affect his travel insurance?",
        "As her solicitor I need to update the correspondence address on my client's account",
        "the bank's app has gone down and I can't log in to move money",
        "she fell behind on payments and now she's not answering the collectors",
        "the fire alarm test at the office made me miss your call, can you ring back?",
        "I'm on fire with my savings goals this month!",
    ],
)
def test_look_alikes_are_not_a_crisis(classifier: SignalClassifier, encoder: TextEncoder, text: str) -> None:
    s = classify(classifier, encoder, text)
    assert s.distress != "crisis", (text, s.cues.get("crisis"))
