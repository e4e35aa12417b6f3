"""Builds data/pii/dev.jsonl: our own PII dev set (UK and US customer messages, every sentence written for this
file, values invented with a fixed seed: cards pass Luhn, IBANs their checksum). Run:
``.venv/bin/python data/pii/make_dev.py``. Rows: {"id", "text", "voice", "entities": [{"type", "value"}]}."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from dev_templates import PII_FREE, TEMPLATES
from dev_values import (
    RNG,
    UK_LAST,
    UK_TOWNS,
    US_LAST,
    US_TOWNS,
    address,
    card,
    digits,
    dob,
    email,
    iban,
    name,
    ni,
    otp,
    password,
    pin,
    routing,
    sort_code,
    ssn,
    uk_account,
    uk_phone,
    us_account,
    us_phone,
)

OUT = Path(__file__).resolve().parent / "dev.jsonl"

SLOTS = {
    "CARD": ("CARD", lambda v: card()),
    "SORT_CODE": ("SORT_CODE", lambda v: sort_code()),
    "ACCOUNT": ("ACCOUNT", lambda v: uk_account()),
    "ACCOUNT_US": ("ACCOUNT", lambda v: us_account()),
    "ROUTING": ("ROUTING", lambda v: routing()),
    "IBAN": ("IBAN", lambda v: iban()),
    "NI": ("NI", lambda v: ni()),
    "SSN": ("SSN", lambda v: ssn()),
    "PASSWORD": ("PASSWORD", lambda v: password()),
    "PIN": ("PASSWORD", lambda v: pin()),
    "OTP": ("PASSWORD", lambda v: otp()),
    "CVV": ("PASSWORD", lambda v: digits(3)),
    "DOB": ("DOB", dob),
    "ADDRESS": ("ADDRESS", address),
    "POSTCODE": ("POSTCODE", lambda v: RNG.choice(UK_TOWNS)[1]),
    "ZIP": ("POSTCODE", lambda v: RNG.choice(US_TOWNS)[2]),
    "NAME": ("NAME", lambda v: name(v)),
    "FIRST": ("NAME", lambda v: name(v, full=False)),
    "LAST": ("NAME", lambda v: RNG.choice(UK_LAST if v == "uk" else US_LAST)),
    "EMAIL": ("EMAIL", lambda v: email(name(v))),
    "PHONE_UK": ("PHONE", lambda v: uk_phone()),
    "PHONE_US": ("PHONE", lambda v: us_phone()),
}


def fill(voice: str, template: str) -> tuple[str, list[dict[str, str]]]:
    entities: list[dict[str, str]] = []

    def repl(m: re.Match[str]) -> str:
        etype, make = SLOTS[m.group(1)]
        value = make(voice)
        entities.append({"type": etype, "value": value})
        return value

    return re.sub(r"\{([A-Z_]+)\}", repl, template), entities


def main() -> None:
    rows: list[dict[str, Any]] = []
    lines = [ln for ln in TEMPLATES.strip().splitlines() if ln.strip()]
    for rep in range(2):
        for i, line in enumerate(lines):
            voice, template = line.split("|", 1)
            text, entities = fill(voice, template)
            rows.append({"id": f"pii-dev-{rep}-{i:03d}", "text": text, "voice": voice, "entities": entities})
    for i, line in enumerate(ln for ln in PII_FREE.strip().splitlines() if ln.strip()):
        voice, text = line.split("|", 1)
        rows.append({"id": f"pii-dev-free-{i:03d}", "text": text, "voice": voice, "entities": []})
    for row in rows:
        for e in row["entities"]:
            assert e["value"] in row["text"], row
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} rows -> {OUT}")


if __name__ == "__main__":
    main()
