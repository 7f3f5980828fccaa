"""The UN General Debate corpus (UNGDC) as archive records, and the sample drawn from it.

Owns reading the bundled corpus file (one JSON object per speech, gzipped) and mapping
each speech to the record JSON of the public interface, plus the deterministic rule
that picks ``archive/sample/ungdc-selection.jsonl``. Treaty references and topics are
added only by :func:`build_selection` (the archivist's pass over the sample), never by
:func:`read_ungdc`.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from archive.settings import settings

#: The corpus shipped beside the project; ``RIGHTS_ARCHIVE_CORPUS`` overrides it.
UNGDC_PATH = settings().corpus

#: Jankin, Baturo & Dasandi, "United Nations General Debate Corpus", Harvard Dataverse.
UNGDC_DOI = "https://doi.org/10.7910/DVN/0TJX8Y"

# ISO3 code | UN geoscheme region | the one name used for that state in every record.
# The corpus spells states in up to seven ways (and a few not at all), so the name is
# taken from the code, never from the corpus's ``issuer_name``.
_STATES = """
AFG Asia Afghanistan|AGO Africa Angola|ALB Europe Albania|AND Europe Andorra
ARE Asia United Arab Emirates|ARG Americas Argentina|ARM Asia Armenia
ATG Americas Antigua and Barbuda|AUS Oceania Australia|AUT Europe Austria
AZE Asia Azerbaijan|BDI Africa Burundi|BEL Europe Belgium|BEN Africa Benin
BFA Africa Burkina Faso|BGD Asia Bangladesh|BGR Europe Bulgaria|BHR Asia Bahrain
BHS Americas Bahamas|BIH Europe Bosnia and Herzegovina|BLR Europe Belarus
BLZ Americas Belize|BOL Americas Bolivia|BRA Americas Brazil|BRB Americas Barbados
BRN Asia Brunei Darussalam|BTN Asia Bhutan|BWA Africa Botswana
CAF Africa Central African Republic|CAN Americas Canada|CHE Europe Switzerland
CHL Americas Chile|CHN Asia China|CIV Africa Côte d'Ivoire|CMR Africa Cameroon
COD Africa Democratic Republic of the Congo|COG Africa Congo|COL Americas Colombia
COM Africa Comoros|CPV Africa Cabo Verde|CRI Americas Costa Rica
CSK Europe Czechoslovakia|CUB Americas Cuba|CYP Asia Cyprus|CZE Europe Czech Republic
DDR Europe German Democratic Republic|DEU Europe Germany|DJI Africa Djibouti
DMA Americas Dominica|DNK Europe Denmark|DOM Americas Dominican Republic
DZA Africa Algeria|ECU Americas Ecuador|EGY Africa Egypt|ERI Africa Eritrea
ESP Europe Spain|EST Europe Estonia|ETH Africa Ethiopia|EU Europe European Union
FIN Europe Finland|FJI Oceania Fiji|FRA Europe France|FSM Oceania Micronesia
GAB Africa Gabon|GBR Europe United Kingdom|GEO Asia Georgia|GHA Africa Ghana
GIN Africa Guinea|GMB Africa Gambia|GNB Africa Guinea-Bissau
GNQ Africa Equatorial Guinea|GRC Europe Greece|GRD Americas Grenada
GTM Americas Guatemala|GUY Americas Guyana|HND Americas Honduras|HRV Europe Croatia
HTI Americas Haiti|HUN Europe Hungary|IDN Asia Indonesia|IND Asia India
IRL Europe Ireland|IRN Asia Iran|IRQ Asia Iraq|ISL Europe Iceland|ISR Asia Israel
ITA Europe Italy|JAM Americas Jamaica|JOR Asia Jordan|JPN Asia Japan
KAZ Asia Kazakhstan|KEN Africa Kenya|KGZ Asia Kyrgyzstan|KHM Asia Cambodia
KIR Oceania Kiribati|KNA Americas Saint Kitts and Nevis|KOR Asia Republic of Korea
KWT Asia Kuwait|LAO Asia Lao People's Democratic Republic|LBN Asia Lebanon
LBR Africa Liberia|LBY Africa Libya|LCA Americas Saint Lucia|LIE Europe Liechtenstein
LKA Asia Sri Lanka|LSO Africa Lesotho|LTU Europe Lithuania|LUX Europe Luxembourg
LVA Europe Latvia|MAR Africa Morocco|MCO Europe Monaco|MDA Europe Moldova
MDG Africa Madagascar|MDV Asia Maldives|MEX Americas Mexico
MHL Oceania Marshall Islands|MKD Europe North Macedonia|MLI Africa Mali
MLT Europe Malta|MMR Asia Myanmar|MNE Europe Montenegro|MNG Asia Mongolia
MOZ Africa Mozambique|MRT Africa Mauritania|MUS Africa Mauritius|MWI Africa Malawi
MYS Asia Malaysia|NAM Africa Namibia|NER Africa Niger|NGA Africa Nigeria
NIC Americas Nicaragua|NLD Europe Netherlands|NOR Europe Norway|NPL Asia Nepal
NRU Oceania Nauru|NZL Oceania New Zealand|OMN Asia Oman|PAK Asia Pakistan
PAN Americas Panama|PER Americas Peru|PHL Asia Philippines|PLW Oceania Palau
PNG Oceania Papua New Guinea|POL Europe Poland
PRK Asia Democratic People's Republic of Korea|PRT Europe Portugal
PRY Americas Paraguay|PSE Asia Palestine|QAT Asia Qatar|ROU Europe Romania
RUS Europe Russian Federation|RWA Africa Rwanda|SAU Asia Saudi Arabia
SDN Africa Sudan|SEN Africa Senegal|SGP Asia Singapore|SLB Oceania Solomon Islands
SLE Africa Sierra Leone|SLV Americas El Salvador|SMR Europe San Marino
SOM Africa Somalia|SRB Europe Serbia|SSD Africa South Sudan
STP Africa Sao Tome and Principe|SUR Americas Suriname|SVK Europe Slovakia
SVN Europe Slovenia|SWE Europe Sweden|SWZ Africa Eswatini|SYC Africa Seychelles
SYR Asia Syria|TCD Africa Chad|TGO Africa Togo|THA Asia Thailand
TJK Asia Tajikistan|TKM Asia Turkmenistan|TLS Asia Timor-Leste|TON Oceania Tonga
TTO Americas Trinidad and Tobago|TUN Africa Tunisia|TUR Asia Turkey
TUV Oceania Tuvalu|TZA Africa Tanzania|UGA Africa Uganda|UKR Europe Ukraine
URY Americas Uruguay|USA Americas United States|UZB Asia Uzbekistan
VAT Europe Holy See|VCT Americas Saint Vincent and the Grenadines
VEN Americas Venezuela|VNM Asia Viet Nam|VUT Oceania Vanuatu|WSM Oceania Samoa
YEM Asia Yemen|YUG Europe Yugoslavia|ZAF Africa South Africa|ZMB Africa Zambia
ZWE Africa Zimbabwe
"""
_ROWS = [row.strip().split(" ", 2) for row in _STATES.replace("\n", "|").split("|")]
STATE_NAMES: dict[str, str] = {code: name for code, _, name in (r for r in _ROWS if r[0])}
STATE_REGIONS: dict[str, str] = {code: region for code, region, _ in (r for r in _ROWS if r[0])}

#: Issuers in the corpus that are not states.
_ISSUER_KINDS = {"EU": "igo"}


def ordinal(n: int) -> str:
    """``45`` → ``"45th"``, ``51`` → ``"51st"``, ``72`` → ``"72nd"``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def issuer_name(iso3: str, fallback: str | None = None) -> str:
    """The one name the archive uses for the issuer with corpus code ``iso3``."""
    return STATE_NAMES.get(iso3) or fallback or iso3


