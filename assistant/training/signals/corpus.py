"""Design matrices for training and evaluation: encoder vectors (cached) beside lexicon/readability features
(cached by lexicon content), for every dataset the signals heads use.

>>> from assistant.integrations.encoder import HashingEncoder
>>> import tempfile, pathlib
>>> corpus = SignalCorpus(HashingEncoder(), pathlib.Path(tempfile.mkdtemp()))
>>> corpus.design(["overdrawn again"], "doc").shape[1] == 384 + len(FEATURE_NAMES)
True
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.integrations.encoder import TextEncoder
from assistant.signals.features import FEATURE_NAMES, FeatureExtractor
from assistant.signals.lexicon import LEXICON_PATH
from assistant.training.signals.datasets import embed_cached

logger = logging.getLogger(__name__)


class SignalCorpus:
    """Builds ``[encoder vector | features]`` rows for lists of texts, caching both halves on disk."""

    def __init__(
        self,
        encoder: TextEncoder,
        cache_dir: Path,
        extractor: FeatureExtractor | None = None,
        *,
        progress: bool = False,
    ) -> None:
        self.encoder = encoder
        self.cache_dir = cache_dir
        self.extractor = extractor or FeatureExtractor()
        self.progress = progress
        lexicon_src = LEXICON_PATH.read_bytes() if LEXICON_PATH.exists() else b""
        self._feature_key = hashlib.sha1(lexicon_src + "|".join(FEATURE_NAMES).encode()).hexdigest()[:10]

    def vectors(self, texts: Sequence[str], label: str) -> np.ndarray:
        return embed_cached(self.encoder, texts, self.cache_dir, progress=self.progress, label=label)

    def features(self, texts: Sequence[str], label: str) -> np.ndarray:
        key = hashlib.sha1(("\x1f".join(texts) + self._feature_key).encode()).hexdigest()[:20]
        path = self.cache_dir / f"features-{label}-{key}.npy"
        if path.exists():
            return np.load(path)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        items: Sequence[str] = texts
        if self.progress:
            from tqdm import tqdm

            items = tqdm(texts, desc=f"features {label}", unit="text", mininterval=2.0)
        out = np.zeros((len(texts), len(FEATURE_NAMES)), dtype=np.float32)
        for i, text in enumerate(items):
            out[i] = self.extractor.extract(text).values
        np.save(path, out)
        return out

    def design(self, texts: Sequence[str], label: str) -> np.ndarray:
        """Unstandardised design matrix (n × (encoder dim + features))."""
        if not texts:
            return np.zeros((0, self.encoder.dimension + len(FEATURE_NAMES)), dtype=np.float32)
        return np.concatenate([self.vectors(texts, label), self.features(texts, label)], axis=1)
