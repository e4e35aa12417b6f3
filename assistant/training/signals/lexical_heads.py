"""The signals heads fitted beside GoEmotions: sentiment (GoEmotions ``group`` train + our finance sentiment rows)
and distress (GoEmotions ``original`` train, 9 distress emotions -> mild/high, + our distress rows), both on the
encoder vector, the lexicon features and a bag of words, each calibrated on a seeded 10 % of GoEmotions train held
out; with them the sarcasm rule's precision and the threshold of the distress head's learned crisis class. Or the
same, copied from an earlier artifact (``reuse_lexical``: no GoEmotions pass).
:func:`assistant.training.signals.train.train_signals` calls them and trains every other head.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.signals.features import FEATURE_NAMES
from assistant.signals.heads import HeadBundle, SoftmaxHead, fit_vector_scaling
from assistant.training.signals import datasets as ds
from assistant.training.signals.assembly import OWN_WEIGHT, SignalTrainer, log_step
from assistant.training.signals.fitting import lexical_head, rule_precision
from assistant.types import DISTRESS_LEVELS, SENTIMENTS


@dataclass(frozen=True)
class GoEmotionsTrainSet:
    """GoEmotions train (encoded, ``x``) with its sentiment (``sent_y``; ``keep`` marks the rows that have one) and
    distress labels (``dis_y``), the seeded 10 % held out for calibration (``calib_mask``), and our finance
    sentiment rows (``fin_*``, ``fin_train`` their train split).

    >>> from assistant.integrations.encoder import shared_encoder
    >>> from assistant.settings import get_settings
    >>> trainer = SignalTrainer(get_settings(), shared_encoder(), seed=13, progress=False)  # doctest: +SKIP
    >>> load_goemotions_train(trainer).calib_mask.mean()  # doctest: +SKIP
    0.1
    """

    rows: list[tuple[str, list[str], str]]
    x: np.ndarray
    calib_mask: np.ndarray
    keep: np.ndarray
    sent_y: np.ndarray
    dis_y: np.ndarray
    fin_rows: list[dict[str, object]]
    fin_x: np.ndarray
    fin_train: np.ndarray
    fin_y: np.ndarray


@dataclass(frozen=True)
class LexicalHeadFit:
    """The sentiment and distress heads, the sarcasm rule's precision (``sarcasm->negative``), the threshold of the
    distress head's crisis class (``crisis_model``) and how many rows each head was fitted on (0 when reused).

    >>> from assistant.settings import get_settings
    >>> fit = reused_lexical_heads(HeadBundle.load(get_settings().artifacts_dir / "signals_heads.npz"))
    >>> fit.sentiment.classes, fit.sentiment_rows
    (('positive', 'neutral', 'negative'), 0)
    """

    sentiment: SoftmaxHead
    distress: SoftmaxHead
    sarcasm_negative: float
    crisis_model: float
    sentiment_rows: int
    distress_rows: int


def load_goemotions_train(trainer: SignalTrainer) -> GoEmotionsTrainSet:
    """GoEmotions train through the trainer's corpus, labelled for sentiment (``datasets.SENTIMENT_FROM_GROUP``)
    and distress (``datasets.DISTRESS_HIGH`` / ``DISTRESS_MILD``), and our finance sentiment rows."""
    settings = trainer.settings
    rng = np.random.default_rng(trainer.seed)
    log_step(trainer.progress, "signals: loading GoEmotions train")
    ge_rows, ge_x = trainer.goemotions("train")
    group_rows = ds._goemotions_rows(settings, "group", "train")
    group_by_id = {cid: set(groups) for _, groups, cid in group_rows}
    calib_mask = rng.random(len(ge_rows)) < 0.10
    sent_label = []
    for _, _, cid in ge_rows:
        sent_label.append(ds.SENTIMENT_FROM_GROUP.get(frozenset(group_by_id.get(cid, set()))))
    keep = np.array([lbl is not None for lbl in sent_label])
    ge_sent_y = np.array([SENTIMENTS.index(lbl) if lbl else -1 for lbl in sent_label])
    fin_rows, fin_x = trainer.own("finance_sentiment")
    fin_train = np.array([r["split"] == "train" for r in fin_rows])
    fin_y = np.array([SENTIMENTS.index(str(r["label"])) for r in fin_rows])

    # distress labels
    dis_label = []
    for _, emotions, _ in ge_rows:
        found = set(emotions)
        dis_label.append("high" if found & ds.DISTRESS_HIGH else "mild" if found & ds.DISTRESS_MILD else "none")
    ge_dis_y = np.array([DISTRESS_LEVELS.index(lbl) for lbl in dis_label])
    return GoEmotionsTrainSet(ge_rows, ge_x, calib_mask, keep, ge_sent_y, ge_dis_y, fin_rows, fin_x, fin_train, fin_y)


def fit_lexical_heads(
    trainer: SignalTrainer,
    ge: GoEmotionsTrainSet,
    z: Callable[[np.ndarray], np.ndarray],
    dim: int,
    distress_rows: tuple[list[dict[str, object]], np.ndarray, np.ndarray, np.ndarray],
    ordinary_text: Sequence[tuple[np.ndarray, Sequence[str]]],
) -> LexicalHeadFit:
    """Fit the sentiment and distress heads on GoEmotions train (less the calibration rows) and our own rows
    (weighted by ``OWN_WEIGHT``), calibrate them on the held-out rows, and set the crisis class's threshold on
    ``ordinary_text`` (design rows and their texts: BANKING77 negatives, NLU++ training folds). ``z`` standardises
    design rows; ``dim`` is the encoder's dimension; ``distress_rows`` are our distress rows, their design rows,
    train mask and labels."""
    seed = trainer.seed
    progress = trainer.progress
    sent_i = {n: i for i, n in enumerate(FEATURE_NAMES)}
    ge_rows, ge_x, calib_mask, keep, ge_sent_y, ge_dis_y = ge.rows, ge.x, ge.calib_mask, ge.keep, ge.sent_y, ge.dis_y
    fin_rows, fin_x, fin_train, fin_y = ge.fin_rows, ge.fin_x, ge.fin_train, ge.fin_y
    dis_rows, dis_x, dis_train, dis_y = distress_rows

    # --- sentiment head ---
    log_step(progress, "signals: training sentiment head")
    ge_bow = trainer.bow([r[0] for r in ge_rows])
    fin_bow = trainer.bow([str(r["text"]) for r in fin_rows])
    dis_bow = trainer.bow([str(r["text"]) for r in dis_rows])
    fit_rows = keep & ~calib_mask
    sx = np.concatenate([z(ge_x[fit_rows]), z(fin_x[fin_train])])
    sb = np.concatenate([ge_bow[fit_rows], fin_bow[fin_train]])
    sy = np.concatenate([ge_sent_y[fit_rows], fin_y[fin_train]])
    sw = np.concatenate([np.ones(fit_rows.sum()), np.full(fin_train.sum(), OWN_WEIGHT["sentiment"])])
    counts = np.bincount(sy, minlength=3).astype(float)
    sw = sw * np.sqrt(counts.sum() / (3 * counts))[sy]
    sent = lexical_head(sx, sy, SENTIMENTS, "sentiment", sw, sb, seed)
    cal = keep & calib_mask
    cal_x = np.concatenate([z(ge_x[cal]), ge_bow[cal].astype(np.float32)], axis=1)
    sent.temperature, sent.calib_bias = fit_vector_scaling(sent.logits(cal_x), ge_sent_y[cal], bias=False)
    sarc = [dim + sent_i["lex.sentiment.sarcasm"], dim + sent_i["lex.sentiment.context"]]
    sarcasm_hit = np.concatenate([(ge_x[keep][:, sarc] > 0).all(1), (fin_x[fin_train][:, sarc] > 0).all(1)])
    sarcasm_neg = np.concatenate([ge_sent_y[keep], fin_y[fin_train]]) == SENTIMENTS.index("negative")
    sarcasm_negative = rule_precision(sarcasm_hit, sarcasm_neg)

    # --- distress head (+ crisis kind) ---
    log_step(progress, "signals: training distress head")
    fit_rows = ~calib_mask
    dx = np.concatenate([z(ge_x[fit_rows]), z(dis_x[dis_train])])
    db = np.concatenate([ge_bow[fit_rows], dis_bow[dis_train]])
    dy = np.concatenate([ge_dis_y[fit_rows], dis_y[dis_train]])
    dw = np.concatenate([np.ones(fit_rows.sum()), np.full(dis_train.sum(), OWN_WEIGHT["distress"])])
    counts = np.bincount(dy, minlength=4).astype(float)
    dw = dw * np.sqrt(counts.sum() / (4 * np.maximum(counts, 1)))[dy]
    dist = lexical_head(dx, dy, DISTRESS_LEVELS, "distress", dw, db, seed)
    cal_x = np.concatenate([z(ge_x[calib_mask]), ge_bow[calib_mask].astype(np.float32)], axis=1)
    dist.temperature, _ = fit_vector_scaling(dist.logits(cal_x), ge_dis_y[calib_mask], bias=False)
    # The learned crisis class alone (no rule hit) must be rare on ordinary text: its threshold is the 99.9th
    # percentile of P(crisis) on text it never saw as crisis and was not fitted on (GoEmotions calibration
    # split, BANKING77 negatives, NLU++ training folds), and at least 0.6.
    ordinary = np.concatenate(
        [
            cal_x,
            *(np.concatenate([z(x), trainer.bow(texts).astype(np.float32)], axis=1) for x, texts in ordinary_text),
        ]
    )
    p_crisis = dist.predict_proba(ordinary)[:, DISTRESS_LEVELS.index("crisis")]
    crisis_model = float(max(0.6, np.quantile(p_crisis, 0.999)))
    return LexicalHeadFit(sent, dist, sarcasm_negative, crisis_model, int(len(sy)), int(len(dy)))


def reused_lexical_heads(bundle: HeadBundle) -> LexicalHeadFit:
    """The sentiment and distress heads, the sarcasm rule's precision and the crisis class's threshold of an earlier
    artifact (``reuse_lexical``), with no rows fitted."""
    sarcasm_negative = float(dict(bundle.meta.get("rule_probs", {}))["sarcasm->negative"])  # type: ignore[call-overload]
    crisis_model = float(dict(bundle.meta.get("thresholds", {}))["crisis_model"])  # type: ignore[call-overload]
    return LexicalHeadFit(
        bundle.softmax_heads["sentiment"], bundle.softmax_heads["distress"], sarcasm_negative, crisis_model, 0, 0
    )
