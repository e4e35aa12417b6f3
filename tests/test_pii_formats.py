"""More ways customers write account numbers and secrets, and more numbers that are not personal data; written
from how people type these (misspelt cues, a qualifier between cue and value, the cue after the number, counts), not
from any PII set. Rules only (``RegexPiiEngine``)."""

from __future__ import annotations

import pytest
from pii_cases import missed_values, redacted_text

FOUND: list[tuple[str, list[tuple[str, str]]]] = [
    # misspelt and shortened password cues
    ("passwrd is Sunshine1", [("PASSWORD", "Sunshine1")]),
    ("my passward is Sunshine1", [("PASSWORD", "Sunshine1")]),
    ("passowrd: Sunshine1", [("PASSWORD", "Sunshine1")]),
    ("p/w Sunshine1", [("PASSWORD", "Sunshine1")]),
    ("Pword: moonlight22", [("PASSWORD", "moonlight22")]),
    # a qualifier between the cue and the value
    ("the pin for my debit card is 4417", [("PASSWORD", "4417")]),
    ("my password (case sensitive) is BlueMoon7", [("PASSWORD", "BlueMoon7")]),
    ("the password for online banking is marmalade", [("PASSWORD", "marmalade")]),
    # the value a little after the cue
    ("I reset my password yesterday, the new one is Bluebird!7", [("PASSWORD", "Bluebird!7")]),
    ("my password is my dog's name Rufus123", [("PASSWORD", "Rufus123")]),
    ("my login details are jsmith / Kettle99", [("PASSWORD", "Kettle99")]),
    ("code from the text: 992104", [("PASSWORD", "992104")]),
    # security answers named by their question
    ("first car was a Fiesta", [("PASSWORD", "Fiesta")]),
    ("my answer for the security question is chocolate", [("PASSWORD", "chocolate")]),
    ("my first school which was St Mary's", [("PASSWORD", "St Mary's")]),
    ("mothers maiden name is Okafor", [("PASSWORD", "Okafor")]),
    ("my security number is 4417", [("PASSWORD", "4417")]),
    # account numbers: a short US number, the cue after the number, a cue glued to its label
    ("acct 123456 is my credit union one", [("ACCOUNT", "123456")]),
    ("1029384756 is my checking account", [("ACCOUNT", "1029384756")]),
    ("my number is 1234567 (savings)", [("ACCOUNT", "1234567")]),
    ("a/c no.31926819", [("ACCOUNT", "31926819")]),
    ("AccountNumber: 12345678901", [("ACCOUNT", "12345678901")]),
    ("acctno 1234567890", [("ACCOUNT", "1234567890")]),
    ("sort code is 20–45–77", [("SORT_CODE", "20–45–77")]),
    ("sort code 20 - 45 - 77", [("SORT_CODE", "20 - 45 - 77")]),
    # digits said as words or spaced out by speech to text
    (
        "my savings account is five five one two zero nine eight three",
        [("ACCOUNT", "five five one two zero nine eight three")],
    ),
    ("ssn 2 1 9 - 0 9 - 9 9 9 9", [("SSN", "2 1 9 - 0 9 - 9 9 9 9")]),
    ("the passcode is 7 7 1 2 0 3", [("PASSWORD", "7 7 1 2 0 3")]),
    # an account number typed in two halves next to a sort code
    ("sort code 20-45-77 and the number is 4412, 9083", [("ACCOUNT", "4412, 9083")]),
    # codes said to have come by text
    ("you texted 448 120 and it didn't work", [("PASSWORD", "448 120")]),
    ("the number that came by text is 302 118", [("PASSWORD", "302 118")]),
    ("I told my nephew my PIN so he could help, it's 8042", [("PASSWORD", "8042")]),
    # security answers named by their question, titles and phrases
    ("primary school mascot: Badgers", [("PASSWORD", "Badgers")]),
    ("favourite book - The Secret Garden", [("PASSWORD", "The Secret Garden")]),
    ("passphrase: the owl flies at noon", [("PASSWORD", "the owl flies at noon")]),
    ("password: purple monkey dishwasher", [("PASSWORD", "purple monkey dishwasher")]),
    (
        "my memorable word, which I always thought was lantern, got rejected so I tried lanterns",
        [("PASSWORD", "lantern"), ("PASSWORD", "lanterns")],
    ),
    ("pwd: winter of 82", [("PASSWORD", "winter of 82")]),
    ("pw abc123 no wait its Zebra!44", [("PASSWORD", "abc123"), ("PASSWORD", "Zebra!44")]),
    ("Name - R Adeyemi", [("NAME", "R Adeyemi")]),
    ("Pin no. 5820", [("PASSWORD", "5820")]),
    ("Security question: name of first pet. Answer: Biscuit", [("PASSWORD", "Biscuit")]),
    ("the message said 640213 is your code", [("PASSWORD", "640213")]),
    ("psw: lantern42", [("PASSWORD", "lantern42")]),
    ("place of birth is Swindon, that's my security answer", [("PASSWORD", "Swindon")]),
    ("the 3 digits on the back are 913", [("PASSWORD", "913")]),
    ("my pin is six two zero one", [("PASSWORD", "six two zero one")]),
    ("my security key is 88213", [("PASSWORD", "88213")]),
    ("he asked for the one time password, I said 224466", [("PASSWORD", "224466")]),
    ("my security details are Lemon44", [("PASSWORD", "Lemon44")]),
    ("my birthday on 3/4/1971 is on file", [("DOB", "3/4/1971")]),
    (
        "The Old Rectory, Church Road, Little Snoring NR21 0AB",
        [("ADDRESS", "The Old Rectory, Church Road, Little Snoring NR21 0AB")],
    ),
    ("my new flat is 4/2 102 Byres Road Glasgow G12 8TB", [("ADDRESS", "4/2 102 Byres Road Glasgow G12 8TB")]),
    ("hiya its Jordan, can I open an account", [("NAME", "Jordan")]),
    ("I sent it to Jan last week", [("NAME", "Jan")]),
    ("payment to D Williams bounced", [("NAME", "D Williams")]),
]

