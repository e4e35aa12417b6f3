"""Where the complaint flag's stop-35 pair (view weight 0.75, threshold 0.30) reaches beyond the shipped one
(0.75, 0.40): every customer turn of the dialogue dev sets (ordinary banking conversations with some complaints in
them) and BANKING77 dev questions, read by the classify stage's own decision (``service_thresholds._decide``, the
message alone), and how many dialogue turns change what the dialogue layer reads from the signals
(``frustrated``: a complaint, negative sentiment or distress; ``blocks_offers``). Prints counts only; the blind sets
are not read. Run from the repository root::

    ATTUNE_SHARED_DATA_DIR=/work/shared/data python data/audits/complaint_reach.py
"""

from __future__ import annotations

import json
import sys

from assistant.dialogue.decision import blocks_offers, frustrated
from assistant.integrations.encoder import shared_encoder
from assistant.settings import PROJECT_ROOT, get_settings
from assistant.signals.crisis_view import load_crisis_view
from assistant.signals.heads import HeadBundle
from assistant.signals.model import ARTIFACT_NAME, SignalModel
from assistant.signals.service_view import load_service_view
from assistant.training.signals import datasets as ds
from assistant.training.signals.crisis_thresholds import dialogue_turns
from assistant.training.signals.service_thresholds import _decide
from assistant.training.signals.thresholds import prepare, with_thresholds

PAIRS = {"before": (0.75, 0.40), "after": (0.75, 0.30)}


def main() -> dict[str, dict[str, int]]:
    settings = get_settings()
    target = settings.artifacts_dir / ARTIFACT_NAME
    crisis_adapter, view_head = load_crisis_view(target.parent)
    service_adapter, service_head = load_service_view(target.parent)
    model = SignalModel(HeadBundle.load(target), view_head=view_head, service_head=service_head)
    b77 = ds.banking77_texts(settings)
    texts = {
        "dialogue dev turns": [
            t for t, _ in dialogue_turns(sorted((PROJECT_ROOT / "data" / "dialogue").glob("dev*.jsonl")))
        ],
        "BANKING77 dev questions": [b77[i] for i in ds.b77_split(settings, 13)[1]],
    }
    out: dict[str, dict[str, int]] = {}
    for name, rows in texts.items():
        prepared = prepare(model, shared_encoder(), rows, crisis_adapter, service_adapter)
        flags = {
            k: _decide(with_thresholds(model, {"service_weight.complaint": w, "complaint": t}), "complaint", prepared)
            for k, (w, t) in PAIRS.items()
        }
        out[name] = {"texts": len(rows), **{k: int(v.sum()) for k, v in flags.items()}}
        if name.startswith("dialogue"):
            models = [
                with_thresholds(model, {"service_weight.complaint": w, "complaint": t}) for w, t in PAIRS.values()
            ]
            signals = [
                [m.combine(text, feats, raw) for m in models] for text, (feats, raw) in zip(rows, prepared, strict=True)
            ]
            for reader in (frustrated, blocks_offers):
                out[name][f"{reader.__name__} changed"] = sum(reader(a) != reader(b) for a, b in signals)
    return out


if __name__ == "__main__":
    sys.stdout.write(json.dumps(main(), indent=1) + "\n")
