"""Builds ``assistant/signals/english_words.txt``: the words seen at least :data:`MIN_COUNT` times in English text
whose licences allow a derived list to ship (no share-alike source): BANKING77 train (CC BY 4.0), GoEmotions train and
dev (Apache-2.0), NLU++ banking folds 0-15 (CC BY 4.0), the CFPB narratives (US government work) from
``../shared/data``, and the knowledge base's articles. The language screen (``assistant/signals/language.py``) reads
the share of a message's words in it.

    PYTHONPATH=$PWD python -m assistant.training.english_vocabulary --shared ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from assistant.signals.language import VOCABULARY_PATH, WORD

MIN_COUNT = 3
# Short function words of the languages most often written to UK and US banks that English text (Reddit above all)
# borrows often enough to pass the count ("de", "la", "que", "mi", "hai", "ang"), and that are no English words:
# left out of the list so that a Spanish, Hindi or Tagalog sentence does not read as half English. Words that are
# also English ("no", "do", "as", "die", "to", "main", "me", "con", "pour") stay in.
FOREIGN_FUNCTION_WORDS = frozenset(
    # Spanish, Portuguese, Italian, French
    "de la el que mi un una y en los las del se lo por para con es yo tu su al muy pero como mas mis nos "
    "da os um uma eu meu minha na não nao com para voce você "
    "il di che non per sono ho della gli "
    "le les et est je il nous vous pas une des du au ce cette qui ne sur avec mon ma mes "
    # German, Dutch, Polish
    "der und ist nicht ein eine mit ich zu auf het een niet ik van mijn "
    "nie jest sie się w z mnie moje moja "
    # Hindi and Urdu written in Latin letters
    "hai hain ho ka ki ke mera mere meri nahi nahin kya aur mujhe hum kar karo raha rahi gaya "
    # Tagalog, Yoruba, Swahili, Indonesian and Malay
    "ang ng sa po ko mo si ni ba ti wa ya yang tidak saya ini itu dan".split()
)
REPO = Path(__file__).resolve().parents[2]


def count_words(shared: Path, kb_dir: Path) -> Counter[str]:
    """Word counts over the sources of the module docstring (lower case, the screen's own word pattern)."""
    counts: Counter[str] = Counter()

    def add(text: str) -> None:
        counts.update(WORD.findall(text.lower()))

    with (shared / "banking77" / "train.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            add(row["text"])
    for name in ("train.tsv", "dev.tsv"):
        for line in (shared / "goemotions" / "original" / name).open(encoding="utf-8"):
            add(line.split("\t")[0])
    with (shared / "cfpb_complaints" / "complaints.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            add(row["consumer_complaint_narrative"])
    for path in sorted((shared / "nlupp_banking").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, list):
            for item in data:
                if isinstance(item, dict) and isinstance(item.get("text"), str):
                    add(item["text"])
    for path in sorted(kb_dir.glob("articles/*.md")):
        add(path.read_text(encoding="utf-8"))
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--kb", type=Path, default=REPO / "knowledge_base")
    parser.add_argument("--out", type=Path, default=VOCABULARY_PATH)
    parser.add_argument("--min-count", type=int, default=MIN_COUNT)
    args = parser.parse_args(argv)
    counts = count_words(args.shared, args.kb)
    words = sorted(w for w, n in counts.items() if n >= args.min_count and w not in FOREIGN_FUNCTION_WORDS)
    header = f"# english words seen >= {args.min_count} times; built by assistant/training/english_vocabulary.py\n"
    args.out.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {args.out}")


if __name__ == "__main__":
    main()
