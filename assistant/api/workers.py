"""``attune serve --workers N``: several server processes on one port, sharing the loaded models copy-on-write.

The parent loads and warms the pipeline once (encoder weights, heads, PII recognisers), freezes the
garbage collector's view of those objects (``gc.freeze``, so refcount and GC passes do not dirty the shared
pages), opens the listening socket and forks ``N`` workers. Each worker builds its own conversation service
(its own database connections: PostgreSQL when ``ATTUNE_DATABASE_URL`` is set, which several processes need for
their per-conversation advisory locks) over the shared pipeline, opens its own vector-store client (Chroma's
native runtime is not fork-safe; the ``chroma run`` server when ``ATTUNE_CHROMA_HOST`` is set) and loads the
small in-memory index from it, and serves with uvicorn on the inherited socket.
A worker that dies is replaced; SIGINT/SIGTERM stops them all.

>>> per_worker_threads(workers=2, cpus=2)
1
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass

logger = logging.getLogger("attune.api.workers")


def per_worker_threads(workers: int, cpus: int | None = None) -> int:
    """The most torch intra-op threads a worker should use: the machine's cores shared out, at least one."""
    return max(1, (cpus or os.cpu_count() or 1) // max(1, workers))


@dataclass(frozen=True)
class WorkerMemory:
    """Memory of one process in MiB: resident (RSS), proportional share (PSS) and unique (USS, not shared)."""

    pid: int
    rss_mib: float
    pss_mib: float
    uss_mib: float


def memory_of(pids: list[int]) -> list[WorkerMemory]:
    """RSS, PSS and USS per process (``psutil``); PSS adds up to what the processes really use together."""
    import psutil

    out = []
    for pid in pids:
        try:
            info = psutil.Process(pid).memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        mib = 1024 * 1024
        out.append(WorkerMemory(pid, info.rss / mib, getattr(info, "pss", info.rss) / mib, info.uss / mib))
    return out


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(sock: socket.socket, pipeline: object, workers: int, log_level: str) -> None:
    """The body of one forked worker; never returns."""
    code = 0
    try:
        import uvicorn

        from assistant.api import create_app
        from assistant.conversations import ConversationService
        from assistant.integrations.threads import limit_threads
        from assistant.pipeline import Pipeline
        from assistant.settings import get_settings

        settings = get_settings()
        per_worker = per_worker_threads(workers)
        limit_threads(min(settings.torch_threads, per_worker), min(settings.blas_threads, per_worker))
        assert isinstance(pipeline, Pipeline)
        service = ConversationService.from_settings(settings, pipeline=pipeline)
        app = create_app(service=service)
        server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=False))
        server.run(sockets=[sock])
    except BaseException:
        logger.exception("worker %d failed", os.getpid())
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve_workers(host: str, port: int, workers: int, log_level: str = "info") -> None:
    """Preload, fork ``workers`` uvicorn workers on one socket, replace any that die, stop all on a signal."""
    from assistant.integrations.memory import trim
    from assistant.integrations.sql import make_repository
    from assistant.pipeline import Pipeline
    from assistant.settings import get_settings

    settings = get_settings()
    started = time.perf_counter()
    repository = make_repository(settings.resolved_database_url)
    repository.ping()  # migrates embedded SQLite once, here, not in N workers at once; a server DB must be migrated
    repository.dispose()
    pipeline = Pipeline.from_settings(settings)
    for name, stage in pipeline.stages.items():
        if name != "retrieve":  # the store client (Chroma's native runtime) is not fork-safe: each worker opens it
            stage.warm_up()
    logger.info("models loaded in %.1f s; forking %d workers", time.perf_counter() - started, workers)
    sock = _listen(host, port)
    gc.collect()
    trim()  # loading temporaries handed back before the fork (fewer pages for the workers to share)
    gc.freeze()
    children: dict[int, int] = {}
    stopping = False

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _worker(sock, pipeline, workers, log_level)
        children[pid] = slot

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for slot in range(workers):
        spawn(slot)
    logger.info("serving on http://%s:%d with %d workers: %s", host, port, workers, sorted(children))
    time.sleep(0.5)
    for m in memory_of([os.getpid(), *children]):
        logger.info("memory pid %d: rss %.0f MiB, pss %.0f MiB, uss %.0f MiB", m.pid, m.rss_mib, m.pss_mib, m.uss_mib)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid in children and not stopping:
            slot = children.pop(pid)
            logger.warning("worker %d exited (status %d); starting another", pid, status)
            time.sleep(1.0)
            spawn(slot)
        else:
            children.pop(pid, 0)
    sock.close()
