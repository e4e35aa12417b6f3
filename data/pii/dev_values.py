"""The invented values of the PII dev set (``make_dev.py``): names, streets and towns written for it, and one
generator per entity type (cards pass Luhn, IBANs their checksum, routing numbers the ABA check), all drawn from one
seeded generator, ``RNG``, so the file is rebuilt byte for byte."""

from __future__ import annotations

import random

RNG = random.Random(2026)

UK_FIRST = [
    "Aisha",
    "Callum",
    "Siobhan",
    "Priya",
    "Gareth",
    "Niamh",
    "Oluwaseun",
    "Harriet",
    "Rhys",
    "Fatima",
    "Declan",
    "Imogen",
    "Hamza",
    "Bethany",
    "Euan",
    "Zara",
    "Lewis",
    "Mairead",
    "Tariq",
    "Eleanor",
]
UK_LAST = [
    "Whitfield",
    "Okafor",
    "McAllister",
    "Patel",
    "Hughes",
    "Brennan",
    "Ashworth",
    "Khan",
    "Pritchard",
    "Donnelly",
    "Fairclough",
    "Sandhu",
    "Llewellyn",
    "Barraclough",
    "Nwosu",
    "Kerr",
    "Hollis",
    "Rahman",
]
US_FIRST = [
    "Tyler",
    "Brianna",
    "Marcus",
    "Keisha",
    "Dustin",
    "Alejandra",
    "Cody",
    "Shanice",
    "Brandon",
    "Megan",
    "Luis",
    "Tamika",
    "Garrett",
    "Jasmine",
    "Travis",
    "Courtney",
    "Hector",
    "Kayla",
    "Derek",
    "Monique",
]
US_LAST = [
    "Kowalski",
    "Ramirez",
    "Jefferson",
    "Nguyen",
    "Holloway",
    "Washington",
    "Schultz",
    "Delgado",
    "Brooks",
    "Fitzgerald",
    "Oyelaran",
    "Castillo",
    "Henderson",
    "Yamamoto",
    "Lindqvist",
    "Moreno",
]
UK_STREETS = [
    "Acacia Avenue",
    "Wellington Road",
    "Mill Lane",
    "Clarendon Street",
    "Beech Grove",
    "Station Road",
    "Kingsway Close",
    "Orchard Drive",
    "Victoria Terrace",
    "Hawthorn Crescent",
    "Canal Walk",
    "Park View",
]
UK_TOWNS = [
    ("Leeds", "LS6 2AB"),
    ("Bristol", "BS3 4QT"),
    ("Cardiff", "CF10 1EP"),
    ("Glasgow", "G12 8QQ"),
    ("Manchester", "M14 5RT"),
    ("Norwich", "NR2 3PL"),
    ("Belfast", "BT7 1NN"),
    ("York", "YO10 5DD"),
    ("Brighton", "BN1 6AF"),
    ("Leicester", "LE2 7SX"),
    ("Swansea", "SA1 8PN"),
    ("Derby", "DE22 3HB"),
]
US_STREETS = [
    "Maple Street",
    "Oak Avenue",
    "Sunset Boulevard",
    "Lakeview Drive",
    "Pine Ridge Road",
    "Elm Court",
    "Hickory Lane",
    "Cedar Way",
    "Washington Ave",
    "Magnolia Blvd",
    "Creekside Dr",
]
US_TOWNS = [
    ("Columbus", "OH", "43215"),
    ("Austin", "TX", "78704"),
    ("Portland", "OR", "97209"),
    ("Tampa", "FL", "33606"),
    ("Denver", "CO", "80205"),
    ("Raleigh", "NC", "27601"),
    ("Madison", "WI", "53703"),
    ("Phoenix", "AZ", "85004"),
    ("Albany", "NY", "12207"),
]
WORDS = ["sunflower", "Marmalade", "pebbles", "Kestrel", "lighthouse", "Bramble", "copperfield", "Tangerine"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def digits(n: int) -> str:
    return "".join(RNG.choice("0123456789") for _ in range(n))


def card() -> str:
    kind = RNG.choice(["visa", "visa", "mc", "amex"])
    if kind == "amex":
        body = RNG.choice(["34", "37"]) + digits(12)
        num = body + luhn_digit(body)
        return f"{num[:4]} {num[4:10]} {num[10:]}" if RNG.random() < 0.6 else num
    body = ("4" if kind == "visa" else RNG.choice(["51", "53", "55"])) + digits(15 - (1 if kind == "visa" else 2))
    num = body + luhn_digit(body)
    style = RNG.choice(["space", "dash", "none", "space"])
    if style == "none":
        return num
    sep = " " if style == "space" else "-"
    return sep.join(num[i : i + 4] for i in range(0, 16, 4))


def sort_code() -> str:
    a, b, c = RNG.choice(["20", "40", "30", "60", "77", "83", "09", "11"]), digits(2), digits(2)
    return RNG.choice([f"{a}-{b}-{c}", f"{a}-{b}-{c}", f"{a} {b} {c}", f"{a}{b}{c}"])


def uk_account() -> str:
    n = digits(8)
    return n if RNG.random() < 0.8 else f"{n[:4]} {n[4:]}"


def us_account() -> str:
    return digits(RNG.choice([10, 11, 12]))


def iban() -> str:
    country, bank = RNG.choice([("GB", "NWBK"), ("GB", "BARC"), ("GB", "HBUK"), ("IE", "AIBK"), ("DE", "")])
    bban = bank + (digits(14) if country != "DE" else digits(18))
    rearranged = bban + country + "00"
    num = int("".join(str(int(c, 36)) for c in rearranged))
    check = f"{98 - num % 97:02d}"
    raw = country + check + bban
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4)) if RNG.random() < 0.6 else raw


