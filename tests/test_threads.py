"""The server's thread pools (issue #22): ``limit_threads`` sets torch's intra-op threads and numpy's BLAS threads,
as ``attune serve`` and its workers call it; the settings default to one of each."""

from __future__ import annotations

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

from assistant.integrations.threads import limit_threads
from assistant.settings import Settings


def blas_threads() -> set[int]:
    return {int(p["num_threads"]) for p in threadpool_info() if p["user_api"] == "blas"}


def test_limit_threads_sets_torch_and_blas() -> None:
    torch_before = torch.get_num_threads()
    with threadpool_limits(limits=None):  # restores the BLAS pools' sizes on exit
        try:
            limit_threads(torch_threads=1, blas_threads=1)
            assert torch.get_num_threads() == 1
            assert blas_threads() <= {1}
            a = np.random.default_rng(0).normal(size=(1598, 384)).astype(np.float32)
            v = a[0] / np.linalg.norm(a[0])
            assert np.array_equal(a @ v, a @ v)  # one thread: the same bits every call
        finally:
            torch.set_num_threads(torch_before)


def test_server_defaults_to_one_thread_of_each() -> None:
    fields = Settings.model_fields  # the defaults, whatever this shell's ATTUNE_* variables say
    assert (fields["torch_threads"].default, fields["blas_threads"].default) == (1, 1)
