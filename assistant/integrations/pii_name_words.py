"""The words and phrases that the name rules of ``pii_names`` hold for no person's name: words that are also first
names, places, countries and currencies, brands, organisations named with their legal form or their trade, and
streets named at a corner.

>>> [("paid Barnes & Noble Ltd"[a:b]) for a, b in not_person_spans("paid Barnes & Noble Ltd")]
['Barnes & Noble Ltd']
"""

from __future__ import annotations

import re

# Words that are also first names; a name then needs a cue, a title or a surname next to it.
AMBIGUOUS_NAMES = frozenset(
    """may will mark bill grace hope faith joy june april summer autumn dawn rose lily ivy holly amber ruby
    crystal jade iris pearl penny sterling cash chase rich guy ray dean drew max sky angel carol christian
    patience harmony honor honour justice royal young frank art pat sue bob jack victoria georgia india paris
    florence sydney austin jordan chelsea lincoln dallas phoenix sunny happy lucky brook brooke river star
    stormy misty sandy rocky hunter archer mason cooper carter taylor parker baker porter miller fisher
    booker walker page bay bank banks price link lane rowan heather daisy willow violet poppy jasmine
    destiny trinity genesis haven love page hazel olive marina ginger tiffany mercedes alexa siri
    august major king prince duke earl baron bishop deacon monday tuesday sunday easter christmas
    noel nick gene will don ben kim sean""".split()
)
# Places that some name lists also hold: never a name on their own.
PLACES = frozenset(
    """alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi
    missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia
    washington wisconsin wyoming carolina dakota jersey york london paris berlin madrid rome dublin cardiff
    belfast edinburgh glasgow leeds bristol manchester liverpool birmingham sheffield newcastle brighton oxford
    cambridge york europe asia africa america australia canada mexico spain france germany italy ireland
    scotland wales england britain india china japan brazil portugal poland turkey greece dubai chicago boston
    houston dallas austin denver seattle phoenix miami atlanta orlando vegas tampa florence sydney""".split()
)
# Countries, nationalities, currencies and card networks: never a person's name on their own ("a transfer from China",
# "Russian rubles", "convert to Euro", "Mastercard and Visa"); a cue such as "my name is" still wins.
NOT_NAMES = PLACES | frozenset(
    """china russia ukraine nigeria ghana kenya pakistan bangladesh philippines vietnam thailand korea singapore
    malaysia indonesia egypt morocco israel qatar saudi argentina chile colombia peru jamaica sweden norway denmark
    finland netherlands holland belgium switzerland austria hungary romania bulgaria croatia serbia czechia
    lithuania latvia estonia iceland cyprus malta nepal iran iraq lebanon jordan tunisia algeria ethiopia somalia
    uganda tanzania zimbabwe zambia antarctica oceania british russian european american americans english scottish
    welsh irish chinese indian african asian australian canadian mexican spanish french german italian polish
    turkish japanese korean brazilian nigerian pakistani filipino euro euros dollar dollars pound pounds sterling
    yen rupee rupees yuan ruble rubles rouble roubles peso pesos franc francs krona zloty dirham naira visa
    maestro discover mum mom mummy mommy dad daddy nan nana gran granny grandma grandad grandpa papa mama auntie
    sis bro babe hun mate team sir madam regards wishes
    monday tuesday wednesday thursday friday saturday sunday""".split()
)
# contractions typed without their apostrophe: "and Im not seeing it"
CONTRACTIONS = frozenset("im ive id ill dont cant wont didnt isnt doesnt wasnt arent couldnt wouldnt shouldnt".split())
# Shops, banks, brands and services that customers name and that name lists also hold ("Delta", "Spencer"
# only in "Marks and Spencer"); single words here are never names on their own, the phrases are skipped whole.
BRANDS = frozenset(
    """tesco asda sainsbury sainsburys morrisons waitrose lidl aldi boots argos currys primark greggs harrods
    selfridges wilko halifax santander barclays barclaycard lloyds natwest nationwide monzo starling revolut wise
    chase hsbc tsb metro amazon apple google microsoft netflix spotify uber deliveroo paypal klarna vodafone virgin
    ryanair easyjet expedia walmart target costco kroger verizon comcast macys wendys mcdonalds dell ford tesla
    hilton marriott mastercard amex venmo zelle cashapp citi citibank fargo ebay etsy shein asos ikea nike
    adidas starbucks costa pret subway dominos octopus ovo eon thames vue odeon specsavers halfords nandos kfc
    delta airbnb booking hertz avis emirates lufthansa wayfair disney hulu peacock xbox playstation nintendo steam
    dominion bupa aviva admiral direct churchill hastings experian equifax transunion clearscore mortgage isa
    lowell cabot intrum moorcroft capquest hoist samsung firefox safari chrome android""".split()
)
ORG_PHRASE = re.compile(
    r"(?i)\b(?:marks? (?:and|&) spencers?|virgin (?:media|money|atlantic|mobile)|milton keynes|john lewis|sports direct"
    r"|british (?:gas|airways)|capital one|wells fargo|bank of \w+|(?:delta|united|american) air\w*"
    r"|[A-Z]\w+ (?:bank|building society|plc|ltd|limited|inc|llc|group|energy|insurance|mobile|airlines|airways"
    r"|tax|wallet|pay|pot|saver|isa|office|services|finance|loans|collections|solutions|store|app)"
    # one to three capitalised words (or two joined by "&") before a company's legal form: "Jenny Craig Ltd",
    # "Barnes & Noble Ltd"
    r"|(?-i:(?:[A-Z][\w'’]*\.? (?:& )?){1,3})(?:ltd|limited|plc|inc|llc|llp|corp|corporation))\b"
)
# a business named by its trade after one to three capitalised words, some joined by "&" ("Sunny Hill Stables",
# "Oak Tree Nursery", "Martin Sullivan's Bar & Grill"): the words are its name, no person's; nouns that are also
# surnames ("Hall", "Church") are left out
BUSINESS = re.compile(
    r"\b(?:[A-Z][a-z'’]+ (?:& )?){1,3}(?:Stables|Farm|Garage|Motors|Salon|Cafe|Café|Bakery|Nursery|Nurseries|Kennels"
    r"|Cattery|Hotel|Motel|Inn|Restaurant|Bistro|Grill|Bar|Diner|Kitchen|Pub|Academy|School|College|Preschool|Daycare|Surgery"
    r"|Dental|Clinic|Vets|Veterinary|Pharmacy|Opticians|Builders|Plumbing|Plumbers|Roofing|Electrical|Decorators"
    r"|Joinery|Landscaping|Cleaning|Catering|Lettings|Estates|Properties|Cars|Taxis|Removals|Storage|Studios?|Gym"
    r"|Fitness|Club|Centre|Center|Trust|Foundation|Charity|Partners|Associates|Solicitors|Accountants|Consulting"
    r"|Holdings|Enterprises|Trading|Supplies|Foods|Florists?|Butchers|Barbers|Brewery|Dairy|Spa|Stores|Market)\b"
)
# streets at a corner: "the ATM at 5th and Main", "Main & 3rd"
_STREET_CORNER = re.compile(
    r"\b\d{1,3}(?:st|nd|rd|th) (?:and|&) [A-Z][a-z]+\b|\b[A-Z][a-z]+ (?:and|&) \d{1,3}(?:st|nd|rd|th)\b"
)


def not_person_spans(text: str) -> list[tuple[int, int]]:
    """The spans of ``text`` that name an organisation, a business or a street corner: no name is taken inside."""
    return [(m.start(), m.end()) for pattern in (ORG_PHRASE, BUSINESS, _STREET_CORNER) for m in pattern.finditer(text)]
