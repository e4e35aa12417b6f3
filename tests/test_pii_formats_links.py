"""Formats met in a fourth writer's set (issue #21), tested on sentences of our own: account numbers in dotted pairs,
misspelt cues, cues after the number and money moving to it; secrets given twice, corrected, named after the
value, set or typed with no cue; names glued to digits; a year of birth; numbers longer than any card. Rules only
(``RegexPiiEngine``), and the redact stage for the organisation filter."""

from __future__ import annotations

import pytest
from pii_cases import missed_values, redacted_text

from assistant.settings import Settings
from assistant.stages.redact import PiiRedactor
from assistant.types import Message

FOUND: list[tuple[str, list[tuple[str, str]]]] = [
    # account numbers: dotted pairs after (or before) an account cue, misspelt cues, the cue later in the clause
    ("acct no: 31.72.90.44", [("ACCOUNT", "31.72.90.44")]),
    ("I think my checking is 4417.2209.18", [("ACCOUNT", "4417.2209.18")]),
    ("acount number 44 1020 3391 keeps bouncing", [("ACCOUNT", "44 1020 3391")]),
    ("accout 7331098211 please", [("ACCOUNT", "7331098211")]),
    ("can you tell me why 552091 was frozen, it is my joint savings", [("ACCOUNT", "552091")]),
    ("the payment went to 0093314 which isn't my account", [("ACCOUNT", "0093314")]),
    # money moving to or from a number
    ("£40 was taken from 7730129955 without asking", [("ACCOUNT", "7730129955")]),
    ("the transfer to 4471203 never arrived", [("ACCOUNT", "4471203")]),
    ("401162 is her sort code", [("SORT_CODE", "401162")]),
    # a phone number after a texting or calling cue
    ("I got calls from 555-0187 saying they were you", [("PHONE", "555-0187")]),
    ("texts from 555 0149 about a locked card", [("PHONE", "555 0149")]),
    # the same secret typed twice, in another case
    ("my memorable word is Lighthouse, all lower case: lighthouse", [("PASSWORD", "lighthouse")]),
    ("memorable word: tangerine. I typed tangerine twice", [("PASSWORD", "tangerine")]),
    # corrections
    ("my pin is 8812 - sorry I meant 8821", [("PASSWORD", "8812"), ("PASSWORD", "8821")]),
    ("new passcode 55019?? or was it 55091", [("PASSWORD", "55019"), ("PASSWORD", "55091")]),
    ("the security answer is Toffee. wait no, Toffees", [("PASSWORD", "Toffee"), ("PASSWORD", "Toffees")]),
    ("3390?? no its 3309 - the pin", [("PASSWORD", "3390"), ("PASSWORD", "3309")]),
    # digits named as a code just after them
    ("It's 6042. The PIN. Please don't judge", [("PASSWORD", "6042")]),
    ("ok 44190 - the passcode", [("PASSWORD", "44190")]),
    # a quoted secret named after it; a periphrasis of a memorable word
    ('I picked "salt marsh heron" as my passphrase', [("PASSWORD", "salt marsh heron")]),
    ("the word you have to remember, mine is 'nan's kitchen'", [("PASSWORD", "nan's kitchen")]),
    # a password-shaped token set, typed or changed with no cue
    ("I changed it from Harbour77 to H4rb0ur77 last night", [("PASSWORD", "Harbour77"), ("PASSWORD", "H4rb0ur77")]),
    ("then I reset it to Gr33n#Tea and it still fails", [("PASSWORD", "Gr33n#Tea")]),
    ("i think i typed ^Oak^Tree^12 but not sure", [("PASSWORD", "^Oak^Tree^12")]),
    ("Fox&Hound44 is what I set it to", [("PASSWORD", "Fox&Hound44")]),
    # a window that the sentence's end or an ellipsis does not cut
    ("the online login bit... zebra!771 ... says wrong", [("PASSWORD", "zebra!771")]),
    (
        "I wrote my password on a sticky note and threw it out, it was something close to Maple_Syrup_8",
        [("PASSWORD", "Maple_Syrup_8")],
    ),
    # a cue, a qualifier and "should be"; a length before the digits; codes handed over; a relative clause
    ("mum's maiden name on record should be Nakamura", [("PASSWORD", "Nakamura")]),
    ("Pin: 4 digits, 8 8 1 0", [("PASSWORD", "8 8 1 0")]),
    ("it keeps asking for the code you emailed. here it is: 7QK2M9", [("PASSWORD", "7QK2M9")]),
    ("they texted me 4 4 0 1 9 3 as the code", [("PASSWORD", "4 4 0 1 9 3")]),
    ("the OTP is 118204 and the other one they sent is 118240", [("PASSWORD", "118240")]),
    ("I set my pin to 7007 but the ATM wants the old one 1221", [("PASSWORD", "1221")]),
    # names: a middle initial, a former surname; a date of birth the bank holds
    ("Name: Dorothy K. Abernathy", [("NAME", "Dorothy K. Abernathy")]),
    ("please update my surname to Oduya, it was Fairbrother before", [("NAME", "Fairbrother")]),
    ("DOB on file: March 3, 1951", [("DOB", "March 3, 1951")]),
    # a card number called a reference is hidden all the same; an IBAN of a real country
    ("the reference on my statement is 4111-1111-1111-1111", [("CARD", "4111-1111-1111-1111")]),
    ("pay it to DE89 3704 0044 0532 0130 00", [("IBAN", "DE89 3704 0044 0532 0130 00")]),
    # a person's phone number is still one
    ("call me back on 07700 900123 please", [("PHONE", "07700 900123")]),
]

