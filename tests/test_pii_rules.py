"""The rule recognisers on phrasings written from the entity definitions (not from any PII set): secrets after
any cue, account numbers and sort codes in their usual forms, names with and without a cue, and PII-free messages
with look-alikes (amounts, non-birth dates, order and reference numbers, "ending 4421", shops, products, places)
that must come back unchanged. Rules only (``RegexPiiEngine``): fast, and the same rules Presidio's engine adds."""

from __future__ import annotations

import pytest

from assistant.integrations.pii import RegexPiiEngine
from eval.pii_data import caught

ENGINE = RegexPiiEngine()

# (message, [(type, value), ...]): every value must be caught
FOUND: list[tuple[str, list[tuple[str, str]]]] = [
    ("my password is sunshine", [("PASSWORD", "sunshine")]),
    ("My password is 'blue horizon' but it keeps saying wrong", [("PASSWORD", "blue horizon")]),
    ('the passcode is "Tulip22".', [("PASSWORD", "Tulip22")]),
    ("pw: hunter2!", [("PASSWORD", "hunter2!")]),
    ("pw is monkey", [("PASSWORD", "monkey")]),
    ("I changed my pin to 5519 yesterday", [("PASSWORD", "5519")]),
    ("changed my PIN to 0042 and now the ATM rejects it", [("PASSWORD", "0042")]),
    ("memorable word is lemonade.", [("PASSWORD", "lemonade")]),
    ("my memorable phrase is purple elephant dance", [("PASSWORD", "purple elephant dance")]),
    ("security answer: Fluffy", [("PASSWORD", "Fluffy")]),
    ("the answer to my security question is rover", [("PASSWORD", "rover")]),
    ("mother's maiden name is Gallagher", [("PASSWORD", "Gallagher")]),
    ("the code you sent me was 448 912 but it expired", [("PASSWORD", "448 912")]),
    ("OTP 739201 didn't work", [("PASSWORD", "739201")]),
    ("my login is jsmith88 and password Tr0ub4dor&3", [("PASSWORD", "jsmith88"), ("PASSWORD", "Tr0ub4dor&3")]),
    ("Password = correcthorse", [("PASSWORD", "correcthorse")]),
    ("my passcode's 2468, can you reset it", [("PASSWORD", "2468")]),
    ("The one time passcode was 55 21 09", [("PASSWORD", "55 21 09")]),
    ("i set my pin as 1234 like an idiot", [("PASSWORD", "1234")]),
    ("my online banking password is Chelsea1905!", [("PASSWORD", "Chelsea1905!")]),
    ("PIN 8831, please don't tell anyone", [("PASSWORD", "8831")]),
    ("security word is 'ravioli'", [("PASSWORD", "ravioli")]),
    ("verification code: 113355", [("PASSWORD", "113355")]),
    ("acc 12345678 is the one", [("ACCOUNT", "12345678")]),
    ("a/c no. 3456789", [("ACCOUNT", "3456789")]),
    ("acct #: 004512378912", [("ACCOUNT", "004512378912")]),
    ("account # 123456789012", [("ACCOUNT", "123456789012")]),
    ("my checking account 9876543210 was overdrawn", [("ACCOUNT", "9876543210")]),
    ("savings 22334455667 hasn't got the interest", [("ACCOUNT", "22334455667")]),
    ("sort code 20-45-77 acc 1234 5678", [("SORT_CODE", "20-45-77"), ("ACCOUNT", "1234 5678")]),
    ("20-45-77 43218765 is where it should go", [("SORT_CODE", "20-45-77"), ("ACCOUNT", "43218765")]),
    ("account number 1234-5678", [("ACCOUNT", "1234-5678")]),
    ("my accounts are 11223344 and 55667788", [("ACCOUNT", "11223344"), ("ACCOUNT", "55667788")]),
    ("move it from 11223344 to 99887766 please", [("ACCOUNT", "11223344"), ("ACCOUNT", "99887766")]),
    ("account ending... no, full account no 7654321", [("ACCOUNT", "7654321")]),
    ("transfer to acct 000123456789", [("ACCOUNT", "000123456789")]),
    ("sort code 20 45 77", [("SORT_CODE", "20 45 77")]),
    ("s/c 204577", [("SORT_CODE", "204577")]),
    ("sortcode: 20.45.77", [("SORT_CODE", "20.45.77")]),
    ("sort-code 20-4577", [("SORT_CODE", "20-4577")]),
    ("sc 30-94-21", [("SORT_CODE", "30-94-21")]),
    ("the sort is 309421", [("SORT_CODE", "309421")]),
    ("Hi, I'm sarah jones and my card is blocked", [("NAME", "sarah jones")]),
    ("I sent it to Kwame Mensah last week", [("NAME", "Kwame Mensah")]),
    ("my husband Piotr opened the account", [("NAME", "Piotr")]),
    ("I spoke to Danielle in your Leeds branch", [("NAME", "Danielle")]),
    ("the payment went to a Mr Okonjo-Adeyemi", [("NAME", "Okonjo-Adeyemi")]),
    ("Thanks\nRhiannon", [("NAME", "Rhiannon")]),
    ("can you help? thanks, Tomasz Wiśniewski", [("NAME", "Tomasz Wiśniewski")]),
    ("it's in joint names with my wife Grace", [("NAME", "Grace")]),
    ("Regards, Hamish", [("NAME", "Hamish")]),
    ("my son Callum needs a card", [("NAME", "Callum")]),
    ("payee name Lakshmi Venkatesan", [("NAME", "Lakshmi Venkatesan")]),
    ("my name's leon", [("NAME", "leon")]),
    ("Send £40 to Bartholomew Quigley", [("NAME", "Bartholomew Quigley")]),
    ("the agent Marco told me it was fine", [("NAME", "Marco")]),
    ("My PIN? It's 4567", [("PASSWORD", "4567")]),
    ("pin:4521 please reset", [("PASSWORD", "4521")]),
    ("my checking is with you and the number is 4455667788", [("ACCOUNT", "4455667788")]),
    (
        "accounts 12345678, 23456789 and 34567890",
        [("ACCOUNT", "12345678"), ("ACCOUNT", "23456789"), ("ACCOUNT", "34567890")],
    ),
    (
        "account numbers: 1234567890, 2345678901 and 3456789012",
        [("ACCOUNT", "1234567890"), ("ACCOUNT", "2345678901"), ("ACCOUNT", "3456789012")],
    ),
    ("sort code 20-00-00, account 7654321", [("SORT_CODE", "20-00-00"), ("ACCOUNT", "7654321")]),
    ("my acct no is 1234567, sc 112233", [("ACCOUNT", "1234567"), ("SORT_CODE", "112233")]),
    ("the answer to the security question is Jones", [("PASSWORD", "Jones")]),
    ("pw = 'letmein'", [("PASSWORD", "letmein")]),
    ("My password was Password123 lol", [("PASSWORD", "Password123")]),
    ("they sent me a code 884422 and I gave it to the caller", [("PASSWORD", "884422")]),
    ("email from Priyanka Raghunathan about my loan", [("NAME", "Priyanka Raghunathan")]),
    ("I need to add Zbigniew Brzezinski as a payee", [("NAME", "Zbigniew Brzezinski")]),
    ("Cheers,\nKieran O'Sullivan", [("NAME", "Kieran O'Sullivan")]),
]

