"""A message in another language through the whole pipeline (fixture knowledge base): no English answer is drafted
from words the assistant cannot read; a person is brought in and the customer is told so, in English and in their
language. English by a learner is answered as before."""

from __future__ import annotations

from assistant.pipeline import Pipeline
from assistant.types import Message


def test_another_language_is_handed_to_a_person_without_an_answer(pipeline: Pipeline) -> None:
    text = "Hola, no me ha llegado la tarjeta nueva y ya pasaron dos semanas, qué puedo hacer?"
    reply = pipeline.handle(Message(conversation_id="lang-es", text=text)).reply
    assert reply.signals is not None and reply.signals.language == "es"
    assert reply.signals.cues["language"][0].startswith("es (p=")
    assert reply.status == "escalated" and reply.escalation is not None
    assert "other_language" in reply.escalation.codes
    assert reply.citations == () and "Una persona de nuestro equipo" in reply.text


def test_learner_english_is_answered_as_before(pipeline: Pipeline) -> None:
    text = "my new card not come yet, two week already, what i must do"
    reply = pipeline.handle(Message(conversation_id="lang-en", text=text)).reply
    assert reply.signals is not None and reply.signals.language == "en"
    assert reply.escalation is None or "other_language" not in reply.escalation.codes
