from sim import decide, items, report, rule_p

base = report("base")
HO = ("12i", "12l", "12m")


def ho(kw):
    g = fn = 0
    for it in items:
        if it["src"][13:] in HO and it["split"] == "train":
            d = decide(it, **kw)
            if it["gold"]:
                g += d
            else:
                fn += d
    return g, fn


b0 = ho({})


def row(name, kw):
    c = report("", **kw)
    h = ho(kw)
    figures = [
        f"dev+{c['dev_pos'] - base['dev_pos']:3d} devneg+{c['dev_neg'] - base['dev_neg']:3d}",
        f"HOtr+{h[0] - b0[0]:3d} HOneg+{h[1] - b0[1]:3d}",
        f"allTr+{c['train_pos'] - base['train_pos']:3d}/{c['train_neg'] - base['train_neg']:3d}",
        f"b77 {c['b77']:3d} calm {c['dlg_calm']:2d} other {c['dlg_other']:3d} cmp {c['dlg_complaint']:2d}",
        f"none {c['dlg_None']:3d} ordq {c['dev_ordq']}/{c['train_ordq']}",
    ]
    print(f"{name:34}", *figures)


for tv in (0.35, 0.4, 0.45, 0.5):
    for n in (0.0, 0.3, 0.5):
        row(
            f"view>={tv} n>={n}",
            dict(second=lambda it, tv=tv, n=n: (not it["elsewhere"]) and it["view"] >= tv and it["neg"] >= n),
        )
for tv in (0.3, 0.35, 0.4):
    for n in (0.5, 0.7):
        for r in (0.3, 0.5):
            row(
                f"view>={tv} n>={n} rule>={r}",
                dict(
                    second=lambda it, tv=tv, n=n, r=r: (
                        (not it["elsewhere"]) and it["view"] >= tv and it["neg"] >= n and rule_p(it) >= r
                    )
                ),
            )