# nothing in these is personal data: the redactor must leave them as they are
UNCHANGED: list[str] = [
    "I was charged £1,250.00 on 12/03/2024 for order 88213344",
    "My card ending 4421 was declined at Tesco",
    "reference number REF-20231145 on the transfer",
    "can I pay 12345 pounds into an ISA?",
    "the transaction on 03/11/2025 for $89.99 at Amazon",
    "I need a Platinum Cashback card",
    "Order #4455667788 from Argos never arrived",
    "my direct debit to British Gas for 52.40 went out twice",
    "I want to change my PIN, how do I do it?",
    "I forgot my password, can you reset it?",
    "my passcode isn't working",
    "the code didn't arrive",
    "How long does a transfer to Santander take?",
    "I moved to Manchester last year and need to update my address",
    "Invoice 2024-0098 was paid on 5 March",
    "Can I get a loan of 15000 over 60 months?",
    "my balance says 1234.56 but should be more",
    "Is the Premier account worth it?",
    "My pin number got blocked after 3 tries",
    "reference 7788 9900 on my statement",
    "I paid Netflix 10.99 and Spotify 11.99",
    "I was charged £1,250.00 on 12/03/2024 for order 88213344",
    "Payment of $2,300 to Chase on 4 April hasn't cleared",
    "My Amex Gold card ending 1009 was charged twice",
    "I've been a customer since 14 March 2003, why is my limit so low?",
    "Statement dated 01/02/2009 shows a fee I never agreed to",
    "Tracking number 1Z999AA10123456784 shows delivered",
    "My Club Lloyds account fee went up to £3",
    "The Regular Saver rate dropped to 4.5%",
    "I shop at Marks and Spencer and Sainsbury's mostly",
    "Is the Barclaycard Avios Plus worth it?",
    "I live in Milton Keynes, is there a branch?",
    "I paid Virgin Media 45.00 and Vodafone 30",
    "Ticket 55012 about my complaint has had no reply",
    "Case number 20240931 please update me",
    "Claim ref 7723419 for the PPI was rejected",
    "My mortgage of 250000 at 5.1 percent over 25 years",
    "Transaction ID 9f8a7b6c on 15/06/2025 failed",
    "Booking confirmation 44556677 from Expedia was charged in dollars",
    "Why did I pay 19.99 to Apple on the 3rd?",
    "My Nationwide FlexDirect account offers 5%",
    "I want to visit the Oxford Street branch",
    "The ATM on Victoria Road ate my card",
    "Call me back on the number you have",
    "Can Bill Payments go out on Sunday?",
    "Grace period for my credit card payment?",
    "Can I make a payment to Mark and Spencer?",
    "Just checking my Premier Reward Black status",
    "Santander and Halifax both offered me 2%",
    "Wise and Revolut are quicker for euros",
    "I'm in Dallas TX for work and my card is blocked",
    "Sent 500 to PayPal, it says pending",
    "My Visa Signature card ending in 7788 isn't working",
    "The savings pot shows 12,345.67",
    "In 2019 I opened an ISA with you",
    "I need the IBAN format for Germany",
    "Delta flight 1234 was refunded but not to my card",
    "Direct debit 00112233 to the council was cancelled",
    "Rent of 1,100 is due on the 1st of every month",
    "APR is 29.9% on the Classic card",
    "Reference: INV-55231 paid on 02/10/2024",
]


@pytest.mark.parametrize(("text", "entities"), FOUND, ids=[f"found-{i}" for i in range(len(FOUND))])
def test_pii_is_caught(text: str, entities: list[tuple[str, str]]) -> None:
    redacted = ENGINE.anonymize(text, ENGINE.analyze(text))
    missed = [(kind, value) for kind, value in entities if not caught(value, text, redacted)]
    assert not missed, redacted


@pytest.mark.parametrize("text", UNCHANGED, ids=[f"unchanged-{i}" for i in range(len(UNCHANGED))])
def test_look_alikes_are_left_alone(text: str) -> None:
    assert ENGINE.anonymize(text, ENGINE.analyze(text)) == text
