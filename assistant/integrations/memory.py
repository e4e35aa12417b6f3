"""glibc's allocator tuned for a long-running server: fewer malloc arenas and freed heap handed back to the system.

Every thread that allocates while another holds the main arena gets an arena of its own (up to 8 per core), and
memory freed there stays mapped in that arena; a server running turns on a pool of threads (tokenizer buffers,
encoder activations of varying shapes, retrieval scores) so grows well past what it uses. Neither call changes
what the program computes; both are no-ops where the C library is not glibc.

>>> limit_arenas(0)
False
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_arenas(arenas: int) -> bool:
    """At most ``arenas`` malloc arenas for the threads started from now on (0: leave glibc's default)."""
    libc = _libc() if arenas > 0 else None
    if libc is None:
        return False
    done = bool(libc.mallopt(M_ARENA_MAX, arenas))
    logger.info("malloc arenas limited to %d: %s", arenas, done)
    return done


def trim() -> bool:
    """Return the free memory at the top of every arena to the system (after warm-up's temporaries are gone)."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
