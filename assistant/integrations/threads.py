"""The server's thread pools: torch's intra-op threads and the BLAS threads numpy calls (OpenBLAS).

A server runs many turns at once on a few cores: the turns are the parallelism. A multi-threaded BLAS call hands
each small product (the dense index scores, the routing head, the dialogue stage's article cosines) to a second
thread and waits at a barrier for it; on busy cores that wait costs far more than the product. Measured on the
shared 2-core machine (``docs/throughput.md``): the dense scores' (1598 x 384) matrix-vector product took 5.1 ms of
CPU (15 ms wall) with OpenBLAS's two threads and 0.14 ms (0.43 ms wall) with one at load 10. One thread may round
a product differently in the last bit than two (the eval figures are the same either way).

>>> limit_threads(torch_threads=1, blas_threads=1)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)


def limit_threads(torch_threads: int, blas_threads: int) -> None:
    """Torch's intra-op threads and the BLAS libraries' threads (numpy's OpenBLAS, MKL) for this process."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(torch_threads)
    threadpool_limits(limits=blas_threads, user_api="blas")  # stays in force (not used as a context manager)
    logger.info("threads: torch %d, BLAS %d", torch_threads, blas_threads)


@contextmanager
def one_thread() -> Iterator[None]:
    """Torch and BLAS on one thread for the block, as before it afterwards (one-off batch work of many tiny passes,
    such as ``attune ingest``'s answer sentence vectors, in a process that may use more)."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)
