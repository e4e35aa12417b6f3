"""Formats met in a sixth writer's set (issue #21), tested on sentences of our own: building society roll numbers,
account numbers broken by a line break, after their stated length, said in pairs or partly in words, named in the
next sentence or glued to their cue by a dash; secrets after "pass =", a birthplace question, a key fob or a code
received, set at a given time, offered as a near variant, typed again in other groups, after a memorable-information
cue, in title case, as "x and y" or as "the" and a name. Look-alikes stay: a position in a secret ("3rd"), an app's
message number ("(code 503)"), a boarding pass, brands with an apostrophe, companies before their legal form,
businesses joined by "&" and street corners. Rules (``RegexPiiEngine``); the redact stage for a bank's name that is
also a person's."""

from __future__ import annotations

import pytest
from pii_cases import missed_values, redacted_text

from assistant.settings import Settings
from assistant.stages.redact import PiiRedactor
from assistant.types import Message

FOUND: list[tuple[str, list[tuple[str, str]]]] = [
    # account numbers: a roll number, a line break, a stated length, said in pairs or mixed, named after, glued
    ("my building society roll no: AB12/4471-9 if you need it", [("ACCOUNT", "AB12/4471-9")]),
    ("the roll number on my passbook is 88120-3", [("ACCOUNT", "88120-3")]),
    ("acct no 5530\n229104 sorry my phone wrapped it", [("ACCOUNT", "5530\n229104")]),
    ("account is six digits, I believe it's... 552019", [("ACCOUNT", "552019")]),
    ("acct number is forty-two eleven sixty-three oh nine", [("ACCOUNT", "forty-two eleven sixty-three oh nine")]),
    ("account: 4 4 1 nine 2 2 0 3 thanks", [("ACCOUNT", "4 4 1 nine 2 2 0 3")]),
    ("The one you want is 552019. That's my savings account.", [("ACCOUNT", "552019")]),
    (
        "it's seventy seven twelve, oh four one. Account number I mean",
        [("ACCOUNT", "seventy seven twelve, oh four one")],
    ),
    ("AccountNo-44019283", [("ACCOUNT", "44019283")]),
    # secrets
    ("pass = lemon tree house", [("PASSWORD", "lemon tree house")]),
    ("the town I was born in is Harrogate, that's the answer", [("PASSWORD", "Harrogate")]),
    ("my key fob shows 448 120 right now", [("PASSWORD", "448 120")]),
    ("the number on the key fob at the moment is 5 5 0 1 9 2", [("PASSWORD", "5 5 0 1 9 2")]),
    ("the verification code I received was 6-6-1-2-0-3", [("PASSWORD", "6-6-1-2-0-3")]),
    ("code 3 3 0 9 1 4 from the text", [("PASSWORD", "3 3 0 9 1 4")]),
    ("I reset it yesterday to Harbour#Light9", [("PASSWORD", "Harbour#Light9")]),
    (
        "I switched it today to Lantern!77 and now can't recall if it's that or Lantern77!",
        [("PASSWORD", "Lantern!77"), ("PASSWORD", "Lantern77!")],
    ),
    ("the otp was 4 4 0 9, I think. I closed the app and now I am unsure: 4409?", [("PASSWORD", "4409")]),
    ("memorable information: letters 1 and 3 are k and e, the whole thing is kite44", [("PASSWORD", "kite44")]),
    ("password is Rocky Road 4 Ever", [("PASSWORD", "Rocky Road 4 Ever")]),
    ("favourite meal: bangers and mash", [("PASSWORD", "bangers and mash")]),
    ("security answer is the Beatles", [("PASSWORD", "the Beatles")]),
    ("memorable date: 5th June 1990", [("PASSWORD", "5th June 1990")]),
    ("passcode (6 digits) 441920", [("PASSWORD", "441920")]),  # the count in brackets stays: see below
    # names next to the look-alikes below: a possessive, a person beside a company, a person after "and"
    ("my friend Jenny's card was charged", [("NAME", "Jenny")]),
    ("sent it to Harper Lewis at Acme Ltd", [("NAME", "Harper Lewis")]),
    ("the money went to me and Sarah", [("NAME", "Sarah")]),
]

UNCHANGED = [
    # no account: a short roll number, a reference broken by a line, a stated length before a reference, years said
    "what is a roll number and where do I find it",
    "the school roll number is 12",
    "order number 5530\n229104 still missing",
    "my account is 6 digits, the case ref is 448812",
    "the ref is ninety-one forty-four twenty-eight",
    "I was born in nineteen eighty four, is that too old for the account",
    "the total was 552019 at the end. That's my account fixed now",
    # no secret: a boarding pass, a position in a passcode, an app's message number, an error code, a memorable-info
    # question, a wrong code, a default
    "my boarding pass: seat by the window please",
    "digits of my passcode: 2nd is a 4",
    "Login failed (code 503) again",
    "error code 4 0 4 when I log in",
    "Where do I set my memorable information? The app is v2.3",
    "the OTP I got was wrong",
    "I set it yesterday to the default",
    "the key fob I got in 2019 broke",
    "which town was I born in? it's on my passport",
    "security answer is the same as before",
    # no name: brands with an apostrophe, companies before a legal form, businesses joined by "&", street corners
    "a £20 charge from Morrison's yesterday",
    "lunch from McDonald's on Friday",
    "a charge from Harper Lewis Ltd I don't recognise",
    "the £12 from Procter & Gamble Inc is a refund",
    "a £30 bill from Rosie Lee's Bar & Grill",
    "the branch at 3rd and Jackson has closed",
]


@pytest.mark.parametrize(("text", "entities"), FOUND, ids=[f"found-{i}" for i in range(len(FOUND))])
def test_new_formats_are_caught(text: str, entities: list[tuple[str, str]]) -> None:
    missed, redacted = missed_values(text, entities)
    assert not missed, redacted


@pytest.mark.parametrize("text", UNCHANGED, ids=[f"unchanged-{i}" for i in range(len(UNCHANGED))])
def test_look_alikes_are_left_alone(text: str) -> None:
    assert redacted_text(text) == text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("favourite food is pizza and I forgot it", "and I forgot it"),  # "and" joins only a pair that ends the secret
        ("password is Rocky2 but I can't log in", "but I can't log in"),
        ("my security answer is Rover#1 but it fails on the app or iPhone13", "iPhone13"),  # no near variant
        ("the code 1 2 3 4 expired and I paid £1234", "£1234"),  # the digits again, but an amount
        ("passcode (6 digits) 441920", "(6 digits)"),  # a count in brackets, not a secret
    ],
)
def test_a_secret_takes_no_more_than_its_words(text: str, kept: str) -> None:
    assert kept in redacted_text(text)


@pytest.fixture(scope="module")
def redactor() -> PiiRedactor:
    stage = PiiRedactor(Settings())
    stage.warm_up()
    return stage


def test_a_bank_name_taken_up_as_he_or_she_is_a_person(redactor: PiiRedactor) -> None:
    text = "I was on the phone to Marcus this morning. She told me the fee would go"
    person = redactor.run(message=Message(conversation_id="c", text=text))
    assert "Marcus" not in person.text and "PERSON" in person.entities
    bank = redactor.run(message=Message(conversation_id="c", text="I moved my savings to Marcus and it pays more"))
    assert "Marcus" in bank.text
