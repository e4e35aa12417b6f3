from grid3 import row
from lowo import mk

lex = mk(0.6, 0.1, 0.8)


def va(it):
    return (not it["elsewhere"]) and it["view"] >= 0.4 and it["neg"] >= 0.5


row("both_n0.5", dict(second=lambda it: lex(it) or va(it)))
