"""Stage 8: decide whether a human takes over, why and how urgently, and what the customer is told."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from assistant.prompts import PromptFile, load_prompt_file
from assistant.settings import Settings
from assistant.types import Escalation, Priority, Retrieval, Signals

_PRIORITY_ORDER: dict[Priority, int] = {"normal": 0, "high": 1, "urgent": 2}


class _Notices(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    handoff: str
    handoff_with_answer: str
    refused: str
    refused_handoff: str
    crisis: str
    crisis_contacts_intro: str
    closed: str


class HandoffPrompts(PromptFile):
    """``prompts/handoff.yaml``: customer notices and crisis contacts per locale and crisis kind."""

    notices: _Notices
    crisis_contacts: dict[str, dict[str, list[str]]]


class EscalationPolicy:
    """Rules that bring in a human: crisis, explicit request, high distress, vulnerability on a sensitive
    topic, distress with vulnerability, a request for help with fraud, and repeated failure to answer.

    >>> from assistant.settings import Settings
    >>> policy = EscalationPolicy(Settings())
    >>> policy.warm_up()
    >>> policy.crisis_contacts("en-GB", "self_harm")[0].startswith("Samaritans")
    True
    """

    def __init__(self, settings: Settings) -> None:
        self._path = settings.prompts_dir / "handoff.yaml"
        self._max_failed_turns = settings.max_failed_turns
        self._high_distress_min_prob = settings.high_distress_min_prob
        self._default_locale = settings.locale
        self._prompts: HandoffPrompts | None = None

    def warm_up(self) -> None:
        _ = self.prompts

    @property
    def prompts(self) -> HandoffPrompts:
        if self._prompts is None:
            self._prompts = load_prompt_file(self._path, HandoffPrompts)
        return self._prompts

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
    ) -> Escalation:
        reasons: list[str] = []
        priority: Priority = "normal"

        def bump(level: Priority) -> None:
            nonlocal priority
            if _PRIORITY_ORDER[level] > _PRIORITY_ORDER[priority]:
                priority = level

        crisis = signals.distress == "crisis"
        if crisis:
            reasons.append(f"crisis: {signals.crisis_kind or 'risk to life or safety'}")
            bump("urgent")
        if signals.handoff_requested:
            reasons.append("customer asked for a person")
            bump("normal")
        p_high = signals.distress_probs.get("high", 0.0) + signals.distress_probs.get("crisis", 0.0)
        if signals.distress == "high" and p_high >= self._high_distress_min_prob:
            reasons.append(f"high distress (p={p_high:.2f})")
            bump("high")
        drivers = set(signals.vulnerability)
        top_sensitive = bool(
            retrieval and retrieval.in_scope and retrieval.passages and retrieval.passages[0].sensitive
        )
        # Low capability alone is met by a plainer style, not a hand-off; with high distress it counts.
        weighty = drivers - {"capability"} if signals.distress != "high" else drivers
        if weighty and signals.distress in ("mild", "high"):
            reasons.append(f"vulnerability ({', '.join(sorted(weighty))}) with distress")
            bump("high")
        elif drivers and top_sensitive:
            reasons.append(f"vulnerability ({', '.join(sorted(drivers))}) on a sensitive topic")
        if top_sensitive and retrieval is not None and signals.distress == "high" and not drivers:
            reasons.append(f"sensitive topic ({retrieval.article_ids[0]}) with high distress")
        if signals.misuse == "fraud":
            # A person reviews it: the writer may be a fraudster, or a scam victim being coached by one.
            reasons.append(f"asked for help with fraud ({', '.join(signals.cues.get('misuse', ()))})")
            bump("high")
        if failed_turns >= self._max_failed_turns:
            reasons.append(f"could not help after {failed_turns} attempts")
        return Escalation(escalate=bool(reasons), reasons=tuple(reasons), priority=priority, crisis=crisis)
