"""Print the routing figures: dev-split table (ours vs BM25 vs kNN) and the out-of-scope false-match rate.

Usage: ``python -m assistant.training.routing.report [--seed 13]`` (reads ``settings.shared_data_dir`` and the knowledge
base; uses the trained ``assistant/artifacts/routing_head.npz``).
"""

from __future__ import annotations

import argparse
import os

from assistant.settings import get_settings
from assistant.training.routing.evaluate import evaluate_routing, format_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    print(format_table(evaluate_routing(get_settings(), seed=args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
