"""The statements a customer turn runs, built once at import with bound parameters.

Building a Core statement per call (``select(...).where(...)``, an ``update`` with thirteen values) and computing
its cache key cost more CPU than SQLite's own work for a turn; a statement built once keeps its memoised cache key,
so each execution only binds values. Same SQL, same parameters' types.

>>> str(CONVERSATION_BY_ID).split("WHERE ")[1]
'conversations.id = :conversation_id'
"""

from __future__ import annotations

from sqlalchemy import Integer, and_, bindparam, or_, select, update

from assistant.integrations.sql import schema as t

_c = t.conversations.c
_tc = t.turns.c

# The conversation columns ``save`` writes (``_row_values``), each bound as ``new_<column>``.
ROW_COLUMNS: tuple[str, ...] = (
    "channel",
    "locale",
    "token_hash",
    "state",
    "updated_at",
    "failed_turns",
    "asks_for_person",
    "priority_rank",
    "queued_at",
    "ticket",
    "handled_codes",
    "rating",
    "dialogue",
)

CONVERSATION_BY_ID = select(t.conversations).where(_c.id == bindparam("conversation_id"))
CONVERSATION_EXISTS = select(_c.id).where(_c.id == bindparam("conversation_id"))

# A turn's history: the customer's turns and any turn carrying a client_message_id, in order (``is_history_turn``).
HISTORY_TURNS = (
    select(t.turns)
    .where(
        and_(
            _tc.conversation_id == bindparam("conversation_id"),
            or_(_tc.role == "customer", _tc.client_message_id.is_not(None)),
        )
    )
    .order_by(_tc.idx)
)

# The compare-and-set on the state that advances the turn counter by ``added`` and hands it back (RETURNING:
# SQLite >= 3.35, PostgreSQL); it takes the row's write lock for the rest of the transaction.
SAVE_CONVERSATION = (
    update(t.conversations)
    .where(and_(_c.id == bindparam("conversation_id"), _c.state == bindparam("expect_state")))
    .values(
        turn_count=_c.turn_count + bindparam("added", type_=Integer),
        **{name: bindparam(f"new_{name}", type_=_c[name].type) for name in ROW_COLUMNS},
    )
    .returning(_c.turn_count)
)

INSERT_TURNS = t.turns.insert()
INSERT_EVENTS = t.events.insert()


def save_parameters(conversation_id: str, expect_state: str, added: int, row: dict[str, object]) -> dict[str, object]:
    """The bound values of :data:`SAVE_CONVERSATION` for a conversation's ``_row_values``."""
    params: dict[str, object] = {f"new_{name}": row[name] for name in ROW_COLUMNS}
    params.update(conversation_id=conversation_id, expect_state=expect_state, added=added)
    return params
