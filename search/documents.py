"""One record as one index document: the fields of its language, facets, display, body.

The thesauri give the synonyms: a referenced treaty is indexed under its notation and
every label; treaties named in the text are added to the hidden ``treaty_mentions``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from archive import Archive
from archive.dates import DateError, parse_date
from archive.record import Record
from search.analysis import join_values, language_key
from search.treaties import TreatyFinder
from vocab.thesaurus import Thesaurus


@dataclass
class Vocabulary:
    """The thesauri the index resolves labels with (loaded once per index)."""

    treaties: Thesaurus
    topics: Thesaurus
    types: Thesaurus
    finder: TreatyFinder

    @classmethod
    def of(cls, archive: Archive) -> Vocabulary:
        treaties = archive.thesauri["treaties"]
        return cls(treaties, archive.thesauri["topics"], archive.thesauri["types"],
                   TreatyFinder(treaties))

    def treaty(self, term: str) -> str:
        concept = self.treaties.resolve(term)
        return concept.notation if concept else term

    def topic(self, term: str) -> str:
        concept = self.topics.resolve(term)
        return concept.label() if concept else term

    def type(self, term: str) -> str:
        concept = self.types.resolve(term)
        return concept.label() if concept else term

    def labels(self, thesaurus: Thesaurus, term: str) -> list[str]:
        concept = thesaurus.resolve(term)
        return concept.all_labels() if concept else [term]

    def canonical(self, facet: str, value: str) -> str:
        """A filter value as indexed: "cedaw" → "CEDAW", "press-statement" → its label."""
        if facet == "treaty":
            return self.treaty(value)
        if facet == "topic":
            return self.topic(value)
        if facet == "type":
            return self.type(value)
        if facet == "language":
            return value.lower()
        return value


def compress(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), 1)


def decompress(blob: bytes | None) -> str:
    return zlib.decompress(blob).decode("utf-8") if blob else ""


def _date_fields(written: str, issued: str | None) -> tuple[dict[str, Any], str]:
    """The date fields of a record dated ``written`` (stored as ``issued``), and the date as
    displayed. A numeric date whose day-first choice was made at its write ("03/04/2018")
    is read from its stored form."""
    try:
        date = parse_date(written)
    except DateError:
        try:
            date = parse_date(issued or "")
        except DateError:
            return {}, written
    first, last = date.bounds()
    return ({"date": date.iso, "date_sort": date.sort_key(),
             "year": join_values([str(year) for year in date.years()]),
             "date_start": int(first.replace("-", "")), "date_end": int(last.replace("-", ""))},
            date.display())


def _titles_by_language(record: Record) -> dict[str, str]:
    """Each title in the fields of its own language ("title": {"ar": …, "en": …})."""
    found: dict[str, list[str]] = {}
    for tag, title in record.title.items():
        found.setdefault(language_key(tag), []).append(title)
    return {key: " \n".join(dict.fromkeys(titles)) for key, titles in found.items()}


def record_document(record: Record, version: int, uri: str, vocab: Vocabulary
                    ) -> dict[str, Any]:
    """The index document of ``record`` at ``version``."""
    assert record.id is not None
    lang = language_key(record.language)
    titles = " \n".join(dict.fromkeys(record.title.values()))
    issuers = [a.name for a in record.issuers]
    parents = [a.part_of for a in record.issuers if a.part_of]
    events = [e.name for e in record.responds_to]
    also_issuers = [alt for a in record.issuers for alt in a.alt_names]  # issuer:"St Kitts"
    also_events = [alt for e in record.responds_to for alt in e.alt_names]
    places = [*record.places, *(e.place for e in record.responds_to if e.place)]
    treaties = [vocab.treaty(t) for t in record.references]
    topics = [vocab.topic(t) for t in record.topics]
    kind = vocab.type(record.type) if record.type else None
    treaty_labels = [label for t in record.references
                     for label in vocab.labels(vocab.treaties, t)]
    topic_labels = [label for t in record.topics for label in vocab.labels(vocab.topics, t)]
    type_labels = vocab.labels(vocab.types, record.type) if record.type else []
    text, summary = record.text or "", record.summary or ""
    mentions = vocab.finder.notations_in(f"{titles}\n{summary}\n{text}")
    dates, shown_date = _date_fields(record.date, record.issued)
    meta = [*issuers, *parents, *events, *treaty_labels, *topic_labels, *type_labels,
            *places]
    doc: dict[str, Any] = {
        "id": record.id,
        "version": version,
        "uri": uri,
        "display": {"title": record.title_text(), "issuer": "; ".join(issuers),
                    "date": record.date, "date_display": shown_date,
                    "language": record.language, "type": kind or "",
                    "treaties": list(dict.fromkeys([*treaties, *mentions])), "topics": topics,
                    "events": events, "places": list(dict.fromkeys(places))},
        "meta": "\n".join(meta),
        "words": "\n".join([titles, summary, text, *meta]),
        "issuer": join_values(issuers),
        "issuer_text": "\n".join([*issuers, *parents, *also_issuers]),
        "event": join_values(events),
        "event_text": "\n".join([*events, *also_events]),
        "treaty": join_values(treaties),
        "treaty_text": "\n".join(treaty_labels),
        "treaty_mentions": join_values(mentions),
        "topic": join_values(topics),
        "topic_text": "\n".join(topic_labels),
        "language": record.language.lower(),
        "place_text": "\n".join(places),
        **dates,
    }
    for key, title in _titles_by_language(record).items():
        doc[f"title_{key}"] = title
    if kind:
        doc["type"] = kind
        doc["type_text"] = "\n".join(type_labels)
    if summary:
        doc[f"summary_{lang}"] = summary
    if text:
        doc[f"text_{lang}"] = text
    if text or summary:
        doc["body"] = compress(text or summary)
    return {k: v for k, v in doc.items() if v not in ("", None)}
