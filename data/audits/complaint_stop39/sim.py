import collections
import pickle

items = pickle.load(open("/tmp/hc4/cache.pkl", "rb"))


def rule_p(it, thr=0.4, gen_neg=0.35):
    p = it["head"]
    gen = (not it["elsewhere"]) and (it["general"] or it["sarcasm"])
    if it["explicit"]:
        p = max(p, 0.95)
    if it["about_bank"]:
        p = max(p, 0.8)
    if gen:
        p = max(p, 0.6)
        if it["neg"] >= gen_neg or it["sarcasm"]:
            p = max(p, thr)
    return p


def decide(it, w=0.75, t=0.4, second=None):
    p = (1 - w) * rule_p(it, t) + w * it["view"]
    if it["declared"] and not it["elsewhere"]:
        p = max(p, t)
    f = p >= t
    if second and not f:
        f = second(it)
    return f


def report(name, **kw):
    c = collections.Counter()
    for it in items:
        f = decide(it, **kw)
        s = it["src"]
        if s == "b77dev":
            c["b77"] += f
        elif s == "dlg":
            c["dlg"] += f
            c[f"dlg_{it['label']}"] += f
        else:
            sp = it["split"]
            g = it["gold"]
            key = f"{sp}_{'pos' if g else 'neg'}"
            c[key] += f
            if not g and it["cat"] == "ordinary_question":
                c[f"{sp}_ordq"] += f
            if s == "written_2026_12m" and sp == "dev":
                c["m_dev_" + ("pos" if g else "neg")] += f
    return c
