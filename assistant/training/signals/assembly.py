"""Where the signals heads' training rows come from: one cached encoder and feature pass per text (the
:class:`SignalCorpus`) over GoEmotions, BANKING77 negatives and our own examples; how much one of our own rows
weighs (``OWN_WEIGHT``), and the training run's step log (:func:`log_step`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from assistant.integrations.encoder import TextEncoder
from assistant.settings import Settings
from assistant.signals.features import BOW_BUCKETS, FeatureExtractor, bag_of_words
from assistant.training.signals import datasets as ds
from assistant.training.signals.corpus import SignalCorpus

logger = logging.getLogger(__name__)

OWN_WEIGHT = {"sentiment": 20.0, "distress": 20.0, "handoff": 3.0}  # one of our own rows, against one public row


def log_step(progress: bool, msg: str, *args: object) -> None:
    """Log a step of a training run, and print it too when ``progress``."""
    logger.info(msg, *args)
    if progress:
        print(msg % args if args else msg, flush=True)


class SignalTrainer:
    """Holds the corpus and data for one training run. Use :func:`assistant.training.signals.train.train_signals`.

    >>> from assistant.integrations.encoder import shared_encoder
    >>> from assistant.settings import get_settings
    >>> trainer = SignalTrainer(get_settings(), shared_encoder(), seed=13, progress=False)  # doctest: +SKIP
    >>> trainer.bow(["my card is lost"]).shape  # doctest: +SKIP
    (1, 16384)
    """

    def __init__(self, settings: Settings, encoder: TextEncoder, *, seed: int, progress: bool) -> None:
        self.settings = settings
        self.seed = seed
        self.progress = progress
        self.corpus = SignalCorpus(
            encoder, settings.data_dir / "cache" / "signals", FeatureExtractor(), progress=progress
        )

    # --- data ---

    def goemotions(self, split: str) -> tuple[list[tuple[str, list[str], str]], np.ndarray]:
        rows = ds._goemotions_rows(self.settings, "original", split)
        return rows, self.corpus.design([r[0] for r in rows], f"goemotions-{split}")

    def b77(self, ids: Sequence[str]) -> np.ndarray:
        texts = ds.banking77_texts(self.settings)
        return self.corpus.design([texts[i] for i in ids], "banking77-negatives")

    def bow(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([bag_of_words(t) for t in texts]) if texts else np.zeros((0, BOW_BUCKETS), np.uint8)

    def own(self, name: str) -> tuple[list[dict[str, object]], np.ndarray]:
        rows = ds.own_examples(name, include_written=True)
        return rows, self.corpus.design([str(r["text"]) for r in rows], f"own-{name}")
