"""The clarifying question is kept with a hand-off now (stop 41, issue #18).

When the escalation rules bring a person in at once (vulnerability with distress, vulnerability on a sensitive
topic, high distress; not a crisis, not a request for a person) and the router is unsure, the hand-off used to
replace the clarifying question: the customer read only "I'm bringing in a member of our team". Now the customer
sees the question, its choices and the hand-off notice; a pick while the conversation waits is answered by the
bot, and once a person has claimed the conversation the bot says nothing.

Messages through the real pipeline (real knowledge base, routing head, encoder) and the conversation service."""

from __future__ import annotations

from assistant.conversations import ConversationService, InMemoryConversationRepository
from assistant.dialogue.state import DialogueState
from assistant.pipeline import DialogueContext, Pipeline
from assistant.types import Message

UNSURE_VULNERABLE = "I have dementia and I get confused, my card isn't working and I don't know what to do"
UNSURE_CALM = "I want to change my limit"


def test_a_hand_off_now_keeps_the_question_and_its_choices(real_kb_pipeline: Pipeline) -> None:
    outcome = real_kb_pipeline.handle(Message("kept-1", UNSURE_VULNERABLE), DialogueContext())
    reply = outcome.reply
    assert reply.status == "escalated" and reply.dialogue == "clarify"
    assert reply.escalation is not None and reply.escalation.kind == "now" and not reply.escalation.crisis
    assert len(reply.choices) >= 2 and reply.citations == ()
    notice = real_kb_pipeline.escalation.prompts.notices.handoff_with_question
    assert reply.text.endswith(notice) and len(reply.text) > len(notice) + 20
    # the question stays open, so a pick on the next turn is read as a choice
    question = outcome.dialogue.open_question
    assert question is not None and tuple(c.id for c in question.choices) == tuple(c.id for c in reply.choices)


def test_a_calm_unsure_question_is_still_asked_without_a_hand_off(real_kb_pipeline: Pipeline) -> None:
    context = DialogueContext(history=(), failed_turns=0, state=DialogueState(), choice_id=None, recent_texts=())
    reply = real_kb_pipeline.handle(Message("kept-2", UNSURE_CALM), context).reply
    assert reply.status == "answered" and len(reply.choices) >= 2 and reply.citations == ()
    assert reply.escalation is not None and not reply.escalation.escalate


def _service(pipeline: Pipeline) -> ConversationService:
    return ConversationService(pipeline.settings, pipeline, InMemoryConversationRepository())


def test_a_pick_while_waiting_is_answered(real_kb_pipeline: Pipeline) -> None:
    service = _service(real_kb_pipeline)
    cid = service.start().conversation.id
    first = service.handle(cid, UNSURE_VULNERABLE)
    assert first.status == "escalated" and first.state == "waiting_for_human"
    choices = first.body["choices"]
    assert len(choices) >= 2
    assert real_kb_pipeline.escalation.prompts.notices.handoff_with_question in first.body["text"]
    pick = choices[0]
    second = service.handle(cid, None, choice=pick["id"])
    assert second.status == "waiting_for_human" and second.state == "waiting_for_human"
    assert [c["article_id"] for c in second.body["citations"]][:1] == [pick["article_id"]]
    conv = service.repository.get(cid)
    queue_line = service._queue_text(conv, service._queue_info(conv), first=False)
    assert second.body["text"].endswith(queue_line) and len(second.body["text"]) > len(queue_line) + 40
    assert second.body["choices"] == []
    # anything else said while waiting gets the queue line only, as before
    third = service.handle(cid, "are you still there?")
    assert third.status == "waiting_for_human" and third.body["citations"] == []
    assert third.body["text"] == queue_line


def test_a_pick_in_words_while_waiting_is_answered_too(real_kb_pipeline: Pipeline) -> None:
    service = _service(real_kb_pipeline)
    cid = service.start().conversation.id
    first = service.handle(cid, UNSURE_VULNERABLE)
    still = service.handle(cid, "are you still there?")
    assert still.body["citations"] == []  # not a pick: the question stays open
    second = service.handle(cid, "the second one")
    assert second.status == "waiting_for_human"
    assert [c["article_id"] for c in second.body["citations"]][:1] == [first.body["choices"][1]["article_id"]]


def test_nothing_is_answered_once_a_person_has_claimed_the_conversation(real_kb_pipeline: Pipeline) -> None:
    service = _service(real_kb_pipeline)
    cid = service.start().conversation.id
    first = service.handle(cid, UNSURE_VULNERABLE)
    service.claim(cid, "agent-7")
    second = service.handle(cid, None, choice=first.body["choices"][0]["id"])
    assert second.status == "with_human" and second.body["text"] == "" and second.body["citations"] == []


def test_a_pick_sent_as_the_choice_label_while_waiting_is_answered(real_kb_pipeline: Pipeline) -> None:
    """The widget sends a clicked quick reply as its label text (``widget.js`` ``addChoices``)."""
    service = _service(real_kb_pipeline)
    cid = service.start().conversation.id
    first = service.handle(cid, UNSURE_VULNERABLE)
    pick = first.body["choices"][0]
    second = service.handle(cid, pick["label"])
    assert second.status == "waiting_for_human"
    assert [c["article_id"] for c in second.body["citations"]][:1] == [pick["article_id"]]
