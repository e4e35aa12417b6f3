"""Formats met in a seventh writer's set (issue #21), tested on sentences of our own: account ids with letters after
their cue, an account number's suffix, a number glued to "no.is", a number frozen, closed or a cheque drawn on, a roll
number asked about in the sentence before; a security answer perhaps set otherwise, a cue in brackets. Look-alikes
stay: masked numbers, an app's error code after a log-in cue, a machine's id, part of a dashed order number, a
company's customer service number. Rules (``RegexPiiEngine``)."""

from __future__ import annotations

import pytest
from pii_cases import missed_values, redacted_text

FOUND: list[tuple[str, list[tuple[str, str]]]] = [
    # account ids with letters, joined by dashes or slashes, just after their cue
    ("my savings acct QR-5120-7734 shows the wrong balance", [("ACCOUNT", "QR-5120-7734")]),
    ("the brokerage account is 7TX-40218, can you check the trade", [("ACCOUNT", "7TX-40218")]),
    # a suffix after the number
    ("car loan account 55120983/02 is overpaid", [("ACCOUNT", "55120983/02")]),
    ("credit union acct 2281904455/L02 not updating", [("ACCOUNT", "2281904455/L02")]),
    # glued to its cue by "no.is"
    ("account no.is 44102938 thanks", [("ACCOUNT", "44102938")]),
    ("acc no.is77120394", [("ACCOUNT", "77120394")]),
    # an action or a cheque on the number
    ("can you unfreeze 6620198834 please, it was me", [("ACCOUNT", "6620198834")]),
    ("the cheque was drawn on 4410293857 last week", [("ACCOUNT", "4410293857")]),
    # a roll number asked about, then given
    ("Where do I find the roll number? I think mine is 402-118833-1", [("ACCOUNT", "402-118833-1")]),
    # secrets: a security answer perhaps set otherwise; a cue in brackets
    (
        "my memorable place was Whitby but maybe I set it as whitbey years ago",
        [("PASSWORD", "Whitby"), ("PASSWORD", "whitbey")],
    ),
    ("security question (first car) = corsa", [("PASSWORD", "corsa")]),
]

UNCHANGED = [
    # masked, a machine's id, an app's error code after a log-in cue, part of a dashed order number
    "my checking xxxx-4421 was charged twice",
    "the ATM ID 30118824 swallowed my card",
    "machine number 77120399 gave me no cash",
    "I can't log in, it shows error code QRT-5521 every time",
    "order #204-5522301-8841029 came broken",
    # a company's own line
    "what's the customer service number, is it 1-800-555-0199?",
    # an account with no number, a date after a cue
    "my savings account is on hold since 2024-03-15",
    "please close my account, I am moving banks",
]


@pytest.mark.parametrize(("text", "entities"), FOUND, ids=[f"found-{i}" for i in range(len(FOUND))])
def test_account_ids_and_secrets_are_caught(text: str, entities: list[tuple[str, str]]) -> None:
    missed, redacted = missed_values(text, entities)
    assert not missed, redacted


@pytest.mark.parametrize("text", UNCHANGED, ids=[f"unchanged-{i}" for i in range(len(UNCHANGED))])
def test_look_alikes_are_left_alone(text: str) -> None:
    assert redacted_text(text) == text


def test_the_suffix_is_hidden_with_its_number_and_no_more() -> None:
    assert redacted_text("loan account 90011827/03 - how much to settle") == (
        "loan account <ACCOUNT_NUMBER> - how much to settle"
    )