UNCHANGED = [
    # numbers longer than any card: tracking numbers
    "tracking 9205 5000 0000 0000 0000 11 says out for delivery",
    "Parcel tracking 92001901755477000000000013 still pending",
    # a year or an age is not a date of birth
    "I was born in 1979, can I still open a junior ISA",
    "born in 1962 and never missed a payment",
    # letters glued to digits are not names
    "Refund from Jet2 for £89.10 hasn't arrived",
    "the Apple One plan, the S24 phone, a B2B invoice",
    # dates with dots, amounts with dots, versions
    "the statement dated 14.03.2024 shows it twice",
    "the app version 4.12.3 keeps crashing",
    # years and counts near a PIN or code word
    "I have been a customer since 2019. The PIN was blocked yesterday",
    "error 4012 - the code the app shows",
    "moved 250000 into my savings last year",
    # order and reference numbers in their own groups or after a reference's letters; tracking ids; a merchant id
    "My online order 203-1928374-5564738 was charged twice",
    "Order #112-4452918-3310092 hasn't arrived",
    "Complaint reference CMP-2023-118822 still open",
    "Royal Mail tracking number is AB123456789GB",
    "Merchant ID 44918273 on the statement, who is that",
    # a year before "the PIN machine"; letters after a reference's digits; browsers
    "It's 2024. The PIN machine still doesn't take contactless?",
    "used the QR code at the store, reference 4481-AB",
    "I tried Chrome and Firefox and the login page still fails",
    # no password shape: a plain word set or typed
    "I changed it from monthly to weekly payments",
    "I used the iPhone15 app and it crashed",
    # a company's line
    "The helpline 1-800-555-0100 kept me on hold for an hour",
    "customer services on 0345 600 1234 hung up on me",
    # a correction word after an ordinary sentence, and a secret cue with no secret
    "my password isn't working, no idea why",
    "I typed it in wrong three times",
    "I reset it to the default settings",
]


@pytest.mark.parametrize(("text", "entities"), FOUND, ids=[f"found-{i}" for i in range(len(FOUND))])
def test_new_formats_are_caught(text: str, entities: list[tuple[str, str]]) -> None:
    missed, redacted = missed_values(text, entities)
    assert not missed, redacted


@pytest.mark.parametrize("text", UNCHANGED, ids=[f"unchanged-{i}" for i in range(len(UNCHANGED))])
def test_look_alike_numbers_are_left_alone(text: str) -> None:
    assert redacted_text(text) == text


@pytest.fixture(scope="module")
def redactor() -> PiiRedactor:
    r = PiiRedactor(Settings(environment="test"))
    r.warm_up()
    return r


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("Marcus Okonkwo here, please send new cheques", "", "Marcus Okonkwo"),  # a person who shares a bank's name
        ("I have savings with Marcus and with Wells Fargo", "Marcus", ""),  # the banks themselves stay
        ("I have savings with Marcus and with Wells Fargo", "Wells Fargo", ""),
    ],
)
def test_a_name_longer_than_a_bank_name_is_a_person(redactor: PiiRedactor, text: str, kept: str, gone: str) -> None:
    out = redactor.run(message=Message(conversation_id="c", text=text)).text
    if kept:
        assert kept in out
    if gone:
        assert gone.split()[-1] not in out and "<NAME>" in out
