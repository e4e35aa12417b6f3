"""Run-time signals: the trained heads plus the rule layer (crisis, explicit hand-off, sarcasm,
vulnerability cues, misuse) turned into one :class:`~assistant.types.Signals`, and literacy smoothing over the
conversation.

>>> sure = {"novice": 0.1, "intermediate": 0.2, "expert": 0.7}
>>> smooth_literacy([sure] * 3 + [{"novice": 0.4, "intermediate": 0.3, "expert": 0.3}])[0]
'expert'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.errors import ModelUnavailableError
from assistant.signals.crisis_bank import BankMatch, CrisisBank, load_crisis_bank
from assistant.signals.features import FeatureExtractor, TextFeatures, bag_of_words
from assistant.signals.heads import HeadBundle
from assistant.signals.lexicon import CueHit
from assistant.signals.misuse import MISUSE_ARTIFACT, MisuseDetector
from assistant.types import (
    DISTRESS_LEVELS,
    LITERACY_LEVELS,
    SENTIMENTS,
    VULNERABILITY_DRIVERS,
    DistressLevel,
    LiteracyLevel,
    SentimentLabel,
    Signals,
    VulnerabilityDriver,
)

ARTIFACT_NAME = "signals_heads.npz"
CRISIS_KINDS: tuple[str, ...] = ("self_harm", "threat", "abuse", "emergency")
# When rules of several kinds fire, the kind whose contacts come first: danger now before everything else.
KIND_PRIORITY: tuple[str, ...] = ("emergency", "self_harm", "threat", "abuse")
# Defaults until the heads carry thresholds chosen on the dev split (``meta["thresholds"]``).
CRISIS_BANK_THRESHOLD = 0.66
CRISIS_WINDOW_THRESHOLD = 0.5
CRISIS_WINDOW_TURNS = 2  # earlier customer turns the crisis layer looks back over
# Capability cues that are enough on their own (the others, "doesn't understand", "confused", need the head).
STRONG_CAPABILITY_CUES = frozenset(
    {
        "low capability",
        "language barrier",
        "low digital skills",
        "no digital access",
        "reading or writing difficulty",
        "relies on others for banking",
        "low confidence with money or tech",
    }
)
# Warning signs that everyday money moves share ("move all my savings to my son, he's buying a flat"): on their own
# they pair with the crisis bank only at its stricter ``crisis_warning_bank_transfer`` threshold.
TRANSFER_SIGNS = frozenset({"handing everything over"})
# The denial cue (lexicon traps) under which no crisis rule of the message counts.
PROFESSIONAL_DENIAL = "someone else's past or a professional"
LITERACY_DECAY = 0.8  # weight of a turn relative to the one after it
LITERACY_FULL_EVIDENCE_WORDS = 8  # messages shorter than this are shrunk towards uniform


def _round(p: Mapping[str, float] | np.ndarray, names: Sequence[str]) -> dict[str, float]:
    return {n: round(float(p[i] if isinstance(p, np.ndarray) else p[n]), 4) for i, n in enumerate(names)}


def _raise_to(probs: np.ndarray, index: int, floor: float) -> np.ndarray:
    """Raise class ``index`` to at least ``floor`` and scale the others down so the vector still sums to 1."""
    if probs[index] >= floor:
        return probs
    out = probs.copy()
    rest = 1.0 - probs[index]
    out *= (1.0 - floor) / rest if rest > 0 else 0.0
    out[index] = floor
    return out


def literacy_evidence(words: float, full_evidence_words: float = LITERACY_FULL_EVIDENCE_WORDS) -> float:
    """How much one message's literacy estimate counts: 1 from ``full_evidence_words`` words on, less below."""
    return min(1.0, max(words, 1.0) / max(full_evidence_words, 1.0))


def normalised_entropy(p: Sequence[float]) -> float:
    arr = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1.0)
    return float(-(arr * np.log(arr)).sum() / math.log(len(arr)))


