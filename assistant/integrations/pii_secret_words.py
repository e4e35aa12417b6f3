"""How much of the text after a secret's cue is the secret: the words that are no secret or end one, and the rule
that takes the secret's words (one word, a phrase, a title or a pass phrase) from the head of the text after the cue.

>>> text = "fish and chips"
>>> [text[f.start : f.end] for f in leading_secret(text, 0, text, 4, "phrase")]
['fish and chips']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.integrations.pii_types import PiiFinding, trim_span

NOT_A_SECRET = frozenset(
    """not wrong incorrect invalid expired locked blocked correct right the my a an too very still being now no
    case required needed compromised stolen hacked leaked forgotten lost reset changed different same long short
    weak strong fine ok okay working accepted rejected saved stored secure safe new old tied linked broken it that
    this what there for in on at and or but so because if when since just also really definitely probably
    apparently meant supposed going asking getting showing saying coming please again anymore any all both none
    one something anything nothing sent texted emailed expiring valid unknown never always being having doing
    asked someone somebody you your me i we they he she them our their his her its with without from by to up
    down out over under about into through been be are were has have had do does did can could should would
    will shall may might must ever until after before here where which who whom whose why how than then
    manager field box reset? change screen page mandatory displayed shown hidden masked recognised recognized
    sensitive case-sensitive due easy hard simple complicated complex unique personal private confidential
    updated needs need asks ask requires require answer question security password passcode pin code is although
    though even yet while whereas unless whether already thing things denied missing failing pending loading
    processing declined refused disabled frozen suspended deactivated""".split()
)
# words that end a secret of several words ("sunshine and it won't work", "blue horizon but")
SECRET_ENDS = NOT_A_SECRET | frozenset(
    """doesn't don't won't isn't wasn't can't cannot didn't keeps keep works work worked says said tried try
    yesterday today tonight earlier since last this though however thanks thank lol pls plz reset change
    expired updated recently earlier help locked""".split()
)

# words that join the words of a secret ("summer of 69") when a word of it follows
_LINKS = frozenset("of the a an on in to my at for with".split())
PHRASE_STOPS = frozenset(
    """and but so because if when which that's thats lol please pls can could would is was are isn't doesn't won't
    keeps says said tried i i'm i've it's""".split()
)


def leading_secret(text: str, start: int, words_text: str, most: int, mode: str = "word") -> Iterator[PiiFinding]:
    """The secret at the head of ``words_text``. ``word`` and ``phrase``: its first word and the next ones (up to
    ``most``) until a word that ends it ("and", "but", "it", ...) or punctuation after a word; a joining word ("of",
    "the") only when a word of the secret follows it; nothing when the first word is not one. ``phrase`` also takes a
    title ("The Italian Job", "Where the Red Fern Grows"); ``passphrase`` takes up to six words to the clause's end."""
    words = words_text.split(" ")
    first = words[0].strip(".,;:!?").lower()
    if mode == "phrase" and _is_title(words):
        yield from _title(text, start, words)
        return
    if not first or first in NOT_A_SECRET or re.split(r"['’]", first)[0] in NOT_A_SECRET | SECRET_ENDS:
        if mode != "passphrase" or first in PHRASE_STOPS or not first.isalpha():
            return  # "I've", "it's", "don't"
    taken = 1
    if mode == "passphrase":
        rest = text[start:].split(" ")
        while taken < min(6, len(rest)) and not re.search(r"[.,;:!?]$", rest[taken - 1]):
            if rest[taken].strip(".,;:!?").lower() in PHRASE_STOPS:
                break
            taken += 1
        words = rest
    elif not _ends(words[0]):
        for k, word in enumerate(words[1:most], start=1):
            bare = word.strip(".,;:!?")
            low = bare.lower()
            nxt = words[k + 1].strip(".,;:!?").lower() if k + 1 < len(words) else ""
            joins = low in _LINKS and bool(nxt) and nxt not in SECRET_ENDS
            joins = joins or (mode == "phrase" and low in ("and", "&") and _pair_ends(words, k + 1))
            # a secret in title case runs on over a capitalised stop word ("Daisy Chain 4 Ever")
            titled = k >= 2 and bare[:1].isupper() and bare != "I"
            titled = titled and all(w[:1].isupper() or w[:1].isdigit() for w in words[:k])
            if not bare or (low in SECRET_ENDS and not joins and not titled) or word.endswith(":"):
                break
            taken += 1
            if bare != word and _ends(word):
                break
    end = start + len(" ".join(words[:taken]))
    yield PiiFinding("PASSWORD", *trim_span(text, start, end), 0.85)


def _pair_ends(words: list[str], k: int) -> bool:
    """Whether ``words[k]`` ends a pair joined by "and" ("fish and chips"): a word of a secret, after which the
    secret ends."""
    word = words[k].strip(".,;:!?").lower() if k < len(words) else ""
    after = words[k + 1].strip(".,;:!?").lower() if k + 1 < len(words) else ""
    return bool(word) and word not in SECRET_ENDS and (not after or _ends(words[k]) or after in SECRET_ENDS)


_ABBREVIATION = re.compile(r"(?:St|Mt|Ft|Dr|Mr|Mrs|Ms|Jr|Sr)\.")


def _ends(word: str) -> bool:
    """Whether punctuation ends ``word`` and the secret with it ("Rover," yes; "St." in "St. Bride's" no)."""
    return bool(re.search(r"[.,;:!?]$", word)) and not _ABBREVIATION.fullmatch(word)


_TITLE_WORD = re.compile(r"[A-Z][\w'’]*[.,;:!?]?")


def _is_title(words: list[str]) -> bool:
    """Two or more capitalised words at the head ("The Italian Job", "Where the Red Fern Grows"), or an article
    before one ("the Wildcats")."""
    head = [w for w in words[:4] if w]
    if len(head) >= 2 and head[0] in ("the", "a", "an"):  # "Answer: the Wildcats"
        return bool(_TITLE_WORD.fullmatch(head[1])) and head[1].rstrip(".,;:!?").lower() not in NOT_A_SECRET
    return (
        len(head) >= 2
        and bool(_TITLE_WORD.fullmatch(head[0]))
        and head[0].rstrip(".,;:!?").lower() in NOT_A_SECRET
        and any(_TITLE_WORD.fullmatch(w) for w in head[1:])
    )


def _title(text: str, start: int, words: list[str]) -> Iterator[PiiFinding]:
    taken = 1
    for k, word in enumerate(words[1:6], start=1):
        if re.search(r"[.,;:!?]$", words[k - 1]):
            break
        nxt = words[k + 1] if k + 1 < len(words) else ""
        if _TITLE_WORD.fullmatch(word) or (word.lower() in _LINKS and _TITLE_WORD.fullmatch(nxt)):
            taken = k + 1
        else:
            break
    end = start + len(" ".join(words[:taken]))
    yield PiiFinding("PASSWORD", *trim_span(text, start, end), 0.8)
