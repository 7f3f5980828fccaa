"""Deterministic generator of N realistic statements in the contract JSON (one per line).

    .venv/bin/python bench/generate.py --n 10000 --seed 1 -o /tmp/statements.jsonl

Issuers (several hundred, Zipf-distributed, some part of a network), events with dates and
places, treaties, topics and types from the project's thesauri, dates at every precision,
and texts of 1–15 KB (Zipf-distributed lengths) in English, French and Spanish. English
text is spliced from word runs of the UN General Debate corpus (a seeded word model: real
phrases, real word frequencies); French and Spanish from a Zipf unigram model over a
small vocabulary. Texts name the treaties they reference, by acronym or by label.
The same ``--n`` and ``--seed`` always give the same file.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from archive.corpus import UNGDC_PATH, issuer_name

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
TYPES = ("press statement", "statement", "joint statement", "open letter", "declaration",
         "report", "speech", "resolution", "appeal", "submission", "communiqué", "letter")
KINDS = ("ngo", "network", "government", "city", "nhri", "academic", "un-body",
         "trade-union", "faith-based", "igo")
TREATIES = ("ICCPR", "ICESCR", "CEDAW", "CRC", "CAT", "CERD", "CRPD", "UDHR", "CPED",
            "ICMW", "ICCPR-OP1", "ECHR", "ACHPR", "ACHR", "Genocide Convention")
TREATY_LABELS = {
    "ICCPR": "International Covenant on Civil and Political Rights",
    "ICESCR": "International Covenant on Economic, Social and Cultural Rights",
    "CEDAW": "Convention on the Elimination of All Forms of Discrimination against Women",
    "CRC": "Convention on the Rights of the Child",
    "CAT": "Convention against Torture",
    "CRPD": "Convention on the Rights of Persons with Disabilities",
    "UDHR": "Universal Declaration of Human Rights",
}
TOPICS = ("women's rights", "children's rights", "torture", "freedom of expression",
          "migration and refugees", "climate and environment", "death penalty", "housing",
          "racial discrimination", "human rights defenders", "health", "education",
          "rule of law", "peace and security", "indigenous peoples", "labour rights",
          "privacy and surveillance", "disability rights", "LGBTI rights", "minority rights")
PLACES = ("Geneva", "New York", "Nairobi", "Bangkok", "Vienna", "Santiago", "Strasbourg",
          "Addis Ababa", "Panama City", "Brussels", "The Hague", "Dakar", "Manila", "Bogotá")
ORG_FORMS = ("{x} Human Rights Centre", "{x} Civil Liberties Union", "Coalition for Justice in "
             "{x}", "{x} Women's Network", "{x} Bar Association", "{x} Refugee Council",
             "Children's Rights Alliance of {x}", "{x} Institute for Democracy",
             "{x} Trade Union Confederation", "National Human Rights Commission of {x}",
             "City of {x}", "University of {x} Law Clinic", "{x} Council of Churches")
EVENT_FORMS = ("Universal Periodic Review of {x}", "Elections in {x}", "Floods in {x}",
               "Adoption of the Security Law in {x}", "Arrest of journalists in {x}",
               "Ratification of the {t} by {x}", "Withdrawal of {x} from the {t}",
               "Report of the Special Rapporteur on {x}")
FRENCH = tuple((  # noqa: SIM905 (a word list, easier to read as text)
          "de la le les des droits et à en l' du un une pour que dans est sur par au "
          "humains homme femmes enfants protection liberté État gouvernement conseil "
          "nations unies convention pacte international rapport violations justice "
          "expression réfugiés migrants torture détention arbitraire défenseurs société "
          "civile égalité discrimination développement paix sécurité démocratie élections "
          "obligations engagement communauté mesures loi réforme victimes responsabilité "
          "appelons exhortons condamnons saluons préoccupation profonde situation pays "
          "région population accès santé éducation logement travail droit vie dignité").split())
SPANISH = tuple((  # noqa: SIM905 (a word list, easier to read as text)
          "de la el los las derechos y en a del un una para que por con es sobre al humanos "
          "mujeres niños protección libertad Estado gobierno consejo naciones unidas "
          "convención pacto internacional informe violaciones justicia expresión refugiados "
          "migrantes tortura detención arbitraria defensores sociedad civil igualdad "
          "discriminación desarrollo paz seguridad democracia elecciones obligaciones "
          "compromiso comunidad medidas ley reforma víctimas responsabilidad instamos "
          "exhortamos condenamos celebramos preocupación profunda situación país región "
          "población acceso salud educación vivienda trabajo derecho vida dignidad "
           "investigación regulación nación").split())


def zipf_pick(rng: random.Random, items: list[Any] | tuple[Any, ...], s: float = 1.1) -> Any:
    """One item, the k-th with probability proportional to 1/k^s."""
    weights = _zipf_weights(len(items), s)
    return items[rng.choices(range(len(items)), cum_weights=weights)[0]]


_WEIGHTS: dict[tuple[int, float], list[float]] = {}


def _zipf_weights(n: int, s: float) -> list[float]:
    if (n, s) not in _WEIGHTS:
        _WEIGHTS[(n, s)] = list(itertools.accumulate(1 / (k ** s) for k in range(1, n + 1)))
    return _WEIGHTS[(n, s)]


class WordModel:
    """Word runs from the General Debate corpus (English) and Zipf unigrams (fr, es)."""

    def __init__(self, speeches: int = 300) -> None:
        tokens: list[str] = []
        countries: list[str] = []
        with gzip.open(UNGDC_PATH, "rt", encoding="utf-8") as lines:
            for line in itertools.islice(lines, 0, speeches * 20, 20):
                raw = json.loads(line)
                tokens += re.findall(r"[\w'’-]+|[.,;]", raw["text"])
                countries.append(issuer_name(raw["issuer_iso3"], raw["issuer_name"]))
        self.tokens = tokens
        self.countries = sorted(set(countries))

    def english(self, rng: random.Random, size: int) -> str:
        parts, length = [], 0
        while length < size:
            start = rng.randrange(len(self.tokens) - 30)
            run = " ".join(self.tokens[start:start + rng.randint(6, 25)])
            run = run.replace(" .", ".").replace(" ,", ",").replace(" ;", ";")
            parts.append(run)
            length += len(run) + 1
        return " ".join(parts)

    @staticmethod
    def unigrams(rng: random.Random, words: list[str], size: int) -> str:
        count = max(1, size // 7)
        picked = rng.choices(words, cum_weights=_zipf_weights(len(words), 1.0), k=count)
        sentences = [" ".join(picked[i:i + 14]).capitalize() + "."
                     for i in range(0, len(picked), 14)]
        return " ".join(sentences).replace("l' ", "l'")


def make_issuers(rng: random.Random, model: WordModel, count: int) -> list[dict[str, Any]]:
    issuers = [{"name": "Amnesty International", "kind": "ngo"},
               {"name": "Human Rights Watch", "kind": "ngo"},
               {"name": "US Human Rights Network", "kind": "network"}]
    networks = ["US Human Rights Network", "International Federation for Human Rights"]
    names = {i["name"] for i in issuers}
    while len(issuers) < count:
        country = rng.choice(model.countries)
        form = rng.choice(ORG_FORMS)
        name = form.format(x=country)
        if name in names:
            continue
        names.add(name)
        kind = ("city" if name.startswith("City") else "nhri" if "Commission" in name
                else "academic" if "University" in name else "trade-union" if "Union Conf"
                in name else "faith-based" if "Churches" in name else rng.choice(KINDS[:2]))
        issuer: dict[str, Any] = {"name": name, "kind": kind}
        if kind in ("ngo", "network") and rng.random() < 0.2:
            issuer["part_of"] = rng.choice(networks)
        issuers.append(issuer)
    for country in model.countries[:60]:
        issuers.append({"name": f"Government of {country}", "kind": "government"})
    for issuer in issuers:  # names differ by a country only: created on purpose
        issuer["new"] = True
    return issuers


def make_events(rng: random.Random, model: WordModel, count: int) -> list[dict[str, Any]]:
    events, names = [], set()
    while len(events) < count:
        name = rng.choice(EVENT_FORMS).format(x=rng.choice(model.countries),
                                              t=rng.choice(TREATIES[:8]))
        if name in names:
            continue
        names.add(name)
        year = rng.randint(1990, 2024)
        events.append({"name": name, "date": f"{year}-{rng.randint(1, 12):02d}",
                       "place": rng.choice(PLACES), "new": True})
    return events


def written_date(rng: random.Random) -> tuple[str, int]:
    """A release date as an archivist would type it, at a random precision."""
    year, month, day = rng.randint(1990, 2024), rng.randint(1, 12), rng.randint(1, 28)
    form = rng.random()
    if form < 0.1:
        return str(year), year
    if form < 0.25:
        return f"{MONTHS[month - 1]} {year}", year
    if form < 0.55:
        return f"{year}-{month:02d}-{day:02d}", year
    if form < 0.8:
        return f"{MONTHS[month - 1]} {day}, {year}", year
    return f"{day} {MONTHS[month - 1]} {year}", year


def text_size(rng: random.Random) -> int:
    """1–15 KB, Zipf-distributed (most texts short, a long tail of long ones)."""
    return zipf_pick(rng, list(range(1, 16)), 1.0) * 1000 + rng.randint(0, 999)


def statement(rng: random.Random, n: int, model: WordModel, issuers: list[dict[str, Any]],
              events: list[dict[str, Any]]) -> dict[str, Any]:
    language = rng.choices(("en", "fr", "es"), weights=(80, 10, 10))[0]
    date, year = written_date(rng)
    issuer = zipf_pick(rng, issuers, 1.05)
    treaties = sorted(set(rng.sample(TREATIES, rng.choice((0, 1, 1, 2, 3)))))
    topics = sorted(set(rng.sample(TOPICS, rng.choice((0, 1, 2)))))
    size = text_size(rng)
    if language == "en":
        text = model.english(rng, size)
    else:
        text = model.unigrams(rng, FRENCH if language == "fr" else SPANISH, size)
    for treaty in treaties:  # named in the text, by acronym or by label
        named = TREATY_LABELS.get(treaty, treaty) if rng.random() < 0.5 else treaty
        cut = rng.randrange(len(text))
        text = f"{text[:cut]} the {named} {text[cut:]}"
    words = model.english(rng, 60).split()[:rng.randint(4, 9)]
    title = " ".join(words).strip(".,; ").capitalize() or f"Statement {n}"
    record: dict[str, Any] = {
        "id": f"gen-{n:07d}", "title": title, "issuer": dict(issuer), "date": date,
        "type": rng.choice(TYPES), "language": language, "text": text}
    if rng.random() < 0.1:
        record["issuer"] = [dict(issuer), dict(zipf_pick(rng, issuers, 1.05))]
        record["type"] = "joint statement"
        if record["issuer"][0]["name"] == record["issuer"][1]["name"]:
            record["issuer"] = record["issuer"][0]
    if rng.random() < 0.6:
        record["responds_to"] = dict(zipf_pick(rng, events, 1.0))
    if treaties:
        record["references"] = treaties
    if topics:
        record["topics"] = topics
    if rng.random() < 0.3:
        record["places"] = [rng.choice(PLACES)]
    if rng.random() < 0.5:
        record["source"] = f"https://example.org/{year}/statements/{n}"
    return record


def generate(n: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """``n`` statements, the same for the same ``seed``."""
    rng = random.Random(seed)
    model = WordModel()
    issuers = make_issuers(rng, model, 400)
    events = make_events(rng, model, 250)
    for number in range(n):
        yield statement(rng, number, model, issuers, events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    with args.output.open("w", encoding="utf-8") as out:
        for record in generate(args.n, args.seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