def smooth_literacy(
    per_message: Sequence[Mapping[str, float]], decay: float = LITERACY_DECAY
) -> tuple[LiteracyLevel, float, dict[str, float]]:
    """Conversation-level literacy from per-message probabilities (oldest first, current last).

    Each turn is weighted by recency (``decay`` per turn back) and by how informative it was
    (1 − normalised entropy, plus a small floor), so one short, uncertain message cannot flip a settled
    estimate.
    """
    if not per_message:
        uniform = 1.0 / len(LITERACY_LEVELS)
        return "novice", uniform, {lvl: uniform for lvl in LITERACY_LEVELS}
    total = np.zeros(len(LITERACY_LEVELS))
    weight_sum = 0.0
    n = len(per_message)
    for i, probs in enumerate(per_message):
        vec = np.array([float(probs.get(lvl, 0.0)) for lvl in LITERACY_LEVELS])
        if vec.sum() <= 0:
            continue
        vec = vec / vec.sum()
        w = decay ** (n - 1 - i) * (0.05 + 1.0 - normalised_entropy(vec))
        total += w * vec
        weight_sum += w
    if weight_sum <= 0:
        return smooth_literacy(())
    avg = total / weight_sum
    best = int(avg.argmax())
    return LITERACY_LEVELS[best], float(avg[best]), _round(avg, LITERACY_LEVELS)


