"""Cache complaint inputs per text: head p, view p, p(negative), group flags."""

import glob
import json
import pickle
import sys
from pathlib import Path

import numpy as np

from assistant.integrations.encoder import shared_encoder
from assistant.settings import get_settings
from assistant.signals.crisis_view import load_crisis_view
from assistant.signals.model import SignalModel
from assistant.signals.service_view import SERVICE_LABELS, load_service_view
from assistant.training.signals import datasets as ds
from assistant.training.signals.thresholds import prepare

s = get_settings()
model = SignalModel.load()
ca, _ = load_crisis_view(s.artifacts_dir)
sa, _ = load_service_view(s.artifacts_dir)
items = []
for p in sorted(glob.glob("data/signals/written_*/complaint.jsonl")):
    for line in open(p):
        r = json.loads(line)
        items.append(
            dict(
                src=p.split("/")[2],
                text=r["text"],
                gold=bool(r["complaint"]),
                split=r.get("split"),
                writer=r.get("writer"),
                cat=r.get("category"),
            )
        )
b77 = ds.banking77_texts(s)
for i in ds.b77_split(s, 13)[1]:
    items.append(dict(src="b77dev", text=b77[i], gold=False))
labels = {}
for line in open("data/audits/complaint_turns/labels.jsonl"):
    r = json.loads(line)
    labels[(r["set"], r["id"], r["turn"])] = r["label"]
for p in sorted(glob.glob("data/dialogue/dev*.jsonl")):
    for line in open(p):
        if not line.strip():
            continue
        c = json.loads(line)
        for i, t in enumerate(c["turns"]):
            if t.get("role", "customer") != "customer":
                continue
            items.append(
                dict(
                    src="dlg", set=Path(p).name, text=t["text"], gold=None, label=labels.get((Path(p).name, c["id"], i))
                )
            )
print(len(items), file=sys.stderr)
prep = prepare(model, shared_encoder(), [it["text"] for it in items], ca, sa)
ci = SERVICE_LABELS.index("complaint")
for it, (feats, raw) in zip(items, prep, strict=True):
    it["head"] = float(np.asarray(raw.get("complaint")).ravel()[0]) if raw.get("complaint") is not None else 0.0
    it["view"] = float(raw["service_view"][ci])
    it["neg"] = model._sentiment(feats, raw["sentiment"])[2]["negative"]
    for g in ("explicit", "about_bank", "general", "elsewhere", "declared"):
        it[g] = bool(feats.hit_groups(f"complaint.{g}"))
    it["sarcasm"] = bool(feats.sarcasm())
    it["shipped"] = model._complaint(feats, raw.get("complaint"), it["neg"], raw["service_view"])[0]
    it["shipped_p"] = model._complaint(feats, raw.get("complaint"), it["neg"], raw["service_view"])[1]
pickle.dump(items, open("/tmp/hc4/cache.pkl", "wb"))
