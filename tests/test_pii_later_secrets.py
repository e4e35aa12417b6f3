"""Forms met in an eighth writer's set (issue #21), tested on sentences of our own: a PIN cue typed "pn"; a secret given
in the sentence after its cue ("... isn't taking it. It's 7390", "my password. I think it was ..."); "I think it was"
between a cue and its value; a second guess after a quoted secret or in spaced digits; a loan or mortgage named by
its number; an account id with letters shortly after an account cue; a month after a word of time is no name.
Look-alikes stay: a PIN sentence with no number, a later sentence that is a count, a loan amount, an order id, a
month after "from". Rules (``RegexPiiEngine``)."""

from __future__ import annotations

import pytest
from pii_cases import missed_values, redacted_text

FOUND: list[tuple[str, list[tuple[str, str]]]] = [
    ("entered the wrong pn 5521 twice at the till", [("PASSWORD", "5521")]),
    ("my pn is 7730, can you unlock it", [("PASSWORD", "7730")]),
    ("The card machine keeps saying wrong PIN. It's 7390 I'm sure.", [("PASSWORD", "7390")]),
    ("New PIN set at the cash machine today. Shop says no. it was 4 0 6 2 i think", [("PASSWORD", "4 0 6 2")]),
    ("Locked out after changing my password. I think it was Harbour#77 now", [("PASSWORD", "Harbour#77")]),
    ("the memorable word, i think it was Juniper, stopped working", [("PASSWORD", "Juniper")]),
    ("memorable word could be 'lantern'? or lantern9", [("PASSWORD", "lantern"), ("PASSWORD", "lantern9")]),
    ("my pin. it was 4 4 1 9 or 9 1 4 4", [("PASSWORD", "4 4 1 9"), ("PASSWORD", "9 1 4 4")]),
    ("mortgage loan # 5520-119043-2 overpayment please", [("ACCOUNT", "5520-119043-2")]),
    ("loan no 44019287, can I settle early", [("ACCOUNT", "44019287")]),
    ("my savings number looks odd, is it right: ISA-00918273", [("ACCOUNT", "ISA-00918273")]),
    # a month after a word of time with a title before it is still a person
    ("please stop the transfer from Mr March", [("NAME", "March")]),
]

UNCHANGED = [
    "my pn is blocked after three goes",
    "I asked for a new PIN. It's 2 weeks and nothing came.",
    "I changed my password. It was easy, thanks.",
    "can I get a loan of 250000 over 25 years",
    "order ABC-20491827 was charged to my account twice",
    "put £30 away every month from September please",
    "the rate changes from October, is that right",
]


@pytest.mark.parametrize(("text", "entities"), FOUND, ids=[f"found-{i}" for i in range(len(FOUND))])
def test_later_secrets_and_named_accounts_are_caught(text: str, entities: list[tuple[str, str]]) -> None:
    missed, redacted = missed_values(text, entities)
    assert not missed, redacted


@pytest.mark.parametrize("text", UNCHANGED, ids=[f"unchanged-{i}" for i in range(len(UNCHANGED))])
def test_look_alikes_are_left_alone(text: str) -> None:
    assert redacted_text(text) == text
