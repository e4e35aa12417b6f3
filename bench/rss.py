"""Memory of the default server (``make run``: one ``attune serve`` process): after warm-up and after N turns.

The server is started as ``make run`` starts it (one process, default settings) on 127.0.0.1; once ``/health``
answers (the lifespan has loaded every stage and run a throwaway turn), its memory is read, then ``turns``
messages are sent one after another in conversations of five (so follow-ups run the dialogue stage's second
reading) and its memory is read again. Figures per process from ``/proc/PID/status`` (VmRSS, its anonymous and
file-backed parts, the peak VmHWM) and psutil's PSS/USS (``smaps``), summed over the server and its children.
Standalone (stdlib, httpx, psutil): ``bench/measure.py`` imports it by path, whatever tree it measures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

KEYS = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem")


def _status(pid: int) -> dict[str, float]:
    """The memory lines of ``/proc/PID/status`` in MiB (missing: 0)."""
    out = dict.fromkeys(KEYS, 0.0)
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        name, _, value = line.partition(":")
        if name in out:
            out[name] = round(int(value.split()[0]) / 1024, 1)
    return out


def snapshot(pid: int) -> dict[str, float]:
    """Memory of process ``pid`` and its children in MiB: summed status lines, PSS and USS."""
    import psutil

    pids = [pid] + [c.pid for c in psutil.Process(pid).children(recursive=True)]
    total = dict.fromkeys(KEYS, 0.0)
    pss = uss = 0.0
    for p in pids:
        for k, v in _status(p).items():
            total[k] = round(total[k] + v, 1)
        try:
            info = psutil.Process(p).memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        pss += getattr(info, "pss", info.rss) / 2**20
        uss += getattr(info, "uss", info.rss) / 2**20
    return {**total, "PSS": round(pss, 1), "USS": round(uss, 1), "processes": len(pids)}


def wait_healthy(base: str, server: subprocess.Popen[Any], limit_s: float = 600.0) -> str | None:
    """Wait until ``base``/health answers (None), or say why not: the server exited, or ``limit_s`` passed."""
    import httpx

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=5).is_success:
                return None
        except httpx.HTTPError:
            pass
        if server.poll() is not None:
            return f"server exited with {server.returncode}"
        time.sleep(1)
    return f"server not healthy after {limit_s:.0f} s"


def server_memory(tree: Path, texts: list[str], turns: int, env: dict[str, str], port: int) -> dict[str, Any]:
    """Start the default server in ``tree``, read its memory when warm and after ``turns`` turns, stop it."""
    import httpx

    cmd = [sys.executable, "-c", "from assistant.cli import app; app()", "serve", "--port", str(port)]
    log = open(Path(env["ATTUNE_DATA_DIR"]) / "server-rss.log", "w")
    server = subprocess.Popen(cmd, cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        start = time.monotonic()
        error = wait_healthy(base, server)
        if error is not None:
            return {"error": error}
        ready_s = time.monotonic() - start
        warm = snapshot(server.pid)
        sent = failed = 0
        with httpx.Client(base_url=base, timeout=120) as client:
            while sent < turns:
                body = client.post("/v1/conversations", json={}).json()
                headers = {"Authorization": f"Bearer {body['customer_token']}"}
                for _ in range(min(5, turns - sent)):
                    r = client.post(
                        f"/v1/conversations/{body['conversation_id']}/messages",
                        json={"text": texts[sent % len(texts)]},
                        headers=headers,
                    )
                    sent += 1
                    failed += not r.is_success
        after = snapshot(server.pid)
        return {"ready_s": round(ready_s, 1), "warm": warm, "after_turns": after, "turns": sent, "errors": failed}
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