UNCHANGED: list[str] = [
    "my passcode is 6 digits right?",
    "the password should be 12 characters long",
    "my passcode is six digits long",
    "error code 500 when logging in",
    "my pin hasn't worked since 2019",
    "my pin was blocked in 2019",
    "I entered my pin at the ATM and it took 200",
    "pin for card ending 9932 not arriving",
    "Please don't ask me for my password, I've heard about scams",
    "Memorable word = something I can't remember",
    "My balance is 1500000 points",
    "I have 2000000 dollars in savings lol",
    "the file on the statement is named 20231104",
    # a cue with no secret after it
    "I don't know what my password is.",
    "passcode retrieval",
    "My passcode was denied.",
    "I've forgotten my app passcode completely.",
    "I don't have my passcode to access the app.",
    "I forgot my password to get into the app!",
    "Is my PIN the same thing as my passcode?",
    "Can I log in, although I have not been confirmed yet?",
    "I can't log in with this passcode",
    # places, nationalities, currencies, card networks, acronyms and contractions are not names
    "How long will a transfer from China take?",
    "What is your rate for Russian rubles and British pounds?",
    "Do you convert to Euros?",
    "Can I get both Mastercard and Visa from you?",
    "Is this card accepted by ATMs?",
    "I paid in a check yesterday and Im not seeing it",
    "Cancel Transaction",
    "Can I add my card to Samsung Wallet?",
    "I want to pay Council Tax by direct debit",
    "I sent money to Mum last week",
    "I got a letter from Lowell about a debt",
    "Cheers Mate",
    "I'll be abroad from Jan 3rd until Jan 9th",
    "show me the transactions from Monday to Sunday",
    "I opened the account on 23 Mar.",
    # dates of events, not births
    "On 12/12/2008 I was charged twice",
    "the fraud happened 02/05/2007",
    "The loan was due 01/01/2009",
    # a branch's or a cash machine's street is not a customer's address
    "The branch on 14 High Street is closed",
    "the ATM at 22 Market Street ate my card",
]


@pytest.mark.parametrize(("text", "entities"), FOUND, ids=[f"found-{i}" for i in range(len(FOUND))])
def test_more_formats_are_caught(text: str, entities: list[tuple[str, str]]) -> None:
    missed, redacted = missed_values(text, entities)
    assert not missed, redacted


@pytest.mark.parametrize("text", UNCHANGED, ids=[f"unchanged-{i}" for i in range(len(UNCHANGED))])
def test_counts_codes_and_service_lines_are_left_alone(text: str) -> None:
    assert redacted_text(text) == text