def map_speech(raw: dict[str, Any]) -> dict[str, Any]:
    """Map one corpus line to a record (no references or topics: those are judgements)."""
    code, session, year = raw["issuer_iso3"], int(raw["session"]), int(raw["year"])
    name = issuer_name(code, raw.get("issuer_name"))
    debate = f"General Debate of the {ordinal(session)} session of the UN General Assembly"
    return {
        "id": f"ungdc-{code.lower()}-{session}-{year}",
        # The corpus's titles were made up when it was built and some carry a broken
        # name ("Statement by None"); rebuild the same pattern with the canonical name.
        "title": f"Statement by {name} in the {debate} ({year})",
        "issuer": {"name": name, "kind": _ISSUER_KINDS.get(code, "government")},
        "date": str(year),
        "type": "speech",
        "language": "en",
        # Form feeds mark the original scans' page breaks; XML cannot carry them.
        "text": raw["text"].replace("\f", "\n"),
        "source": UNGDC_DOI,
        "responds_to": [{"name": debate, "date": str(year), "place": "New York"}],
        "places": [name],
    }


def read_ungdc(path: Path = UNGDC_PATH, limit: int | None = None, every: int = 1
               ) -> Iterator[dict[str, Any]]:
    """Yield every ``every``-th speech of the corpus as a record, in file order, at most
    ``limit`` of them (``every`` > 1 spreads a small sample over the years)."""
    opener = gzip.open if path.suffix == ".gz" else open
    count = 0
    with opener(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and count >= limit:
                return
            if number % every == 0 and line.strip():
                count += 1
                yield map_speech(json.loads(line))


# --- The archivist's pass over the sample -----------------------------------------


def _phrase(*names: str) -> re.Pattern[str]:
    """A case-insensitive pattern for full names, tolerant of line breaks between words."""
    alternatives = (r"\s+".join(re.escape(word) for word in n.split()) for n in names)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


def _acronym(*acronyms: str) -> re.Pattern[str]:
    """A case-sensitive pattern for acronyms written in capitals."""
    return re.compile(r"\b(?:" + "|".join(acronyms) + r")\b")


#: Treaty acronym → patterns for its full name or its unambiguous acronym.
TREATY_CUES: dict[str, tuple[re.Pattern[str], ...]] = {
    "UDHR": (_phrase("Universal Declaration of Human Rights"),),
    "ICERD": (
        _phrase("Convention on the Elimination of All Forms of Racial Discrimination"),
        _acronym("ICERD"),
    ),
    "ICESCR": (
        _phrase("International Covenant on Economic, Social and Cultural Rights"),
        _acronym("ICESCR"),
    ),
    "ICCPR": (
        _phrase("International Covenant on Civil and Political Rights"),
        _acronym("ICCPR"),
    ),
    "CEDAW": (
        _phrase("Convention on the Elimination of All Forms of Discrimination against Women"),
        _acronym("CEDAW"),
    ),
    "CAT": (_phrase("Convention against Torture"),),
    "CRC": (_phrase("Convention on the Rights of the Child"),),
    "ICMW": (
        _phrase("Protection of the Rights of All Migrant Workers"),
        _phrase("Migrant Workers Convention"),
    ),
    "CPED": (
        _phrase("Protection of All Persons from Enforced Disappearance"),
        _phrase("Convention on Enforced Disappearances"),
    ),
    "CRPD": (
        _phrase("Convention on the Rights of Persons with Disabilities"),
        _acronym("CRPD"),
    ),
    "ICCPR-OP1": (
        re.compile(
            r"(?<!Second\s)Optional\s+Protocol\s+to\s+the\s+International\s+Covenant\s+on"
            r"\s+Civil\s+and\s+Political\s+Rights\b(?!\s+on\s+the\s+abolition)",
            re.IGNORECASE,
        ),
    ),
    "OP-CEDAW": (
        _phrase(
            "Optional Protocol to the Convention on the Elimination of All Forms of"
            " Discrimination against Women"
        ),
    ),
    "OPCAT": (_phrase("Optional Protocol to the Convention against Torture"),),
    "ICCPR-OP2": (_phrase("Second Optional Protocol to the International Covenant on Civil and"),),
    "ECHR": (
        _phrase("European Convention on Human Rights"),
        _phrase("European Convention for the Protection of Human Rights"),
    ),
    "ACHPR": (_phrase("African Charter on Human and Peoples' Rights"),),
    "ACHR": (_phrase("American Convention on Human Rights"),),
    "Refugee Convention": (
        _phrase("Convention relating to the Status of Refugees"),
        _phrase("Refugee Convention", "Refugees Convention"),
    ),
    "Genocide Convention": (
        _phrase("Prevention and Punishment of the Crime of Genocide"),
        _phrase("Genocide Convention"),
    ),
    # "Paris Agreements" (plural) are the 1991 Cambodia peace accords.
    "Paris Agreement": (re.compile(r"\bParis\s+(?:Climate\s+)?Agreement\b(?!s)"),),
    "UNDRIP": (_phrase("Declaration on the Rights of Indigenous Peoples"),),
    "Istanbul Convention": (_phrase("Istanbul Convention"),),
    "Maputo Protocol": (_phrase("Maputo Protocol"),),
}
#: First General Debate after adoption: before it a speech names a draft, not the treaty.
_NAMED_SINCE = {
    "ICMW": 1991,  # adopted 18 December 1990
    "OP-CEDAW": 2000,  # adopted 6 October 1999, after that year's debate
    "OPCAT": 2003,  # adopted 18 December 2002
    "CRPD": 2007,  # adopted 13 December 2006
    "CPED": 2007,  # adopted 20 December 2006
    "UNDRIP": 2007,  # adopted 13 September 2007, before that year's debate
    "Istanbul Convention": 2011,  # opened for signature 11 May 2011
    "Paris Agreement": 2016,  # adopted 12 December 2015
}

#: Named in the selection criteria although not a treaty (so never a reference).
HRC_CUE = _phrase("Human Rights Council")

#: Topic label → (pattern, occurrences needed for the text to clearly address it).
TOPIC_CUES: dict[str, tuple[re.Pattern[str], int]] = {
    "women's rights": (_phrase("women", "gender equality", "girls"), 5),
    "children's rights": (_phrase("children", "child"), 6),
    "migration and refugees": (_phrase("refugees", "refugee", "migrants", "migration"), 4),
    "climate and environment": (
        _phrase("climate change", "global warming", "sea level", "sea-level"),
        3,
    ),
    "counter-terrorism": (_phrase("terrorism", "terrorist", "terrorists"), 5),
    "racial discrimination": (_phrase("apartheid", "racism", "racial discrimination"), 4),
    "torture": (_phrase("torture"), 3),
    "death penalty": (_phrase("death penalty", "capital punishment"), 2),
    "indigenous peoples": (_phrase("indigenous peoples", "indigenous people"), 3),
    "disability rights": (_phrase("persons with disabilities", "disability"), 3),
    "democracy and elections": (_phrase("democracy", "democratic", "elections"), 6),
    "poverty and economic rights": (_phrase("poverty", "hunger"), 5),
    "health": (_phrase("HIV", "AIDS", "pandemic", "COVID-19", "health", "malaria"), 5),
    "rule of law": (_phrase("rule of law"), 3),
    "right to development": (_phrase("right to development"), 2),
    "international cooperation and multilateralism": (
        _phrase("multilateralism", "multilateral"), 4),
    "peace and security": (_phrase("peace", "security", "peacekeeping"), 10),
}

#: Every fifth year of the corpus, its last year, and 2018 (the seed's year).
SELECTION_YEARS = (1990, 1995, 2000, 2005, 2010, 2015, 2018, 2020, 2024)
#: Speeches per region per selection year (five regions, ranked by treaty mentions).
PER_REGION = 3
#: Always in the sample: the United States in 2018, the year it left the Council.
SELECTION_EXTRAS = ("ungdc-usa-73-2018",)


def named_treaties(text: str, year: int) -> list[str]:
    """Treaties the text names by full name or acronym, sorted (the archive's list order)."""
    found = [
        acronym
        for acronym, patterns in TREATY_CUES.items()
        if any(p.search(text) for p in patterns)
    ]
    return sorted(a for a in found if year >= _NAMED_SINCE.get(a, 0))


def clear_topics(text: str, most: int = 3) -> list[str]:
    """Up to ``most`` topics whose cue words recur past their threshold, sorted by label."""
    strengths = []
    for label, (pattern, needed) in TOPIC_CUES.items():
        hits = len(pattern.findall(text))
        if hits >= needed:
            strengths.append((-hits / needed, label))
    return sorted(label for _, label in sorted(strengths)[:most])


def _score(record: dict[str, Any]) -> tuple[bool, int, int]:
    refs = record.get("references", [])
    named = len(refs) + bool(HRC_CUE.search(record["text"]))
    return ("topics" in record, named, -len(record["text"]))


def annotate(record: dict[str, Any]) -> dict[str, Any]:
    """Add the archivist's ``references`` and ``topics`` (only when there are some)."""
    refs = named_treaties(record["text"], int(record["date"]))
    topics = clear_topics(record["text"])
    extra = {"references": refs} if refs else {}
    if topics:
        extra["topics"] = topics
    return {**record, **extra}


def build_selection(path: Path = UNGDC_PATH) -> list[dict[str, Any]]:
    """The sample of General Debate speeches, deterministic for a given corpus file.

    For each year in SELECTION_YEARS and each of the five regions, the PER_REGION
    speeches that clearly address at least one topic and name the most distinct
    treaties (a mention of the Human Rights Council counts as one more; ties go to the
    shorter text, then the later id) are kept, plus SELECTION_EXTRAS. Sorted by year,
    then id.
    """
    pools: dict[tuple[int, str], list[dict[str, Any]]] = {}
    extras = []
    for record in read_ungdc(path):
        year = int(record["date"])
        if record["id"] in SELECTION_EXTRAS:
            extras.append(annotate(record))
        elif year in SELECTION_YEARS:
            code = record["id"].split("-")[1].upper()
            pools.setdefault((year, STATE_REGIONS[code]), []).append(annotate(record))
    chosen = extras[:]
    for pool in pools.values():
        pool.sort(key=lambda r: (_score(r), r["id"]), reverse=True)
        chosen.extend(pool[:PER_REGION])
    return sorted(chosen, key=lambda r: (r["date"], r["id"]))


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> None:
    """One compact UTF-8 JSON object per line."""
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":  # python archive/corpus.py > archive/sample/ungdc-selection.jsonl
    write_jsonl(build_selection(), sys.stdout)
