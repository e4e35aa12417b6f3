"""Fact descriptions in the customer's terms (issue #20, stop 37): the composer leads with the fact the question asks
for when the customer says it their way -- "if the bank went bust" for the FSCS limit, "a card from a bank in
Spain" for the fee on cards issued outside the UK, "in the middle of the night" for the chat's hours, "when can I
report it missing" for the card-arrival report time. The descriptions (``knowledge_base/facts``) say what each
fact is in those terms; values, kinds and articles are unchanged. Real knowledge base, real encoder and composer,
the articles given as retrieved (the right one first)."""

from __future__ import annotations

import pytest

from assistant.answers.base import GenerationRequest, make_signals
from assistant.answers.composer import ComposerBackend
from assistant.answers.focus import kb_facts
from assistant.answers.kbview import load_articles, oracle_retrieval
from assistant.answers.text import iter_units, split_units
from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings
from assistant.types import Style

SETTINGS = Settings(environment="test")
ARTICLES = {a.id: a for a in load_articles(SETTINGS.kb_dir)}
FACTS = {f.name: f for f in kb_facts(SETTINGS.kb_dir)}


@pytest.fixture(scope="module")
def composer(encoder: TextEncoder) -> ComposerBackend:
    backend = ComposerBackend(SETTINGS, encoder=encoder)
    backend.warm_up()
    return backend


def lead(composer: ComposerBackend, query: str, register: str, *article_ids: str) -> str:
    grade = {"plain": 6, "standard": 9, "technical": 12}[register]
    style = Style(tone="neutral", register=register, target_grade=grade, length="medium")  # type: ignore[arg-type]
    retrieval = oracle_retrieval([ARTICLES[a] for a in article_ids])
    text, *_ = composer.compose(GenerationRequest(query, style, retrieval, make_signals()))
    return next(u.clean for u in iter_units(split_units(text)) if u.clean and not u.structural)


@pytest.mark.parametrize(
    ("question", "register", "articles", "fact"),
    [
        (
            "If your bank went bust tomorrow, how much of my savings would I get back?",
            "plain",
            ("is-my-money-protected-fscs", "savings-accounts-and-interest"),
            "savings_fscs_limit",  # not the most one customer can hold in savers
        ),
        (
            "My card is from a bank in Spain. Do you charge anything to top up with it?",
            "standard",
            ("top-up-by-card-charge",),
            "topup_fee_non_uk_card",  # not the free UK debit card top-up
        ),
        (
            "can i message you on the chat in the middle of the night",
            "plain",
            ("contact-us",),
            "support_chat_hours",  # not the phone line's and agents' hours
        ),
        (
            "My new card was posted ages ago and still hasn't turned up. When can I report it missing?",
            "plain",
            ("card-arrival",),
            "card_arrival_report_after",  # not the time we take to post it
        ),
        (
            "A thief spent money with my stolen card before I noticed it was gone. Will I have to pay any of it?",
            "plain",
            ("lost-or-stolen-card",),
            "card_pre_notification_liability",  # not the replacement card's fee
        ),
        (
            "I've only got £200 to put away. Is that enough to open a fixed saver?",
            "standard",
            ("savings-accounts-and-interest",),
            "savings_fixed_min_deposit",  # not the Easy Access Saver's £1
        ),
    ],
)
def test_customer_wording_leads_with_the_asked_fact(
    composer: ComposerBackend, question: str, register: str, articles: tuple[str, ...], fact: str
) -> None:
    first = lead(composer, question, register, *articles)
    assert FACTS[fact].value in first, first
