"""Conversations as a first-class domain: state machine, turns, hand-off ticket, events and the service."""

from assistant.conversations.model import (
    Conversation,
    ConversationState,
    Event,
    EventKind,
    HandoffTicket,
    NewTurn,
    Reason,
    Turn,
    TurnRole,
)
from assistant.conversations.repository import ConversationRepository, InMemoryConversationRepository
from assistant.conversations.service import ConversationService
from assistant.conversations.views import CustomerReply, QueueInfo, StartedConversation, StreamEvent

__all__ = [
    "Conversation",
    "ConversationRepository",
    "ConversationService",
    "ConversationState",
    "CustomerReply",
    "Event",
    "EventKind",
    "HandoffTicket",
    "InMemoryConversationRepository",
    "NewTurn",
    "QueueInfo",
    "Reason",
    "StartedConversation",
    "StreamEvent",
    "Turn",
    "TurnRole",
]
