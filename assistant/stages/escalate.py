"""Stage 8: decide whether a person is needed now, was asked for, or should be offered; why; how urgently; and
what the customer is told. Rules and texts are versioned data in ``prompts/escalation.yaml``."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Literal

from pydantic import BaseModel, ConfigDict

from assistant.prompts import PromptFile, load_prompt_file
from assistant.settings import Settings
from assistant.types import Escalation, EscalationKind, Priority, Retrieval, Signals

_PRIORITY_ORDER: dict[Priority, int] = {"normal": 0, "high": 1, "urgent": 2}
_KIND_ORDER: dict[EscalationKind, int] = {"offer": 0, "asked": 1, "now": 2}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Notices(_Strict):
    handoff: str
    handoff_with_answer: str
    handoff_with_question: str
    refused: str
    refused_handoff: str
    crisis: str
    crisis_contacts_intro: str


class HandoffPrompts(PromptFile):
    """``prompts/handoff.yaml``: customer notices and crisis contacts per locale and crisis kind."""

    notices: _Notices
    crisis_contacts: dict[str, dict[str, list[str]]]


class EscalationRule(_Strict):
    kind: Literal["now", "asked", "offer"]
    priority: Literal["normal", "high", "urgent"]
    text: str


class OfferAction(_Strict):
    id: str
    label: str


class QueueTexts(_Strict):
    waiting: str
    still_waiting: str
    closed: str
    with_human: str
    released: str


RULE_CODES = (
    "crisis",
    "fraud_in_progress",
    "fraud_request",
    "high_distress",
    "vulnerable_with_distress",
    "vulnerable_sensitive_topic",
    "sensitive_high_distress",
    "asked_for_person",
    "asked_again",
    "other_language",
    "repeated_failure",
    "low_confidence",
)


class EscalationRules(PromptFile):
    """``prompts/escalation.yaml``: one rule per reason code (kind, priority, customer text), the fraud-in-progress
    screen, the offer's one-tap action and the queue texts.

    >>> from assistant.settings import Settings
    >>> rules = load_prompt_file(Settings().prompts_dir / "escalation.yaml", EscalationRules)
    >>> rules.rules["crisis"].priority
    'urgent'
    """

    rules: dict[str, EscalationRule]
    # one line per language code, added to the ``other_language`` text ("es": "Una persona de nuestro equipo ...")
    other_language_lines: dict[str, str]
    fraud_intents: list[str]
    fraud_now_patterns: list[str]
    offer_action: OfferAction
    queue: QueueTexts

    def model_post_init(self, __context: object) -> None:
        missing = set(RULE_CODES) - self.rules.keys()
        unknown = self.rules.keys() - set(RULE_CODES)
        if missing or unknown:
            raise ValueError(f"escalation rules: missing {sorted(missing)}, unknown {sorted(unknown)}")
        for pattern in self.fraud_now_patterns:
            re.compile(pattern)


class EscalationPolicy:
    """Rules that bring in a person: a crisis or fraud happening now, a request for help with fraud, high distress,
    vulnerability with distress or on a sensitive topic, a message in a language the assistant cannot read (all
    *needs a person now*); the customer asking (twice:
    higher priority); and, after missed answers or an unsure retrieval, an *offer* of a person.

    >>> from assistant.settings import Settings
    >>> policy = EscalationPolicy(Settings())
    >>> policy.warm_up()
    >>> policy.crisis_contacts("en-GB", "self_harm")[0].startswith("Samaritans")
    True
    """

    def __init__(self, settings: Settings) -> None:
        self._path = settings.prompts_dir / "handoff.yaml"
        self._rules_path = settings.prompts_dir / "escalation.yaml"
        self._max_failed_turns = settings.max_failed_turns
        self._high_distress_min_prob = settings.high_distress_min_prob
        self._default_locale = settings.locale
        self._prompts: HandoffPrompts | None = None
        self._rules: EscalationRules | None = None
        self._fraud_now: tuple[re.Pattern[str], ...] = ()

    def warm_up(self) -> None:
        _ = self.prompts, self.rules

    @property
    def prompts(self) -> HandoffPrompts:
        if self._prompts is None:
            self._prompts = load_prompt_file(self._path, HandoffPrompts)
        return self._prompts

    @property
    def rules(self) -> EscalationRules:
        if self._rules is None:
            rules = load_prompt_file(self._rules_path, EscalationRules)
            self._fraud_now = tuple(re.compile(p, re.IGNORECASE) for p in rules.fraud_now_patterns)
            self._rules = rules
        return self._rules

    def crisis_contacts(self, locale: str, kind: str | None) -> list[str]:
        contacts = self.prompts.crisis_contacts
        by_kind = contacts.get(locale) or contacts[self._default_locale]
        return by_kind.get(kind or "self_harm") or by_kind["self_harm"]

    def run(
        self,
        *,
        signals: Signals,
        retrieval: Retrieval | None,
        failed_turns: int,
        text: str = "",
        asks_before: int = 0,
        handled: Collection[str] = (),
    ) -> Escalation:
        """``failed_turns`` counts this turn if it failed; ``asks_before``: earlier turns that asked for a person;
        ``handled``: codes a person already dealt with in this conversation (not escalated for again, except a
        request for a person and a message in another language, which the bot still cannot answer)."""
        rules = self.rules
        found: list[tuple[str, str, tuple[str, ...]]] = []

        def add(code: str, detail: str, cues: tuple[str, ...] = ()) -> None:
            if code in handled and code not in ("asked_for_person", "asked_again", "other_language"):
                return  # a person dealt with it; but a request, or a message the bot cannot read, needs one again
            found.append((code, detail, cues))

        crisis = signals.distress == "crisis"
        if crisis:
            add("crisis", f"crisis: {signals.crisis_kind or 'risk to life or safety'}", signals.cues.get("crisis", ()))
        top_intents = set(retrieval.passages[0].intents) if retrieval and retrieval.passages else set()
        now_cues = tuple(m.group(0) for p in self._fraud_now if (m := p.search(text)))
        if top_intents & set(rules.fraud_intents) and now_cues:
            add("fraud_in_progress", f"fraud happening now ({', '.join(sorted(top_intents))})", now_cues)
        if signals.misuse == "fraud":
            # A person reviews it: the writer may be a fraudster, or a scam victim being coached by one.
            misuse_cues = signals.cues.get("misuse", ())
            add("fraud_request", f"asked for help with fraud ({', '.join(misuse_cues)})", misuse_cues)
        if signals.handoff_requested:
            cues = signals.cues.get("handoff", ())
            if asks_before >= 1:
                add("asked_again", f"customer asked for a person ({asks_before + 1} times)", cues)
            else:
                add("asked_for_person", "customer asked for a person", cues)
        elif asks_before >= 2:
            # A customer who asked twice is never answered by the bot a third time, whatever this message says.
            add("asked_again", f"customer asked for a person {asks_before} times before", ())
        if signals.language != "en":
            # the assistant cannot read it: no English answer, and a person who can (or a translator) takes it
            add("other_language", f"written in another language ({signals.language})", signals.cues.get("language", ()))
        p_high = signals.distress_probs.get("high", 0.0) + signals.distress_probs.get("crisis", 0.0)
        if signals.distress == "high" and p_high >= self._high_distress_min_prob:
            add("high_distress", f"high distress (p={p_high:.2f})", signals.cues.get("distress", ()))
        drivers = set(signals.vulnerability)
        top_sensitive = bool(
            retrieval and retrieval.in_scope and retrieval.passages and retrieval.passages[0].sensitive
        )
        # Low capability alone is met by a plainer style, not a hand-off, on any topic ("there's a charge I don't
        # understand" reads as capability and finds the unrecognised-payment article); with high distress it counts.
        weighty = drivers - {"capability"} if signals.distress != "high" else drivers
        vcues = signals.cues.get("vulnerability", ())
        if weighty and signals.distress in ("mild", "high"):
            add("vulnerable_with_distress", f"vulnerability ({', '.join(sorted(weighty))}) with distress", vcues)
        elif weighty and top_sensitive:
            add(
                "vulnerable_sensitive_topic",
                f"vulnerability ({', '.join(sorted(weighty))}) on a sensitive topic",
                vcues,
            )
        if top_sensitive and retrieval is not None and signals.distress == "high" and not drivers:
            add("sensitive_high_distress", f"sensitive topic ({retrieval.article_ids[0]}) with high distress")
        if failed_turns >= self._max_failed_turns:
            add("repeated_failure", f"could not help after {failed_turns} attempts")
        elif failed_turns >= 1 and retrieval is not None and retrieval.in_scope and signals.misuse is None:
            # an article matched, yet no answer passed the checks: the bot is unsure of its own answer
            add("low_confidence", f"no checked answer (retrieval confidence {retrieval.confidence:.2f})")
        if not found:
            return Escalation(escalate=False)
        return self._decide(found, crisis=crisis and "crisis" not in handled, language=signals.language)

    def _decide(
        self, found: list[tuple[str, str, tuple[str, ...]]], *, crisis: bool, language: str = "en"
    ) -> Escalation:
        rules = self.rules.rules
        kind: EscalationKind = max((rules[c].kind for c, _, _ in found), key=lambda k: _KIND_ORDER[k])
        if kind != "offer":  # an offer is moot when a person is coming anyway
            found = [f for f in found if rules[f[0]].kind != "offer"]
        deciding = max(found, key=lambda f: (_KIND_ORDER[rules[f[0]].kind], _PRIORITY_ORDER[rules[f[0]].priority]))
        priority: Priority = max((rules[c].priority for c, _, _ in found), key=lambda p: _PRIORITY_ORDER[p])
        text = rules[deciding[0]].text
        line = self.rules.other_language_lines.get(language)
        if deciding[0] == "other_language" and line:
            text = f"{text}\n\n{line}"
        return Escalation(
            escalate=kind != "offer",
            reasons=tuple(d for _, d, _ in found),
            priority=priority,
            crisis=crisis,
            codes=tuple(c for c, _, _ in found),
            cues=tuple(cues for _, _, cues in found),
            kind=kind,
            offer=kind == "offer",
            text=text,
        )
