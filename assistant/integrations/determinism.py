"""Training as deterministic as torch, numpy's BLAS and scikit-learn allow on a CPU.

What this fixes: the seeds (Python, numpy, torch), torch's intra-op thread count and deterministic kernels, and
the BLAS/OpenMP thread pools that numpy and scikit-learn use. A float sum split over a different number of
threads is added in a different order, so a fixed thread count is what makes two runs on one machine give the
same bits whatever the load or the cores the process may use (``taskset``).

What may still vary between machines, and why the reproducibility tests compare decisions and figures, never raw
weights: the BLAS library picks its kernels by CPU (AVX2, AVX-512, ...), and a different kernel rounds
differently in the last bits; L-BFGS and AdamW amplify those differences over hundreds of steps into weights that
differ around 1e-3 while every prediction far from a decision threshold stays the same.

>>> with deterministic_training(seed=13):
...     pass
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

TRAINING_THREADS = 2  # the size of the machines this project trains on; fixed so that a busy or pinned run agrees


@contextmanager
def deterministic_training(seed: int, threads: int = TRAINING_THREADS) -> Iterator[None]:
    """Seed everything and pin every thread pool to ``threads`` for the duration of a training run."""
    from threadpoolctl import threadpool_limits

    random.seed(seed)
    np.random.seed(seed)  # for libraries that still draw from the legacy global generator
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency; scikit-learn training works without it
        torch = None  # type: ignore[assignment]
    previous: tuple[int, bool] | None = None
    if torch is not None:
        previous = (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled())
        torch.manual_seed(seed)
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with threadpool_limits(limits=threads):
            yield
    finally:
        if torch is not None and previous is not None:
            torch.set_num_threads(previous[0])
            torch.use_deterministic_algorithms(previous[1])
