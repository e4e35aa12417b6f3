"""Multi-turn data for the ``dialogue`` suite: topic-labelled dialogues (``data/dialogue/dev.jsonl``, the blind
``data/blind/dialogues.jsonl``) and the Banks dialogues of the Schema-Guided Dialogue dataset (``sgd_banks``).

>>> d = DialogueCase(id="d1", voice="uk", turns=(DialogueTurn("where is my card?", "card-arrival", "new_topic"),))
>>> d.turns[0].kind
'new_topic'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eval.formats import EvalDataError


@dataclass(frozen=True)
class DialogueTurn:
    """One customer turn: its text, the article it is about (None when the writer gave none) and its kind
    (``new_topic``, ``follow_up``, ``frustrated_follow_up``, ``more_detail``, ``close``, ...)."""

    text: str
    topic: str | None
    kind: str


@dataclass(frozen=True)
class DialogueCase:
    id: str
    voice: str
    turns: tuple[DialogueTurn, ...]


@dataclass(frozen=True)
class SgdDialogue:
    """The customer turns of one SGD dialogue while it stays on its first Banks_1 intent."""

    id: str
    intent: str
    turns: tuple[str, ...]


def load_dialogues_jsonl(path: Path) -> list[DialogueCase]:
    """``{"id", "voice", "turns": [{"text", "topic", "kind", ...}]}`` per line."""
    cases: list[DialogueCase] = []
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                turns = tuple(
                    DialogueTurn(str(t["text"]), t.get("topic") or None, str(t.get("kind") or "follow_up"))
                    for t in raw["turns"]
                )
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise EvalDataError(f"{path}:{n}: not a dialogue row ({exc})") from exc
            if not turns or not all(t.text.strip() for t in turns):
                raise EvalDataError(f"{path}:{n}: turns: non-empty texts are required")
            cases.append(DialogueCase(str(raw.get("id") or f"{Path(path).stem}:{n}"), str(raw.get("voice", "")), turns))
    if not cases:
        raise EvalDataError(f"{path}: no dialogues")
    return cases


def load_sgd_json(path: Path) -> list[SgdDialogue]:
    """Each dialogue's USER turns from its first ``Banks_1`` intent until that intent changes or ends."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise EvalDataError(f"{path}: cannot read SGD dialogues ({exc})") from exc
    out: list[SgdDialogue] = []
    for dialogue in raw:
        intent: str | None = None
        texts: list[str] = []
        for turn in dialogue.get("turns", []):
            if turn.get("speaker") != "USER":
                continue
            frames = [f for f in turn.get("frames", []) if f.get("service") == "Banks_1"]
            active = frames[0].get("state", {}).get("active_intent") if frames else None
            if intent is None:
                if active and active != "NONE":
                    intent = active
                    texts.append(turn["utterance"])
                continue
            if active != intent:
                break
            texts.append(turn["utterance"])
        if intent is not None:
            out.append(SgdDialogue(str(dialogue.get("dialogue_id")), intent, tuple(texts)))
    if not out:
        raise EvalDataError(f"{path}: no Banks_1 dialogues")
    return out
