"""The real knowledge base's facts and ``prompts/composer.yaml``'s answer-fact settings, and a ranking of fact
sentences to choose from, for the tests of :func:`assistant.answers.answer_choice.answer_choice`'s terms."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answers.answer_choice import answer_choice
from assistant.answers.asked import FactInfo
from assistant.answers.composer import load_composer_prompts
from assistant.answers.focus import Candidate, Ranked, kb_facts
from assistant.answers.sentence_vectors import EmbeddingCache
from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings

SETTINGS = Settings(environment="test")
_CFG = load_composer_prompts(SETTINGS.prompts_dir).focus.answer_fact
assert _CFG is not None
CFG = _CFG
FACTS = {f.name: f for f in kb_facts(SETTINGS.kb_dir)}


def ranked(*names: str, articles: Sequence[str] = ()) -> list[Ranked]:
    """One sentence per fact (its description and value), ranked in the order given, all above the bar; each in
    article ``articles[i]`` (all in article "a" when not given)."""
    out = []
    for order, name in enumerate(names):
        fact = FACTS[name]
        text = f"{fact.description}: {fact.value}."
        article = articles[order] if articles else "a"
        c = Candidate(article, "Details", text, text, order, order, False, (name,), frozenset({fact.kind}))
        out.append(Ranked(c, 0.6 - 0.01 * order, 0.5, 0.5, True))
    return out


def fact_choice(question: str, encoder: TextEncoder, update: dict[str, float], *names: str) -> str | None:
    """The fact ``answer_choice`` answers ``question`` with among ``names``' sentences, with ``update`` applied to
    the answer-fact settings."""
    facts = tuple(FactInfo(f.name, f.value, f.kind, f.description) for f in FACTS.values())
    cfg = CFG.model_copy(update=update)
    choice = answer_choice(question, ranked(*names), facts, EmbeddingCache(encoder), cfg, {})
    return choice.fact if choice is not None else None
