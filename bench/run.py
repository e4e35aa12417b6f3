"""``make bench``: throughput and latency of this tree and of a baseline ref, measured in one run, with a ratio.

Runs ``bench/measure.py`` (in process: sequential and batched turns with a per-stage profile; retrieval over the
real KB and synthetic 10x/100x copies; HTTP: 1, 10, 50 and 200 concurrent conversations against 127.0.0.1) in
this working tree and in a ``git worktree`` of ``--baseline`` (default ``HEAD~``), both against the same built
index, then writes one results file (untracked by default: ``.attune/bench/results.json``; committing figures is
a deliberate act) and prints the table. The machine is described (cores, load average before and after) because
figures from a busy machine are not comparable with a quiet one.

    python -m bench.run                                   # everything, baseline HEAD~
    python -m bench.run --baseline none --sections in_process
    python -m bench.run --sections rss --rss-turns 50          # the default server's memory, warm and after 50 turns
    python -m bench.run --duration 60 --levels 50 --workers 2   # the issue's 60 s run, two worker processes
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MEASURE = Path(__file__).resolve().parent / "measure.py"


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0.0
    try:
        import psutil

        mem = psutil.virtual_memory().total / 2**30
    except ImportError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def measure(tree: Path, out: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Run the measurement script in ``tree`` (its own ``assistant`` package) and read its results."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.setdefault("ATTUNE_SHARED_DATA_DIR", str(Path(args.shared).resolve()))
    cmd = [
        sys.executable, str(MEASURE), "--out", str(out), "--index-dir", str(Path(args.data_dir).resolve()),
        "--shared", str(Path(args.shared).resolve()), "--turns", str(args.turns), "--threads", str(args.threads),
        "--levels", args.levels, "--duration", str(args.duration), "--workers", str(args.workers),
        "--factors", args.factors, "--sections", args.sections, "--torch-threads", str(args.torch_threads),
        "--rss-turns", str(args.rss_turns),
    ]  # fmt: skip
    print(f"bench: measuring {tree} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=tree, env=env, check=False)
    if done.returncode != 0 or not out.exists():
        return {"error": f"measure exited with {done.returncode}"}
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    result["wall_s"] = round(time.perf_counter() - start, 1)
    return result


def _get(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def table(current: dict[str, Any], baseline: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Rows of (metric, this tree, baseline, ratio baseline/this for times, this/baseline for rates)."""
    rows: list[tuple[str, tuple[str, ...], bool]] = [
        ("in-process turn p50 ms", ("in_process", "sequential", "turn_ms", "p50"), False),
        ("in-process turn p95 ms", ("in_process", "sequential", "turn_ms", "p95"), False),
        ("in-process turns/s (sequential)", ("in_process", "sequential", "turns_per_s"), True),
        ("in-process turns/s (batched)", ("in_process", "batched", "turns_per_s"), True),
        ("in-process batched p95 ms", ("in_process", "batched", "turn_ms", "p95"), False),
        ("retrieve p50 ms", ("in_process", "sequential", "stage_ms", "retrieve", "p50"), False),
        ("encode p50 ms", ("in_process", "sequential", "stage_ms", "encode", "p50"), False),
        ("server RSS MiB warm", ("rss", "warm", "VmRSS"), False),
        ("server RSS MiB after turns", ("rss", "after_turns", "VmRSS"), False),
        ("server PSS MiB after turns", ("rss", "after_turns", "PSS"), False),
        ("rank 1x p50 ms", ("retrieval_scaling", "1x", "rank_ms", "p50"), False),
        ("rank 10x p50 ms", ("retrieval_scaling", "10x", "rank_ms", "p50"), False),
        ("rank 100x p50 ms", ("retrieval_scaling", "100x", "rank_ms", "p50"), False),
    ]
    for level in current.get("http", {}).get("levels", []) if isinstance(current.get("http"), dict) else []:
        c = level["concurrency"]
        for label, key, higher in (
            ("p50 ms", "p50_ms", False),
            ("p95 ms", "p95_ms", False),
            ("p99 ms", "p99_ms", False),
            ("turns/s", "turns_per_s", True),
            ("errors", "errors", False),
            ("503 shed", "shed_503", False),
            ("/health p99 ms", "health_p99_ms", False),
            ("server CPU ms/turn", "server_cpu_ms_per_turn", False),
            ("RSS MiB", "rss_mib", False),
        ):
            rows.append((f"http c={c} {label}", ("http", "levels", str(c), key), higher))
    out = []
    for label, path, higher in rows:
        now, then = _lookup(current, path), _lookup(baseline, path) if baseline else None
        ratio = None
        if isinstance(now, int | float) and isinstance(then, int | float) and now and then:
            ratio = round(now / then, 2) if higher else round(then / now, 2)
        out.append({"metric": label, "this": now, "baseline": then, "speed-up": ratio})
    return out


