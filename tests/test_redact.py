"""PiiRedactor on the real Presidio engine with a blank spaCy pipeline."""

from __future__ import annotations

import pytest

from assistant.errors import InvalidMessageError
from assistant.settings import Settings
from assistant.stages.redact import PiiRedactor
from assistant.types import Message


@pytest.fixture(scope="module")
def redactor() -> PiiRedactor:
    r = PiiRedactor(Settings(environment="test"))
    r.warm_up()
    return r


def _redact(redactor: PiiRedactor, text: str) -> str:
    return redactor.run(message=Message(conversation_id="c", text=text)).text


@pytest.mark.parametrize(
    ("text", "secret", "placeholder"),
    [
        ("my card is 4111 1111 1111 1111 please block it", "4111 1111 1111 1111", "<CARD_NUMBER>"),
        ("card 5555555555554444 stolen", "5555555555554444", "<CARD_NUMBER>"),
        ("send it to GB82 WEST 1234 5698 7654 32 today", "GB82 WEST 1234 5698 7654 32", "<IBAN>"),
        ("sort code 12-34-56 account 12345678", "12-34-56", "<SORT_CODE>"),
        ("sort code 12-34-56 account 12345678", "12345678", "<ACCOUNT_NUMBER>"),
        ("email me at jane.doe@example.com", "jane.doe@example.com", "<EMAIL>"),
        ("call me on +44 20 7946 0018", "7946 0018", "<PHONE>"),
        ("I live at SW1A 1AA", "SW1A 1AA", "<POSTCODE>"),
        ("My name is Jane Smith and I lost my card", "Jane Smith", "<NAME>"),
        ("my pin is 4921 can you check", "4921", "<SECRET>"),
        ("NI number QQ 12 34 56 C please", "QQ 12 34 56 C", "<NI_NUMBER>"),
        ("my national insurance is ab123456c", "ab123456c", "<NI_NUMBER>"),
        ("sort code 404412 and account 31926819", "404412", "<SORT_CODE>"),
        ("my SSN is 219-09-9999", "219-09-9999", "<SSN>"),
        ("routing number 021000021 for the wire", "021000021", "<ROUTING_NUMBER>"),
        ("I changed my password to Kestrel77! today", "Kestrel77!", "<SECRET>"),
        ("the code they texted me was 482913", "482913", "<SECRET>"),
        ("my date of birth is 14/03/1986", "14/03/1986", "<DATE_OF_BIRTH>"),
        ("I was born on March 4, 1979", "March 4, 1979", "<DATE_OF_BIRTH>"),
        ("post it to 12 Acacia Avenue, Leeds LS6 2AB please", "12 Acacia Avenue, Leeds LS6 2AB", "<ADDRESS>"),
        ("mail it to 4410 Oak Avenue, Austin, TX 78704", "4410 Oak Avenue, Austin, TX 78704", "<ADDRESS>"),
        ("Priya Patel here, my card is stuck", "Priya Patel", "<NAME>"),
        ("Transfer £250 to Mark Johnson please", "Mark Johnson", "<NAME>"),
        ("call me back at (555) 010-2238", "010-2238", "<PHONE>"),
    ],
)
def test_pii_is_replaced_by_typed_placeholder(redactor: PiiRedactor, text: str, secret: str, placeholder: str) -> None:
    out = _redact(redactor, text)
    assert secret not in out
    assert placeholder in out


def test_long_number_failing_luhn_is_hidden_but_not_called_a_card(redactor: PiiRedactor) -> None:
    out = _redact(redactor, "reference 4111 1111 1111 1112 on my statement")
    assert "<CARD_NUMBER>" not in out and "1112" not in out


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to take all my tablets tonight",
        "I am worried about my overdraft",
        "this is ridiculous, my card was declined",
        "My password isn't working, can you help?",
        "Will you refund me? I moved to Texas in May",
        "someone called pretending to be from the bank",
        "I paid 3 times for the same thing on the high street",
        "Can I pay £1,250 into my account at the Post Office?",
    ],
)
def test_ordinary_words_are_never_taken_for_names(redactor: PiiRedactor, text: str) -> None:
    assert _redact(redactor, text) == text


def test_plain_question_is_unchanged(redactor: PiiRedactor) -> None:
    text = "How long does a transfer to Europe take?"
    red = redactor.run(message=Message(conversation_id="c", text=text))
    assert red.text == text
    assert red.entities == ()


def test_entities_are_reported_in_order(redactor: PiiRedactor) -> None:
    red = redactor.run(message=Message(conversation_id="c", text="a@b.com and 4111 1111 1111 1111"))
    assert red.entities == ("EMAIL_ADDRESS", "CREDIT_CARD")


@pytest.mark.parametrize("bad", ["", "   \n\t ", b"\xff\xfe broken", 42, None, "x" * 5000, "lone \udc80 surrogate"])
def test_bad_input_gets_a_clear_error(redactor: PiiRedactor, bad: object) -> None:
    with pytest.raises(InvalidMessageError):
        redactor.run(message=Message(conversation_id="c", text=bad))  # type: ignore[arg-type]


def test_utf8_bytes_are_accepted(redactor: PiiRedactor) -> None:
    red = redactor.run(message=Message(conversation_id="c", text="café card lost".encode()))  # type: ignore[arg-type]
    assert red.text == "café card lost"


def test_a_self_introduction_is_a_name_even_when_a_bank_has_it(redactor: PiiRedactor) -> None:
    introduced = redactor.run(
        message=Message(conversation_id="c", text="Hi I'm Marcus Webb and my card is stuck in the machine")
    )
    assert "Marcus" not in introduced.text and "PERSON" in introduced.entities
    product = redactor.run(
        message=Message(conversation_id="c", text="Can I move money from my Marcus savings account to you?")
    )
    assert "Marcus" in product.text
