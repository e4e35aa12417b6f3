"""glibc's allocator tuned for a long-running server: fewer malloc arenas, large buffers mapped on their own, and
freed heap handed back to the system.

Every thread that allocates while another holds the main arena gets an arena of its own (up to 8 per core), and
memory freed there stays mapped in that arena; and glibc raises its mmap threshold each time a large block is
freed (up to 32 MiB), so encoder activations of varying shapes end up carved from the heap, where they fragment
it. A server running turns on a pool of threads so grows well past what it uses. A fixed mmap threshold maps
every block above it on its own and unmaps it on free. None of these calls changes what the program computes;
all are no-ops where the C library is not glibc.

>>> limit_arenas(0)
False
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8


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


def fix_mmap_threshold(kib: int) -> bool:
    """Blocks of at least ``kib`` KiB are mapped on their own and unmapped on free (0: glibc's sliding default)."""
    libc = _libc() if kib > 0 else None
    if libc is None:
        return False
    done = bool(libc.mallopt(M_MMAP_THRESHOLD, kib * 1024))
    logger.info("malloc mmap threshold fixed at %d KiB: %s", kib, done)
    return done


def trim() -> bool:
    """Return the free memory at the top of every arena to the system (after warm-up's temporaries are gone)."""
    libc = _libc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