class SignalModel:
    """Trained heads + rule layer. ``predict(text, vector, history)`` returns :class:`Signals`.

    >>> from assistant.integrations.encoder import SentenceTransformerEncoder
    >>> model = SignalModel.load()
    >>> text = "my interest rate went up and my debt keeps growing"
    >>> model.predict(text, SentenceTransformerEncoder().encode([text])[0]).sentiment
    'negative'
    """

    def __init__(
        self,
        bundle: HeadBundle,
        extractor: FeatureExtractor | None = None,
        misuse: MisuseDetector | None = None,
        bank: CrisisBank | None = None,
    ) -> None:
        self.bundle = bundle
        self.extractor = extractor or FeatureExtractor()
        self.misuse = misuse or MisuseDetector(None)  # rules only until a head is given
        self.bank = bank or load_crisis_bank()
        self.meta = bundle.meta
        self.version = str(self.meta.get("version", ""))
        rules = self.meta.get("rule_probs", {})
        self._rule: dict[str, float] = {str(k): float(v) for k, v in dict(rules).items()}  # type: ignore[call-overload]
        thresholds = self.meta.get("thresholds", {})
        self._thr: dict[str, float] = {str(k): float(v) for k, v in dict(thresholds).items()}  # type: ignore[call-overload]

    def threshold(self, name: str, default: float = 0.5) -> float:
        """A decision threshold stored with the heads (``handoff``, ``crisis_model``, ``vulnerability.<d>``)."""
        return self._thr.get(name, default)

    @classmethod
    def load(cls, path: Path | None = None, misuse_path: Path | None = None) -> SignalModel:
        """The heads at ``path`` and the misuse head at ``misuse_path`` (defaults: the artifacts folder)."""
        from assistant.settings import get_settings

        artifacts = get_settings().artifacts_dir
        target = path or artifacts / ARTIFACT_NAME
        if not target.exists():
            raise ModelUnavailableError(f"signals heads missing at {target}: run `attune train signals`")
        misuse = MisuseDetector.load(misuse_path or target.with_name(MISUSE_ARTIFACT))
        return cls(HeadBundle.load(target), misuse=misuse)

    # --- vectors ---

    def design(self, text: str, vector: np.ndarray, feats: TextFeatures) -> np.ndarray:
        x = np.concatenate([np.asarray(vector, dtype=np.float32).ravel(), feats.values])
        buckets = int(self.meta.get("bow_buckets", 0))  # type: ignore[call-overload]
        return self.bundle.standardise(x, bag_of_words(text, buckets) if buckets else None)

    def raw_probs(self, z: np.ndarray) -> dict[str, np.ndarray]:
        """Calibrated head outputs for standardised rows ``z`` (before the rule layer)."""
        out: dict[str, np.ndarray] = {}
        for name, sm in self.bundle.softmax_heads.items():
            out[name] = sm.predict_proba(z)
        for name, sg in self.bundle.sigmoid_heads.items():
            out[name] = sg.predict_proba(z)
        return out

    # --- predict ---

    def warm_up_bank(self) -> None:
        """Embed the crisis bank with the shared encoder (idempotent)."""
        if not self.bank.ready:
            from assistant.integrations.encoder import shared_encoder

            self.bank.warm_up(shared_encoder())

    def predict(self, text: str, vector: np.ndarray, history: Sequence[Signals] = ()) -> Signals:
        feats = self.extractor.extract(text)
        z = self.design(text, vector, feats)
        raw = {k: v[0] for k, v in self.raw_probs(z).items()}
        self.warm_up_bank()
        signals = self.combine(text, feats, raw, history, self.bank.match(vector))
        verdict = self.misuse.predict(text, vector, feats.hits)
        cues = {**signals.cues, "misuse": verdict.cues} if verdict.cues else signals.cues
        return replace(signals, misuse=verdict.kind, misuse_probs=verdict.probs, cues=cues)

    def combine(
        self,
        text: str,
        feats: TextFeatures,
        raw: Mapping[str, np.ndarray],
        history: Sequence[Signals] = (),
        bank: BankMatch | None = None,
    ) -> Signals:
        cues: dict[str, tuple[str, ...]] = {}
        sentiment, score, s_probs, cues["sentiment"] = self._sentiment(feats, raw["sentiment"])
        distress, d_probs, kind, cues["distress"], crisis_cues = self._distress(
            feats, raw, s_probs["negative"], bank, history
        )
        if crisis_cues:
            cues["crisis"] = crisis_cues
        warning = self.warning_cues(feats)
        if warning:
            cues["warning"] = warning
        complaint, c_prob, c_cues = self._complaint(feats, raw.get("complaint"), s_probs["negative"])
        if c_cues:
            cues["complaint"] = c_cues
        vuln, v_probs, v_cues = self._vulnerability(feats, raw["vulnerability"])
        for driver, dc in v_cues.items():
            cues[f"vulnerability.{driver}"] = dc
        if vuln:
            cues["vulnerability"] = tuple(f"{d}: {', '.join(v_cues[d])}" for d in vuln)
        handoff, h_prob, cues["handoff"] = self._handoff(feats, raw["handoff"])
        lit_msg, lit_probs, cues["literacy"] = self._literacy(feats, raw["literacy"])
        smoothed, confidence, _ = smooth_literacy([h.literacy_probs for h in history] + [lit_probs])
        return Signals(
            sentiment=sentiment,
            sentiment_score=score,
            sentiment_probs=s_probs,
            distress=distress,
            distress_probs=d_probs,
            vulnerability=vuln,
            vulnerability_probs=v_probs,
            handoff_requested=handoff,
            handoff_prob=h_prob,
            literacy=smoothed,
            literacy_confidence=round(confidence, 4),
            literacy_message=lit_msg,
            literacy_probs=lit_probs,
            cues=cues,
            crisis_kind=kind,
            model_version=self.version,
            complaint=complaint,
            complaint_prob=round(c_prob, 4),
            crisis_similarity=round(bank.score, 4) if bank is not None else 0.0,
        )

    # --- heads ---

    def _sentiment(
        self, feats: TextFeatures, probs: np.ndarray
    ) -> tuple[SentimentLabel, float, dict[str, float], tuple[str, ...]]:
        p = probs.astype(np.float64)
        neg_i = SENTIMENTS.index("negative")
        sarcasm = feats.sarcasm()
        if sarcasm:
            p = _raise_to(p, neg_i, self._rule.get("sarcasm->negative", 0.8))
        label: SentimentLabel = SENTIMENTS[int(p.argmax())]
        score = float(np.clip(p[SENTIMENTS.index("positive")] - p[neg_i], -1.0, 1.0))
        if label == "negative":
            words = (
                list(sarcasm)
                + list(feats.cues("sentiment.negative"))
                + [f"not {c}" for c in feats.cues("sentiment.positive", negated=True)]
                + [w for w, v in feats.polar_words if v < 0]
            )
        elif label == "positive":
            words = (
                list(feats.cues("sentiment.positive"))
                + [f"not {c}" for c in feats.cues("sentiment.negative", negated=True)]
                + [f"not {c}" for c in feats.cues("distress", negated=True)]
                + [w for w, v in feats.polar_words if v > 0]
            )
        else:
            words = []
        cues = tuple(dict.fromkeys(words))[:8] or (f"model p({label})={p.max():.2f}",)
        return label, round(score, 4), _round(p, SENTIMENTS), cues

    @staticmethod
    def _crisis_rule_hits(feats: TextFeatures) -> tuple[CueHit, ...]:
        """Crisis rule hits, less those inside a denial ("I'm not suicidal", "I'd never hurt anyone")."""
        denials = feats.hit_groups("traps.denial")
        if any(d.cue == PROFESSIONAL_DENIAL for d in denials):
            return ()  # someone else's past, or a professional asking on others' behalf: the whole message
        return tuple(
            h for h in feats.hit_groups("crisis") if not any(d.start <= h.start and h.end <= d.end for d in denials)
        )

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
        the last customer turns; the learned crisis class (its own threshold and a negative message). Figures of
        speech and denials veto the bank and the head, never a rule. Acute-situation rules (a scam in progress,
        no food today) raise a non-crisis message to ``high``."""
        p = raw["distress"].astype(np.float64)
        crisis_i = DISTRESS_LEVELS.index("crisis")
        crisis_hits = self._crisis_rule_hits(feats)
        crisis_cues: tuple[str, ...] = tuple(dict.fromkeys(h.cue for h in crisis_hits))
        vetoed = bool(feats.hit_groups("traps"))
        recent = list(history)[-CRISIS_WINDOW_TURNS:]
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
            h
            for h in recent
            if h.distress == "crisis" and h.cues.get("crisis") and not h.cues["crisis"][0].startswith("crisis earlier")
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
            p = _raise_to(p, crisis_i, self._rule.get("crisis_rule->crisis", 0.9))
        acute = feats.cues("distress.acute")
        p_acute = float(np.asarray(raw["high_distress"]).ravel()[0]) if "high_distress" in raw else 0.0
        if label in ("none", "mild") and (acute or p_acute >= self._thr.get("high_distress", 9.0)):
            high_i = DISTRESS_LEVELS.index("high")
            p = _raise_to(p, high_i, self._rule.get("distress.acute->high", 0.8))
            label = "high"
            if not acute:
                acute = (f"high-distress head p={p_acute:.2f}",)
        if label == "crisis":
            cues = crisis_cues
        elif label == "none":
            negated = tuple(f"not {c}" for c in feats.cues("distress", negated=True))
            cues = negated or (f"model p(none)={p[0]:.2f}",)
        else:
            words = list(acute) + list(feats.cues("distress.high")) + list(feats.cues("distress.mild"))
            words += [w for w, v in feats.polar_words if v <= -1.5]
            cues = tuple(dict.fromkeys(words))[:8] or (f"model p({label})={p[DISTRESS_LEVELS.index(label)]:.2f}",)
        return label, _round(p, DISTRESS_LEVELS), kind, cues, crisis_cues

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
            elif any(h.distress in ("high", "crisis") for h in recent):
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

    def _complaint(
        self, feats: TextFeatures, probs: np.ndarray | None, negative_p: float = 0.0
    ) -> tuple[bool, float, tuple[str, ...]]:
        """A complaint (DISP 1.1) from the complaint rules and, when the heads have one, the complaint head. A
        general cue of dissatisfaction counts in full when the message reads negative (or sarcastic) and no one
        else (a merchant, a builder) is its subject; sarcasm about the bank's service is itself such a cue."""
        explicit = feats.cues("complaint.explicit")
        about_bank = feats.cues("complaint.about_bank")
        elsewhere = bool(feats.hit_groups("complaint.elsewhere"))
        sarcasm = feats.sarcasm()
        general = () if elsewhere else feats.cues("complaint.general") + sarcasm
        p = float(np.asarray(probs).ravel()[0]) if probs is not None else 0.0
        if explicit:
            p = max(p, self._rule.get("complaint.explicit->complaint", 0.95))
        if about_bank:
            p = max(p, self._rule.get("complaint.about_bank->complaint", 0.8))
        if general:
            p = max(p, self._rule.get("complaint.general->complaint", 0.6))
            if negative_p >= self._thr.get("complaint_general_negative", 0.35) or sarcasm:
                p = max(p, self._thr.get("complaint", 0.5))
        flagged = p >= self._thr.get("complaint", 0.5)
        cues = tuple(dict.fromkeys(explicit + about_bank + general)) if flagged else ()
        if flagged and not cues:
            cues = (f"model p(complaint)={p:.2f}",)
        return flagged, p, cues

    def _vulnerability(
        self, feats: TextFeatures, probs: np.ndarray
    ) -> tuple[tuple[VulnerabilityDriver, ...], dict[str, float], dict[str, tuple[str, ...]]]:
        p = probs.astype(np.float64).copy()
        fired: list[VulnerabilityDriver] = []
        cues: dict[str, tuple[str, ...]] = {}
        for i, driver in enumerate(VULNERABILITY_DRIVERS):
            lex = feats.cues(f"vulnerability.{driver}")
            if lex:
                p[i] = max(p[i], self._rule.get(f"vulnerability.{driver}->{driver}", 0.5))
                if driver == "capability" and set(lex) & STRONG_CAPABILITY_CUES:
                    # Language, reading, digital access or a learning difficulty: capability in itself (FG21/1),
                    # unlike "I don't understand this charge", whose rule probability stays below the threshold.
                    p[i] = max(p[i], self._thr.get(f"vulnerability.{driver}", 0.5))
            if p[i] >= self._thr.get(f"vulnerability.{driver}", 0.5):
                fired.append(driver)
                cues[driver] = lex or (f"model p({driver})={p[i]:.2f}",)
        return tuple(fired), _round(p, VULNERABILITY_DRIVERS), cues

    def _handoff(self, feats: TextFeatures, probs: np.ndarray) -> tuple[bool, float, tuple[str, ...]]:
        p = float(np.asarray(probs).ravel()[0])
        explicit = feats.cues("handoff.explicit")
        unhelpful = feats.cues("handoff.bot_unhelpful")
        if not explicit and feats.hit_groups("handoff.declined"):
            p = min(p, 0.1)  # "no need for a person": the head's reading of the word "person" does not count
        if explicit:
            p = max(p, self._rule.get("handoff.explicit->handoff", 0.9))
        if unhelpful:
            p = max(p, self._rule.get("handoff.bot_unhelpful->handoff", 0.5))
        requested = p >= self._thr.get("handoff", 0.5)
        cues = tuple(dict.fromkeys(explicit + unhelpful)) if requested else ()
        if requested and not cues:
            cues = (f"model p(handoff)={p:.2f}",)
        return requested, round(p, 4), cues

    def _literacy(
        self, feats: TextFeatures, probs: np.ndarray
    ) -> tuple[LiteracyLevel, dict[str, float], tuple[str, ...]]:
        words = math.expm1(feats.value("read.log_words"))
        full = float(self.meta.get("literacy_full_evidence_words", LITERACY_FULL_EVIDENCE_WORDS))  # type: ignore[arg-type]
        alpha = literacy_evidence(words, full)
        p = alpha * probs.astype(np.float64) + (1 - alpha) / len(LITERACY_LEVELS)
        label: LiteracyLevel = LITERACY_LEVELS[int(p.argmax())]
        cues: list[str] = []
        tech = feats.cues("literacy.technical_terms")
        common = feats.cues("literacy.common_terms")
        novice = feats.cues("literacy.novice_markers")
        if tech:
            cues.append("technical terms: " + ", ".join(tech[:5]))
        if common:
            cues.append("product terms: " + ", ".join(common[:5]))
        if novice:
            cues.append("novice markers: " + ", ".join(novice[:3]))
        cues.append(f"reading grade {feats.value('read.fk_grade'):.1f}")
        numbers = round(math.expm1(feats.value("read.log_numbers")))
        if numbers:
            cues.append(f"numbers: {numbers}")
        if alpha < 1.0:
            cues.append(f"short message ({int(words)} words): weak evidence")
        return label, _round(p, LITERACY_LEVELS), tuple(cues)