def _lookup(result: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
    if result is None:
        return None
    if path[:2] == ("http", "levels"):
        for level in _get(result, "http", "levels") or []:
            if str(level.get("concurrency")) == path[2]:
                return level.get(path[3])
        return None
    return _get(result, *path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=".attune/bench/results.json")
    parser.add_argument("--baseline", default="HEAD~", help="git ref to measure alongside (or 'none')")
    parser.add_argument("--data-dir", default=".attune", help="data dir with the built index (attune ingest)")
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8, help="turns at once in the batched in-process run")
    parser.add_argument("--levels", default="1,10,50,200", help="concurrent conversations over HTTP")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per HTTP level")
    parser.add_argument("--workers", type=int, default=1, help="server processes (attune serve --workers)")
    parser.add_argument("--factors", default="1,10,100", help="knowledge-base sizes for the retrieval scaling")
    parser.add_argument("--sections", default="in_process,retrieval,rss,http")
    parser.add_argument("--torch-threads", type=int, default=1, help="intra-op threads, both trees alike")
    parser.add_argument("--rss-turns", type=int, default=50, help="turns before the server's second memory reading")
    args = parser.parse_args()

    results: dict[str, Any] = {"machine": machine(), "commit": _git("rev-parse", "--short", "HEAD")}
    results["dirty"] = bool(_git("status", "--porcelain", "--untracked-files=no"))
    results["args"] = vars(args)
    with tempfile.TemporaryDirectory(prefix="attune-bench-") as tmp:
        results["current"] = measure(ROOT, Path(tmp) / "current.json", args)
        baseline = None
        if args.baseline.lower() != "none":
            tree = Path(tmp) / "baseline"
            try:
                ref = _git("rev-parse", "--short", args.baseline)
                _git("worktree", "add", "--detach", str(tree), args.baseline)
                results["baseline_ref"] = f"{args.baseline} ({ref})"
                baseline = measure(tree, Path(tmp) / "baseline.json", args)
            finally:
                if tree.exists():
                    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
                    shutil.rmtree(tree, ignore_errors=True)
            results["baseline"] = baseline
    results["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    results["table"] = table(results["current"], baseline)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _print(results)
    print(f"results: {out}", file=sys.stderr)
    return 0


def _print(results: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    m = results["machine"]
    title = (
        f"bench {results['commit']} vs {results.get('baseline_ref', 'no baseline')}: {m['cpus']} cpus, "
        f"load {m['load_average']} -> {m['load_average_after']}"
    )
    t = Table(title=title)
    for col in ("metric", "this", "baseline", "speed-up"):
        t.add_column(col, justify="left" if col == "metric" else "right")
    for row in results["table"]:
        if row["this"] is None and row["baseline"] is None:
            continue
        t.add_row(*(str(row[k]) if row[k] is not None else "-" for k in ("metric", "this", "baseline", "speed-up")))
    Console().print(t)
    profile = _get(results, "current", "in_process", "profile")
    if profile:
        p = Table(title="where a turn's time goes (this tree, sequential, mean per stage)")
        p.add_column("stage")
        p.add_column("mean ms", justify="right")
        p.add_column("share", justify="right")
        for stage, row in profile.items():
            p.add_row(stage, f"{row['mean_ms']:.2f}", f"{100 * row['share']:.0f}%")
        Console().print(p)


if __name__ == "__main__":
    raise SystemExit(main())
