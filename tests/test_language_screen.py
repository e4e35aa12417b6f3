"""The language screen (issue #19): a message mainly in another language is read as such, whatever its script;
English by learners, with typos, text-speak, dialect, names and codes, or with a sentence of English beside another
language, stays English. Sentences of our own (not from any evaluation set)."""

from __future__ import annotations

import pytest

from assistant.integrations.langid import LanguageIdentifier, Py3LangidIdentifier
from assistant.signals.language import LanguageScreen


@pytest.fixture(scope="module")
def screen() -> LanguageScreen:
    s = LanguageScreen()
    s.warm_up()
    return s


OTHER = [
    ("Buenos días, he perdido la cartera con la tarjeta dentro, cómo la cancelo?", "es"),
    ("Dzień dobry, nie dostałem jeszcze nowej karty, co mam zrobić?", "pl"),
    ("Bonjour, je voudrais savoir pourquoi mon virement n'est pas encore arrivé", "fr"),
    ("Olá, a minha conta foi bloqueada e preciso pagar a renda hoje", "pt"),
    ("Guten Tag, meine Karte wurde im Automaten eingezogen, was soll ich tun?", "de"),
    ("我忘记了网上银行的密码，怎么重新设置？", "zh"),
    ("لا أستطيع الدخول إلى حسابي منذ يومين", "ar"),
    ("Здравствуйте, с моей карты списали деньги дважды", "ru"),
]
# romanised Hindi or Urdu: the identifier does not know it; few of its words are English
ROMANISED = [
    "bhaiya mera paisa abhi tak account me nahi aaya, kab tak aayega batao na",
    "mujhe samajh nahi aa raha ki naya card kaise chalu karun, thoda madad karo",
]
ENGLISH = [
    "i am wanting to know why money not arrive in my acount since monday",
    "pls cn u tel me how 2 chnge my adress on da app",
    "aye the card's no workin at the till, whit dae ah dae noo",
    "ok",
    "help",
    "card blocked abroad??",
    "Gracias! that fixed it, have a good day",
    "Inshallah the refund comes soon, thank you brother",
    "My details: Mrs Oluwaseun Adeyemi, 4 Birch Close, Croydon CR0 2TW, 07700 900 812",
    "Hola, mi nombre es Lucia. Can I open a joint account with my husband?",
]


@pytest.mark.parametrize(("text", "code"), OTHER, ids=[c for _, c in OTHER])
def test_another_language_is_read_as_such(screen: LanguageScreen, text: str, code: str) -> None:
    reading = screen.read(text)
    assert not reading.english and reading.language == code, reading


@pytest.mark.parametrize("text", ROMANISED, ids=range(len(ROMANISED)))
def test_romanised_hindi_is_another_language_of_no_named_code(screen: LanguageScreen, text: str) -> None:
    reading = screen.read(text)
    assert not reading.english and reading.language == "und", reading


@pytest.mark.parametrize("text", ENGLISH, ids=range(len(ENGLISH)))
def test_english_in_every_voice_stays_english(screen: LanguageScreen, text: str) -> None:
    reading = screen.read(text)
    assert reading.english and reading.language == "en", reading


def test_the_cue_says_why_for_the_agent(screen: LanguageScreen) -> None:
    assert screen.read("Dzień dobry, nie dostałem jeszcze nowej karty, co mam zrobić?").cue.startswith("pl (p=")
    assert "script" in screen.read("我忘记了网上银行的密码，怎么重新设置？").cue


def test_the_identifier_conforms_to_its_protocol() -> None:
    identifier = Py3LangidIdentifier()
    assert isinstance(identifier, LanguageIdentifier)
    code, p = identifier.identify("where is my new debit card, it was posted last week")
    assert code == "en" and 0.0 <= p <= 1.0
    assert identifier.identify("Dove posso trovare il codice IBAN del mio conto?")[0] == "it"


def test_the_shipped_word_list_is_english_without_foreign_function_words() -> None:
    from assistant.signals.language import VOCABULARY_PATH
    from assistant.training.english_vocabulary import FOREIGN_FUNCTION_WORDS

    words = {w for w in VOCABULARY_PATH.read_text(encoding="utf-8").splitlines() if not w.startswith("#")}
    assert {"the", "account", "card", "overdraft", "please", "statement", "wanna"} <= words
    assert not words & FOREIGN_FUNCTION_WORDS
