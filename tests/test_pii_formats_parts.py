"""Formats met in a fifth writer's set (issue #21), tested on sentences of our own: account numbers given in parts,
glued to their cue, typed with an O for a zero, completing an "ending ..." named before, after a routing number,
in dotted pairs or slashed groups; secrets after a question, a description, a sender or a misspelt cue, set or
changed, given before their cue, guessed twice; a surname cue and lower-case surnames. Look-alikes stay: references
named with a verb, a model number shaped like a postcode, a business before its trade, a merchant's digits on a
statement and the bank's number on a card. Rules (``RegexPiiEngine``), and Presidio for the phone checks."""

from __future__ import annotations

import pytest
from pii_cases import missed_values, redacted_text

from assistant.integrations.pii import PresidioPiiEngine

FOUND: list[tuple[str, list[tuple[str, str]]]] = [
    # account numbers in parts, glued, with an O for a zero, completing their last digits, after a routing number
    ("my account number begins with 4471 and the rest is 20983", [("ACCOUNT", "4471"), ("ACCOUNT", "20983")]),
    ("first half of my acct: 70221. second half 339018", [("ACCOUNT", "70221"), ("ACCOUNT", "339018")]),
    ("AcctNo88120934 please check it", [("ACCOUNT", "88120934")]),
    ("account no 6O229183 is the one", [("ACCOUNT", "6O229183")]),
    ("the savings ending 7745 - on the form the whole thing reads 99120017745", [("ACCOUNT", "99120017745")]),
    ("routing and account: 021000021, 7766123409", [("ROUTING", "021000021"), ("ACCOUNT", "7766123409")]),
    ("bottom of the cheque says 011000015 | 44019283375 | 0211", [("ACCOUNT", "44019283375")]),
    ("Acct: 7719.2204", [("ACCOUNT", "7719.2204")]),
    ("pls check 31/08/44/19 which is my account", [("ACCOUNT", "31/08/44/19")]),
    ("wrong number!! I put 51200937 but it should be 51200973", [("ACCOUNT", "51200937"), ("ACCOUNT", "51200973")]),
    # secrets
    ("what's my passcode? oh that one, it's 3 3 8 1", [("PASSWORD", "3 3 8 1")]),
    ("Password? ok it's Lantern#42", [("PASSWORD", "Lantern#42")]),
    ("my memorible word is Thistle", [("PASSWORD", "Thistle")]),
    ("the 4 numbers on the back are 1 2 0 9", [("PASSWORD", "1 2 0 9")]),
    ("the security code they sent me is 55 12 09", [("PASSWORD", "55 12 09")]),
    ("verification # is 804 117", [("PASSWORD", "804 117")]),
    ("my passphrase has capitals in it: Blue Door Seven", [("PASSWORD", "Blue Door Seven")]),
    ("the answer to the first car question is Corsa", [("PASSWORD", "Corsa")]),
    ("entered password asdfgh;[] and got locked", [("PASSWORD", "asdfgh;[]")]),
    ("security answer: Mt. Kenya Road", [("PASSWORD", "Mt. Kenya Road")]),
    ("I updated my pin to 2 2 9 1 last week", [("PASSWORD", "2 2 9 1")]),
    ("i set the passcode as my nan's door number, 4410", [("PASSWORD", "4410")]),
    ("it's Sn0wdrop_77, you asked for my password", [("PASSWORD", "Sn0wdrop_77")]),
    ("the memorable place is Ashby but might be Ashby Woulds", [("PASSWORD", "Ashby Woulds")]),
    # names: a surname cue, an O' surname and a surname that is also a word after a lower-case first name
    ("surname Adeyemi, first name Tolu", [("NAME", "Adeyemi")]),
    ("the payee is niamh o'connell i think", [("NAME", "niamh o'connell")]),
    ("send it to olivia walker tomorrow", [("NAME", "olivia walker")]),
]

UNCHANGED = [
    # references named with what they are for and a verb
    "the invoice number for the boiler is 2231 8871 4410",
    "Their account ref for me is 5512 0098 7731, can they do that",
    "booking number is 123-4567890-1234567 from the hotel",
    "Transaction ID 5530019274412 is stuck",
    # a model number shaped like a postcode; a business before its trade
    "the fridge model number is LS10 4QP and it broke",
    "Meadow View Kennels want £80 upfront, is that a scam",
    # a part that only ends a number; a year after "starts"; counts
    "my account ending 4421 got charged twice",
    "my account starts with 2019 being a bad year, lol",
    "i changed the pin to 4 digits",
    "its fine, sorry you asked for the password",
    "policy number is 88123 4412 for the car insurance",
    "the case number for my dispute is 55102938",
    "I paid Green Valley Nursery £40",
    # a reference noun then a verb or a comma; an amount spent; a date with dashes
    "my claim is 44120987 and it was rejected",
    "my complaint, number 55120934, was closed",
    "Spent 12000000 on my house",
    "account opened 2019-03-14",
    # a question about a password that is not answered; an "ending" that is no account's
    "Forgot password? I updated to iOS17 and now nothing works",
    "the period ending 1234 shows 0800 001 1234 as the number",
]


@pytest.mark.parametrize(("text", "entities"), FOUND, ids=[f"found-{i}" for i in range(len(FOUND))])
def test_new_formats_are_caught(text: str, entities: list[tuple[str, str]]) -> None:
    missed, redacted = missed_values(text, entities)
    assert not missed, redacted


@pytest.mark.parametrize("text", UNCHANGED, ids=[f"unchanged-{i}" for i in range(len(UNCHANGED))])
def test_look_alikes_are_left_alone(text: str) -> None:
    assert redacted_text(text) == text


@pytest.fixture(scope="module")
def presidio() -> PresidioPiiEngine:
    return PresidioPiiEngine()


@pytest.mark.parametrize(
    "text",
    [
        "statement line SQ *COFFEE 35312345678 for $4.50",  # a merchant's digits, not a Dublin number
        "the bank's number on the back of my card is 1-800-555-0100, is that them?",
    ],
)
def test_phone_look_alikes_are_left_alone(presidio: PresidioPiiEngine, text: str) -> None:
    assert presidio.anonymize(text, presidio.analyze(text)) == text


def test_a_foreign_number_after_a_phone_cue_is_still_hidden(presidio: PresidioPiiEngine) -> None:
    text = "my mobile in Ireland is 35387123456"
    assert presidio.anonymize(text, presidio.analyze(text)) == "my mobile in Ireland is <PHONE>"
