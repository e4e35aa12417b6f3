"""Run-time signals: the trained heads plus the rule layer (crisis, explicit hand-off, sarcasm,
vulnerability cues, misuse) turned into one :class:`~assistant.types.Signals`, with literacy smoothed over the
conversation (:mod:`assistant.signals.literacy_smoothing`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.errors import ModelUnavailableError
from assistant.signals.crisis_bank import BankMatch, CrisisBank, load_crisis_bank
from assistant.signals.crisis_layer import CrisisLayer, raise_to, rounded
from assistant.signals.crisis_view import VIEW_HEAD_FILE, VIEW_KINDS, CrisisViewHead
from assistant.signals.features import FeatureExtractor, TextFeatures, bag_of_words
from assistant.signals.heads import HeadBundle
from assistant.signals.lexicon import person_requests
from assistant.signals.literacy_smoothing import LITERACY_FULL_EVIDENCE_WORDS, literacy_evidence, smooth_literacy
from assistant.signals.misuse import MISUSE_ARTIFACT, MisuseDetector
from assistant.signals.service_view import SERVICE_HEAD_FILE, SERVICE_LABELS, ServiceViewHead, blend
from assistant.types import (
    LITERACY_LEVELS,
    SENTIMENTS,
    VULNERABILITY_DRIVERS,
    LiteracyLevel,
    SentimentLabel,
    Signals,
    VulnerabilityDriver,
)

ARTIFACT_NAME = "signals_heads.npz"
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


class SignalModel(CrisisLayer):
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
        view_head: CrisisViewHead | None = None,
        service_head: ServiceViewHead | None = None,
    ) -> None:
        self.bundle = bundle
        self.view_head = view_head
        self.service_head = service_head
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
        view_path = target.with_name(VIEW_HEAD_FILE)
        view_head = CrisisViewHead.load(view_path) if view_path.is_file() else None
        service_path = target.with_name(SERVICE_HEAD_FILE)
        service_head = ServiceViewHead.load(service_path) if service_path.is_file() else None
        return cls(HeadBundle.load(target), misuse=misuse, view_head=view_head, service_head=service_head)

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

    def view_probs(self, view: np.ndarray | None) -> dict[str, np.ndarray]:
        """The crisis view's p(crisis), kind probabilities and p(high or crisis) as raw outputs (empty without a view
        or its head)."""
        if view is None or self.view_head is None:
            return {}
        score = self.view_head.score(view)
        kinds = np.array([score.probs[k] for k in VIEW_KINDS], dtype=np.float64)
        high = score.p_crisis + score.probs.get("high", 0.0)
        return {
            "crisis_view": np.array([score.p_crisis]),
            "crisis_view_kind": kinds,
            "crisis_view_high": np.array([high]),
        }

    def window_probs(self, window: np.ndarray | None) -> dict[str, np.ndarray]:
        """The crisis view's p(crisis) and kind probabilities over the window of the last turns, as the raw outputs
        ``crisis_window`` and ``crisis_window_kind`` (empty without a window, a view or its head)."""
        probs = self.view_probs(window)
        return {"crisis_window": probs["crisis_view"], "crisis_window_kind": probs["crisis_view_kind"]} if probs else {}

    def service_probs(self, view: np.ndarray | None) -> dict[str, np.ndarray]:
        """The service view's p(yes) per label (:data:`SERVICE_LABELS` order) as the raw output ``service_view``
        (empty without a view or its head)."""
        if view is None or self.service_head is None:
            return {}
        return {"service_view": self.service_head.matrix(view)[0]}

    def predict(
        self,
        text: str,
        vector: np.ndarray,
        history: Sequence[Signals] = (),
        view: np.ndarray | None = None,
        service: np.ndarray | None = None,
        window: np.ndarray | None = None,
    ) -> Signals:
        """Signals of one message from its shared vector (and, with their adapters, its crisis and service views,
        and the crisis view of its window over the last turns, ``crisis_view.window_text``)."""
        feats = self.extractor.extract(text)
        z = self.design(text, vector, feats)
        raw = {k: v[0] for k, v in self.raw_probs(z).items()}
        raw.update(self.view_probs(view))
        raw.update(self.window_probs(window))
        raw.update(self.service_probs(service))
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
        cues["distress_history"] = (self.distress_for_history(distress, feats, raw),)
        warning = self.warning_cues(feats)
        if warning:
            cues["warning"] = warning
        service = raw.get("service_view")
        complaint, c_prob, c_cues = self._complaint(feats, raw.get("complaint"), s_probs["negative"], service)
        if c_cues:
            cues["complaint"] = c_cues
        vuln, v_probs, v_cues = self._vulnerability(feats, raw["vulnerability"], service)
        for driver, dc in v_cues.items():
            cues[f"vulnerability.{driver}"] = dc
        if vuln:
            cues["vulnerability"] = tuple(f"{d}: {', '.join(v_cues[d])}" for d in vuln)
        handoff, h_prob, cues["handoff"] = self._handoff(feats, raw["handoff"], service)
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
            crisis_view_p=round(float(np.asarray(raw["crisis_view"]).ravel()[0]), 4) if "crisis_view" in raw else 0.0,
            crisis_window_p=(
                round(float(np.asarray(raw["crisis_window"]).ravel()[0]), 4) if "crisis_window" in raw else 0.0
            ),
        )

    # --- heads ---

    def _sentiment(
        self, feats: TextFeatures, probs: np.ndarray
    ) -> tuple[SentimentLabel, float, dict[str, float], tuple[str, ...]]:
        p = probs.astype(np.float64)
        neg_i = SENTIMENTS.index("negative")
        sarcasm = feats.sarcasm()
        if sarcasm:
            p = raise_to(p, neg_i, self._rule.get("sarcasm->negative", 0.8))
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
        return label, round(score, 4), rounded(p, SENTIMENTS), cues

    def _service(self, label: str, p: float, service: np.ndarray | None) -> tuple[float, tuple[str, ...]]:
        """``p`` blended with the service view's p(``label``) at the weight chosen with its threshold
        (``service_weight.<label>``; 0, the rules and heads alone, without a view), and the view's cue."""
        weight = self._thr.get(f"service_weight.{label}", 0.0)
        if service is None or weight <= 0.0:
            return p, ()
        v = float(service[SERVICE_LABELS.index(label)])
        return blend(p, v, weight), (f"service view p({label})={v:.2f}",)

    def _complaint(
        self,
        feats: TextFeatures,
        probs: np.ndarray | None,
        negative_p: float = 0.0,
        service: np.ndarray | None = None,
    ) -> tuple[bool, float, tuple[str, ...]]:
        """A complaint (DISP 1.1) from the complaint rules and, when the heads have one, the complaint head. A
        general cue of dissatisfaction counts in full when the message reads negative (or sarcastic) and no one
        else (a merchant, a builder) is its subject; sarcasm about the bank's service is itself such a cue. With
        a service view, the result is blended with the view's reading (:meth:`_service`); a complaint declared in so
        many words stays one whatever the view reads."""
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
        p, view_cue = self._service("complaint", p, service)
        declared = () if elsewhere else feats.cues("complaint.declared")
        if declared:  # "this is a formal complaint": said in so many words, whatever the view reads
            p = max(p, self._thr.get("complaint", 0.5))
        flagged = p >= self._thr.get("complaint", 0.5)
        cues = tuple(dict.fromkeys(declared + explicit + about_bank + general)) if flagged else ()
        if flagged:
            cues = cues + view_cue if cues or view_cue else (f"model p(complaint)={p:.2f}",)
        return flagged, p, cues

    def _vulnerability(
        self, feats: TextFeatures, probs: np.ndarray, service: np.ndarray | None = None
    ) -> tuple[tuple[VulnerabilityDriver, ...], dict[str, float], dict[str, tuple[str, ...]]]:
        p = probs.astype(np.float64).copy()
        fired: list[VulnerabilityDriver] = []
        cues: dict[str, tuple[str, ...]] = {}
        for i, driver in enumerate(VULNERABILITY_DRIVERS):
            lex = feats.cues(f"vulnerability.{driver}")
            threshold = self._thr.get(f"vulnerability.{driver}", 0.5)
            if lex:
                p[i] = max(p[i], self._rule.get(f"vulnerability.{driver}->{driver}", 0.5))
            p[i], view_cue = self._service(driver, float(p[i]), service)
            if driver == "capability" and set(lex) & STRONG_CAPABILITY_CUES:
                # Language, reading, digital access or a learning difficulty: capability in itself (FG21/1),
                # unlike "I don't understand this charge", whose rule probability stays below the threshold.
                p[i] = max(p[i], threshold)
            if p[i] >= threshold:
                fired.append(driver)
                cues[driver] = (lex + view_cue) or (f"model p({driver})={p[i]:.2f}",)
        return tuple(fired), rounded(p, VULNERABILITY_DRIVERS), cues

    def _handoff(
        self, feats: TextFeatures, probs: np.ndarray, service: np.ndarray | None = None
    ) -> tuple[bool, float, tuple[str, ...]]:
        """A request for a person from the explicit and bot-unhelpful rules and the hand-off head, blended with the
        service view when there is one; a declined offer ("no need for a person") without an explicit request caps
        every reading, the view's too. A request rule whose words lie inside a decline or a mention of a person
        ("I spoke to a real person yesterday") does not count."""
        p = float(np.asarray(probs).ravel()[0])
        explicit = tuple(dict.fromkeys(h.cue for h in person_requests(feats.hits)))
        unhelpful = feats.cues("handoff.bot_unhelpful")
        declined = not explicit and bool(feats.hit_groups("handoff.declined"))
        if declined:
            p = min(p, 0.1)  # "no need for a person": the head's reading of the word "person" does not count
        if explicit:
            p = max(p, self._rule.get("handoff.explicit->handoff", 0.9))
        if unhelpful:
            p = max(p, self._rule.get("handoff.bot_unhelpful->handoff", 0.5))
        p, view_cue = self._service("handoff", p, service)
        if declined:
            p = min(p, 0.1)
        requested = p >= self._thr.get("handoff", 0.5)
        cues = tuple(dict.fromkeys(explicit + unhelpful)) + view_cue if requested else ()
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
        return label, rounded(p, LITERACY_LEVELS), tuple(cues)
