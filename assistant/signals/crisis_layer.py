"""The crisis layer of :class:`~assistant.signals.model.SignalModel`: crisis, its kind and its cues from the lexicon's
crisis rules (less denials), the crisis bank, the weak warning signs, the learned crisis head, the crisis view and
the last customer turns; acute-situation rules raise a message to ``high``. A mixin: it reads the model's stored
thresholds (``_thr``) and rule probabilities (``_rule``), chosen on the written dev rows
(``assistant/training/signals/crisis_thresholds.py``).

>>> raise_to(np.array([0.5, 0.5]), 1, 0.8).round(2).tolist()
[0.2, 0.8]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from assistant.signals.crisis_bank import BankMatch
from assistant.signals.crisis_view import VIEW_KINDS, WINDOW_TURNS
from assistant.signals.features import TextFeatures
from assistant.signals.lexicon import CueHit, crisis_rule_hits
from assistant.types import DISTRESS_LEVELS, DistressLevel, Signals

CRISIS_KINDS: tuple[str, ...] = ("self_harm", "threat", "abuse", "emergency")
# When rules of several kinds fire, the kind whose contacts come first: danger now before everything else.
KIND_PRIORITY: tuple[str, ...] = ("emergency", "self_harm", "threat", "abuse")
# Defaults until the heads carry thresholds chosen on the dev split (``meta["thresholds"]``).
CRISIS_BANK_THRESHOLD = 0.66
CRISIS_WINDOW_THRESHOLD = 0.5
CRISIS_WINDOW_TURNS = 2  # earlier customer turns the crisis layer looks back over
# Warning signs that everyday money moves share ("move all my savings to my son, he's buying a flat"): on their own
# they pair with the crisis bank only at its stricter ``crisis_warning_bank_transfer`` threshold.
TRANSFER_SIGNS = frozenset({"handing everything over"})


# Marks the crisis cue of a source where two readings agree below their own thresholds (the window of the last turns
# and this message's view, or the view and the crisis bank): its call holds for its own turn and, unlike the other
# sources', does not carry to later turns as "crisis earlier" (``data/audits/crisis_stop37_notes.md``).
AGREE_MARK = "agreeing with"


def carries(cue: str) -> bool:
    """Whether an earlier turn's crisis cue makes a later turn a crisis ("crisis earlier in the conversation"): not a
    cue carried itself, nor one from an agreeing pair of weaker readings.

    >>> carries("suicide"), carries("crisis earlier in the conversation (threat)")
    (True, False)
    >>> carries("crisis view p=0.66 agreeing with crisis bank: burn_branch (cos 0.62)")
    False
    """
    return not cue.startswith("crisis earlier") and AGREE_MARK not in cue


def rounded(p: Mapping[str, float] | np.ndarray, names: Sequence[str]) -> dict[str, float]:
    return {n: round(float(p[i] if isinstance(p, np.ndarray) else p[n]), 4) for i, n in enumerate(names)}


def raise_to(probs: np.ndarray, index: int, floor: float) -> np.ndarray:
    """Raise class ``index`` to at least ``floor`` and scale the others down so the vector still sums to 1."""
    if probs[index] >= floor:
        return probs
    out = probs.copy()
    rest = 1.0 - probs[index]
    out *= (1.0 - floor) / rest if rest > 0 else 0.0
    out[index] = floor
    return out


class CrisisLayer:
    """Crisis and distress from the rule layer and the learned sources (mixed into ``SignalModel``, which holds the
    thresholds, the rule probabilities and the heads this layer reads).

    >>> from assistant.signals.features import FeatureExtractor
    >>> CrisisLayer.warning_cues(FeatureExtractor().extract("I've been giving my things away"))
    ('self_harm: giving things away',)
    """

    _thr: dict[str, float]
    _rule: dict[str, float]

    @staticmethod
    def _crisis_rule_hits(feats: TextFeatures) -> tuple[CueHit, ...]:
        """Crisis rule hits, less those inside a denial ("I'm not suicidal", "I'd never hurt anyone")."""
        return crisis_rule_hits(feats.hits)

    def _distress(
        self,
        feats: TextFeatures,
        raw: Mapping[str, np.ndarray],
        negative_p: float,
        bank: BankMatch | None = None,
        history: Sequence[Signals] = (),
    ) -> tuple[DistressLevel, dict[str, float], str | None, tuple[str, ...], tuple[str, ...]]:
        """Crisis, recall first, from (in order): the crisis rules of the lexicon (less denials); the crisis bank
        (this message, or this message and one of the last customer turns both close to the bank); a crisis in
        the last customer turns; the crisis view of this message, of the last turns read together with it
        (``crisis_view_joined``, or ``crisis_view_joined_low`` with this message at ``crisis_view_joined_floor``),
        the view and the bank agreeing on a kind below their own thresholds, or the view of two turns each; the
        learned crisis class (its own threshold and a negative message). Figures of speech and denials veto the
        bank and the head, never a rule. Acute-situation rules (a scam in progress, no food today) raise a
        non-crisis message to ``high``."""
        p = raw["distress"].astype(np.float64)
        crisis_i = DISTRESS_LEVELS.index("crisis")
        crisis_hits = self._crisis_rule_hits(feats)
        crisis_cues: tuple[str, ...] = tuple(dict.fromkeys(h.cue for h in crisis_hits))
        vetoed = bool(feats.hit_groups("traps"))
        recent = list(history)[-CRISIS_WINDOW_TURNS:]
        # the crisis view's p(crisis) (0 without a view: its thresholds are never reached)
        p_view = float(np.asarray(raw["crisis_view"]).ravel()[0]) if "crisis_view" in raw else 0.0
        # the view over the window of the last customer turns and this message (0 on a first turn)
        p_window = float(np.asarray(raw["crisis_window"]).ravel()[0]) if "crisis_window" in raw else 0.0
        kind: str | None = None
        label: DistressLevel
        bank_thr = self._thr.get("crisis_bank", CRISIS_BANK_THRESHOLD)
        window_thr = self._thr.get("crisis_bank_window", CRISIS_WINDOW_THRESHOLD)
        bank_ok = (
            bank is not None
            and not vetoed
            and bank.score - bank.trap_score >= self._thr.get("crisis_bank_margin", 0.0)
            and not bank.trapped
        )
        earlier = [
            h for h in recent if h.distress == "crisis" and h.cues.get("crisis") and carries(h.cues["crisis"][0])
        ]
        warning_kind, warning_cue = self._warning_signs(feats, raw, recent, bank, vetoed, negative_p)
        if crisis_hits:
            kinds = {h.group.split(".", 1)[1] for h in crisis_hits}
            kind = next(k for k in KIND_PRIORITY if k in kinds)
            label = "crisis"
        elif bank is not None and bank_ok and bank.score >= bank_thr:
            kind, label = bank.kind, "crisis"
            crisis_cues = (bank.cue(),)
        elif (
            bank is not None
            and bank_ok
            and bank.score >= window_thr
            and any(h.crisis_similarity >= window_thr for h in recent)
        ):
            kind, label = bank.kind, "crisis"
            crisis_cues = (f"{bank.cue()} over the last {len(recent) + 1} turns",)
        elif warning_kind is not None:
            kind, label = warning_kind, "crisis"
            crisis_cues = (warning_cue,)
        elif (
            not vetoed
            and "crisis" in raw
            and float(np.asarray(raw["crisis"]).ravel()[0]) >= self._thr.get("crisis_head", 0.9)
        ):
            label = "crisis"
            kind = CRISIS_KINDS[int(np.asarray(raw["crisis_kind"]).argmax())]
            crisis_cues = (f"crisis head p={float(np.asarray(raw['crisis']).ravel()[0]):.2f}",)
        elif not vetoed and p_view >= self._thr.get("crisis_view", 9.0):
            label = "crisis"
            kind = VIEW_KINDS[int(np.asarray(raw["crisis_view_kind"]).argmax())]
            crisis_cues = (f"crisis view p={p_view:.2f}",)
        elif not vetoed and (
            p_window >= (joined := self._thr.get("crisis_view_joined", 9.0))
            or (
                p_window >= self._thr.get("crisis_view_joined_low", 9.0)
                and p_view >= self._thr.get("crisis_view_joined_floor", 9.0)
            )
        ):
            label = "crisis"
            kind = VIEW_KINDS[int(np.asarray(raw["crisis_window_kind"]).argmax())]
            turns = min(len(history), WINDOW_TURNS) + 1
            crisis_cues = (f"crisis view p={p_window:.2f} over the last {turns} turns read together",)
            if p_window < joined:
                crisis_cues = (f"{crisis_cues[0]} {AGREE_MARK} this message's p={p_view:.2f}",)
        elif not vetoed and (agree := self._view_bank_agree(raw, p_view, bank, bank_ok)) is not None:
            kind, label = agree.kind, "crisis"
            crisis_cues = (f"crisis view p={p_view:.2f} {AGREE_MARK} {agree.cue()}",)
        elif (
            not vetoed
            and p_view >= self._thr.get("crisis_view_window", 9.0)
            and any(h.crisis_view_p >= self._thr.get("crisis_view_window", 9.0) for h in recent)
        ):
            label = "crisis"
            kind = VIEW_KINDS[int(np.asarray(raw["crisis_view_kind"]).argmax())]
            crisis_cues = (f"crisis view p={p_view:.2f} over the last {len(recent) + 1} turns",)
        elif earlier and not vetoed:
            kind, label = earlier[-1].crisis_kind, "crisis"
            crisis_cues = (f"crisis earlier in the conversation ({earlier[-1].crisis_kind})",)
        elif (
            not vetoed
            and p[crisis_i] >= self._thr.get("crisis_model", 0.5)
            and negative_p >= self._thr.get("crisis_model_negative", 0.5)
            and (feats.hit_groups("distress") or self._thr.get("crisis_model_needs_cue", 1.0) < 0.5)
        ):
            label = "crisis"
            kind_probs = np.asarray(raw["crisis_kind"])
            kind = CRISIS_KINDS[int(kind_probs.argmax())]
            crisis_cues = (f"model p(crisis)={p[crisis_i]:.2f}",)
        else:
            rest = p.copy()
            rest[crisis_i] = -1.0
            label = DISTRESS_LEVELS[int(rest.argmax())]
        if label == "crisis":
            p = raise_to(p, crisis_i, self._rule.get("crisis_rule->crisis", 0.9))
        acute = feats.cues("distress.acute")
        by_head, by_view, p_acute, p_view_high = self._high_by(raw, vetoed)
        if label in ("none", "mild") and (acute or by_head or by_view):
            high_i = DISTRESS_LEVELS.index("high")
            p = raise_to(p, high_i, self._rule.get("distress.acute->high", 0.8))
            label = "high"
            if not acute:
                acute = (
                    (f"high-distress head p={p_acute:.2f}",) if by_head else (f"crisis view p(high)={p_view_high:.2f}",)
                )
        if label == "crisis":
            cues = crisis_cues
        elif label == "none":
            negated = tuple(f"not {c}" for c in feats.cues("distress", negated=True))
            cues = negated or (f"model p(none)={p[0]:.2f}",)
        else:
            words = list(acute) + list(feats.cues("distress.high")) + list(feats.cues("distress.mild"))
            words += [w for w, v in feats.polar_words if v <= -1.5]
            cues = tuple(dict.fromkeys(words))[:8] or (f"model p({label})={p[DISTRESS_LEVELS.index(label)]:.2f}",)
        return label, rounded(p, DISTRESS_LEVELS), kind, cues, crisis_cues

    def _view_bank_agree(
        self, raw: Mapping[str, np.ndarray], p_view: float, bank: BankMatch | None, bank_ok: bool
    ) -> BankMatch | None:
        """The crisis bank's match where the crisis view and the bank agree below their own thresholds: this
        message's view p(crisis) at ``crisis_view_bank`` and the bank's nearest entry, of the kind the view reads,
        at ``crisis_view_bank_agree`` (past the bank's trap margin). Chosen leaving one writer out
        (``data/audits/crisis_stop37_notes.md``); off without the thresholds."""
        if bank is None or not bank_ok or "crisis_view_kind" not in raw:
            return None
        if p_view < self._thr.get("crisis_view_bank", 9.0) or bank.score < self._thr.get("crisis_view_bank_agree", 9.0):
            return None
        view_kind = VIEW_KINDS[int(np.asarray(raw["crisis_view_kind"]).argmax())]
        return bank if bank.kind == view_kind else None

    def distress_for_history(self, label: DistressLevel, feats: TextFeatures, raw: Mapping[str, np.ndarray]) -> str:
        """This message's distress as later turns' warning signs read it (kept on ``Signals.cues["distress_history"]``):
        the label, except that a non-crisis message is read with the high-distress thresholds the crisis thresholds
        were chosen with (``crisis_history_distress`` for the head, ``crisis_history_distress_view`` for the view;
        without them, the high-distress thresholds themselves). So choosing the high-distress pair again moves what
        is escalated as high distress, never which later message a warning sign makes a crisis
        (``data/audits/distress_history_notes.md``).

        >>> from assistant.signals.features import FeatureExtractor
        >>> layer = CrisisLayer.__new__(CrisisLayer)
        >>> layer._thr = {"high_distress": 0.95, "crisis_history_distress": 0.8}
        >>> raw = {"distress": np.array([0.7, 0.2, 0.05, 0.05]), "high_distress": np.array([0.85])}
        >>> layer.distress_for_history("none", FeatureExtractor().extract("I moved my savings today"), raw)
        'high'
        """
        if label == "crisis":
            return label
        p = np.asarray(raw["distress"], dtype=np.float64).ravel().copy()
        p[DISTRESS_LEVELS.index("crisis")] = -1.0
        base = DISTRESS_LEVELS[int(p.argmax())]
        if base not in ("none", "mild"):
            return base
        by_head, by_view, _, _ = self._high_by(raw, bool(feats.hit_groups("traps")), history=True)
        return "high" if feats.cues("distress.acute") or by_head or by_view else base

    def _high_by(
        self, raw: Mapping[str, np.ndarray], vetoed: bool, *, history: bool = False
    ) -> tuple[bool, bool, float, float]:
        """Whether the high-distress head and the crisis view's p(high or crisis) (acute distress the view has learnt
        across writers, a scam in progress) each raise a message to high, and their probabilities: at
        ``high_distress`` / ``high_distress_view``, or with ``history`` at the thresholds the warning-sign history
        reads (``crisis_history_distress`` / ``crisis_history_distress_view``, defaulting to the former). A figure
        of speech (``vetoed``) stops the view."""
        p_head = float(np.asarray(raw["high_distress"]).ravel()[0]) if "high_distress" in raw else 0.0
        p_view = float(np.asarray(raw["crisis_view_high"]).ravel()[0]) if "crisis_view_high" in raw else 0.0
        head_thr = self._thr.get("high_distress", 9.0)
        view_thr = self._thr.get("high_distress_view", 9.0)
        if history:
            head_thr = self._thr.get("crisis_history_distress", head_thr)
            view_thr = self._thr.get("crisis_history_distress_view", view_thr)
        return p_head >= head_thr, not vetoed and p_view >= view_thr, p_head, p_view

    @staticmethod
    def history_distress(turn: Signals) -> str:
        """An earlier turn's distress as the warning signs read it: ``cues["distress_history"]`` where the turn has
        it (see :meth:`distress_for_history`), else its label (turns stored before that cue existed)."""
        return turn.cues.get("distress_history", (turn.distress,))[0]

    @staticmethod
    def warning_cues(feats: TextFeatures) -> tuple[str, ...]:
        """This message's weak crisis warning signs as ``kind: cue`` (kept on ``Signals.cues["warning"]`` so later
        turns can combine them)."""
        hits = feats.hit_groups("warning")
        return tuple(dict.fromkeys(f"{h.group.split('.', 1)[1]}: {h.cue}" for h in hits))

    def _warning_signs(
        self,
        feats: TextFeatures,
        raw: Mapping[str, np.ndarray],
        recent: Sequence[Signals],
        bank: BankMatch | None,
        vetoed: bool,
        negative_p: float = 0.0,
    ) -> tuple[str | None, str]:
        """A crisis from weak warning signs: a sign in this message together with a second, different sign (in this
        message or one of the last customer turns) or with distress (a high-distress cue, the distress head's
        p(high)+p(crisis), an earlier turn read as high or crisis, or a crisis-bank entry of the sign's own kind above
        ``crisis_warning_bank``; ``crisis_warning_bank_transfer`` for a money-transfer sign alone). Denials and
        figures of speech veto it."""
        here = self.warning_cues(feats)
        if vetoed or not here:
            return None, ""
        kinds_here = {c.split(": ", 1)[0] for c in here}
        before = [c for h in recent for c in h.cues.get("warning", ())]
        signs = tuple(dict.fromkeys((*here, *before)))
        cue_names = tuple(dict.fromkeys(c.split(": ", 1)[1] for c in signs))
        reason = ""
        if len(cue_names) >= 2:
            where = "this message" if all(c in here for c in signs) else f"the last {len(recent) + 1} turns"
            reason = f"warning signs ({where}): " + " + ".join(cue_names[:4])
        else:
            p = np.asarray(raw["distress"], dtype=np.float64).ravel()
            p_high = float(p[DISTRESS_LEVELS.index("high")] + p[DISTRESS_LEVELS.index("crisis")])
            high_words = feats.cues("distress.high")
            window_thr = self._thr.get("crisis_bank_window", CRISIS_WINDOW_THRESHOLD)
            if high_words:
                reason = f"warning sign with distress: {cue_names[0]} + {high_words[0]}"
            elif p_high >= self._thr.get("crisis_warning_distress", 0.6):
                reason = f"warning sign with distress: {cue_names[0]} + model p(high or crisis)={p_high:.2f}"
            elif kinds_here == {"threat"} and negative_p >= self._thr.get("crisis_warning_anger", 0.85):
                reason = f"threatening words in anger: {cue_names[0]} + p(negative)={negative_p:.2f}"
            elif any(self.history_distress(h) in ("high", "crisis") for h in recent):
                reason = f"warning sign after a distressed turn: {cue_names[0]}"
            elif bank is not None and not bank.trapped and bank.kind in kinds_here:
                # The bank only backs a sign of its own kind (a self-harm sign is not made a crisis by an abuse
                # description), and a money-transfer sign alone needs the bank closer still.
                bank_thr = self._thr.get("crisis_warning_bank", window_thr)
                if set(cue_names) <= TRANSFER_SIGNS:
                    bank_thr = max(bank_thr, self._thr.get("crisis_warning_bank_transfer", bank_thr + 0.1))
                if bank.score >= bank_thr:
                    reason = f"warning sign near the crisis bank: {cue_names[0]} + {bank.cue()}"
        if not reason:
            return None, ""
        kinds = [c.split(": ", 1)[0] for c in signs]
        kind = max(KIND_PRIORITY, key=lambda k: (kinds.count(k), -KIND_PRIORITY.index(k)))
        return kind, reason