def ni() -> str:
    a = RNG.choice("ABCEGHJKLMNPRSTWXYZ") + RNG.choice("ABCEGHJKLMNPRSTWXYZ")
    d = digits(6)
    s = RNG.choice("ABCD")
    return RNG.choice([f"{a} {d[:2]} {d[2:4]} {d[4:]} {s}", f"{a}{d}{s}", f"{a}{d}{s}".lower(), f"{a} {d} {s}"])


def ssn() -> str:
    a, b, c = f"{RNG.randint(100, 665)}", digits(2), digits(4)
    return RNG.choice([f"{a}-{b}-{c}", f"{a}-{b}-{c}", f"{a} {b} {c}"])


def routing() -> str:
    while True:
        d = [RNG.randint(0, 9) for _ in range(8)]
        d[0] = RNG.choice([0, 1, 2])
        for last in range(10):
            x = d + [last]
            if (3 * (x[0] + x[3] + x[6]) + 7 * (x[1] + x[4] + x[7]) + x[2] + x[5] + x[8]) % 10 == 0:
                return "".join(map(str, x))


def password() -> str:
    return RNG.choice(
        [
            f"{RNG.choice(WORDS)}{RNG.randint(10, 99)}!",
            f"{RNG.choice(WORDS)}",
            f"Hx7#{digits(3)}q",
            f"{RNG.choice(WORDS).capitalize()}{RNG.randint(1970, 2020)}",
        ]
    )


def pin() -> str:
    return digits(4)


def otp() -> str:
    return digits(6)


def dob(voice: str) -> str:
    y, m, d = RNG.randint(1940, 2004), RNG.randint(1, 12), RNG.randint(1, 28)
    uk = [
        f"{d:02d}/{m:02d}/{y}",
        f"{d} {MONTHS[m - 1]} {y}",
        f"{d}{'th' if d > 3 else 'rd'} {MONTHS[m - 1]} {y}",
        f"{d:02d}-{m:02d}-{y}",
        f"{d:02d}.{m:02d}.{y}",
    ]
    us = [f"{m:02d}/{d:02d}/{y}", f"{MONTHS[m - 1]} {d}, {y}", f"{m}/{d}/{y}", f"{y}-{m:02d}-{d:02d}"]
    return RNG.choice(uk if voice == "uk" else us)


def address(voice: str) -> str:
    if voice == "uk":
        town, pc = RNG.choice(UK_TOWNS)
        flat = RNG.choice(["", "", "", f"Flat {RNG.randint(1, 12)}, "])
        return f"{flat}{RNG.randint(1, 240)} {RNG.choice(UK_STREETS)}, {town} {pc}"
    town, st, z = RNG.choice(US_TOWNS)
    apt = RNG.choice(["", "", f" Apt {RNG.randint(1, 30)}{RNG.choice('ABC')},"])
    return f"{RNG.randint(10, 9800)} {RNG.choice(US_STREETS)},{apt} {town}, {st} {z}"


def name(voice: str, full: bool = True) -> str:
    first = RNG.choice(UK_FIRST if voice == "uk" else US_FIRST)
    return f"{first} {RNG.choice(UK_LAST if voice == 'uk' else US_LAST)}" if full else first


def email(n: str) -> str:
    user = n.lower().replace(" ", RNG.choice([".", "_", ""]))
    return f"{user}{RNG.randint(1, 99)}@{RNG.choice(['example.com', 'mailbox.co.uk', 'example.org'])}"


def uk_phone() -> str:
    return RNG.choice(
        [f"07700 900{digits(3)}", f"+44 7700 900{digits(3)}", f"0161 496 0{digits(3)}", f"020 7946 0{digits(3)}"]
    )


def us_phone() -> str:
    return RNG.choice([f"(555) 010-{digits(4)}", f"555-010-{digits(4)}", f"+1 202 555 0{digits(3)}"])
