"""Citations of statements: Highwire Press meta tags, CSL-JSON, RIS and BibTeX.

A :class:`Citation` holds what a reference manager needs of one statement, taken from the
record as the pages read it (issuers as institutional authors, the release date at the
precision it is known — a day is never invented —, language, summary, URI) and the
archive's name as publisher and archive. Each writer turns citations into one format;
:data:`TYPES` maps our statement types to the CSL, RIS and Zotero types they are (the table
and its reasons are in docs/researchers.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app

from archive.dates import DateError, parse_date
from archive.reads import Reads
from archive.record import Record

ARCHIVE_NAME = "Human Rights Statements Archive"


@dataclass(frozen=True)
class Kind:
    """What one statement type is in each citation vocabulary."""

    csl: str  # CSL 1.0.2 item type
    ris: str  # RIS TY reference type
    zotero: str  # Zotero item type (read from DC.type by Zotero's Embedded Metadata)


DOCUMENT = Kind("document", "GEN", "document")
REPORT = Kind("report", "RPRT", "report")
#: Statement type (the thesaurus's English label) → its citation types; others: DOCUMENT.
TYPES: dict[str, Kind] = {
    "statement": REPORT, "press statement": REPORT, "joint statement": REPORT,
    "communiqué": REPORT, "report": REPORT, "position paper": REPORT, "submission": REPORT,
    "speech": Kind("speech", "GEN", "presentation"),
    "interview": Kind("interview", "GEN", "interview"),
    "op-ed": Kind("article-newspaper", "NEWS", "newspaperArticle"),
    "blog post": Kind("post-weblog", "BLOG", "blogPost"),
    "social media post": Kind("post", "ICOMM", "forumPost"),
    "declaration": DOCUMENT, "resolution": DOCUMENT, "open letter": DOCUMENT,
    "letter": DOCUMENT, "appeal": DOCUMENT, "petition": DOCUMENT, "call to action": DOCUMENT,
}
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Citation:
    """One statement as a reference: every text as stored, dates as (year[, month[, day]])."""

    key: str
    uri: str
    title: str
    authors: tuple[str, ...]
    issued: tuple[int, ...]
    language: str
    publisher: str
    accessed: date
    type: str | None = None
    summary: str | None = None
    topics: tuple[str, ...] = field(default_factory=tuple)

    @property
    def kind(self) -> Kind:
        return TYPES.get(self.type or "", DOCUMENT)

    @property
    def genre(self) -> str | None:
        """The statement type for readers ("Press statement"), as CSL ``genre``."""
        return self.type[:1].upper() + self.type[1:] if self.type else None


def date_parts(iso: str) -> tuple[int, ...]:
    """``"2018"``, ``"2018-06"`` or ``"2018-06-22"`` as (2018,), (2018, 6), (2018, 6, 22);
    an uncertain (EDTF) date as what its earliest and latest days share ("2018-06~":
    (2018, 6)), at least a year."""
    if not iso or re.fullmatch(r"\d{4}(-\d{2}){0,2}", iso):
        return tuple(int(part) for part in iso.split("-")) if iso else ()
    try:
        uncertain = parse_date(iso)
    except DateError:
        return ()
    shared = uncertain.shared_iso()
    return tuple(int(part) for part in shared.split("-")) if shared else (uncertain.year,)


def citation(record: Record, issued_iso: str, uri: str, *, publisher: str = ARCHIVE_NAME,
             accessed: date | None = None) -> Citation:
    """The citation of a current record (``issued_iso``: its stored date, at its precision)."""
    return Citation(
        key=record.id or uri.rstrip("/").rsplit("/", 1)[-1], uri=uri,
        title=record.title_text(), authors=tuple(agent.name for agent in record.issuers),
        issued=date_parts(issued_iso), language=record.language, publisher=publisher,
        accessed=accessed or date.today(), type=record.type, summary=record.summary,
        topics=tuple(record.topics))


def one_line(text: str) -> str:
    """Text with every run of whitespace (line breaks included) as one space."""
    return _SPACE.sub(" ", text).strip()


# Highwire Press and Dublin Core meta tags ------------------------------------------------

def meta_tags(item: Citation) -> list[tuple[str, str]]:
    """(name, content) of the ``<meta>`` tags Zotero and Google Scholar read, in order.

    Highwire dates are "YYYY/MM/DD", "YYYY/MM" or "YYYY"; ``DC.type`` is a Zotero item type,
    which Zotero's Embedded Metadata translator takes as the item's type.
    """
    slashed = "/".join(f"{part:02d}" if i else str(part) for i, part in enumerate(item.issued))
    tags = [("citation_title", one_line(item.title))]
    tags += [("citation_author", one_line(name)) for name in item.authors]
    tags += [("citation_publication_date", slashed), ("citation_date", slashed),
             ("citation_language", item.language), ("citation_publisher", item.publisher),
             ("citation_public_url", item.uri), ("citation_abstract_html_url", item.uri)]
    if item.summary:
        tags.append(("citation_abstract", one_line(item.summary)))
    tags += [("citation_keywords", topic) for topic in item.topics]
    tags += [("DC.title", one_line(item.title))]
    tags += [("DC.creator", one_line(name)) for name in item.authors]
    tags += [("DC.date", iso_date(item.issued)), ("DC.type", item.kind.zotero),
             ("DC.language", item.language), ("DC.publisher", item.publisher),
             ("DC.identifier", item.uri)]
    if item.summary:
        tags.append(("DC.description", one_line(item.summary)))
    return tags


def iso_date(parts: tuple[int, ...]) -> str:
    return "-".join(f"{part:02d}" if i else f"{part:04d}" for i, part in enumerate(parts))


# CSL-JSON --------------------------------------------------------------------------------

def csl_item(item: Citation) -> dict[str, object]:
    """The CSL-JSON item (CSL 1.0.2 schema): authors as literal names, partial dates kept."""
    data: dict[str, object] = {
        "id": item.key, "type": item.kind.csl, "title": item.title,
        "author": [{"literal": name} for name in item.authors],
        "issued": {"date-parts": [list(item.issued)]}, "genre": item.genre,
        "language": item.language, "URL": item.uri, "publisher": item.publisher,
        "archive": item.publisher, "source": item.publisher, "abstract": item.summary,
        "keyword": ", ".join(item.topics) or None,
        "accessed": {"date-parts": [[item.accessed.year, item.accessed.month,
                                     item.accessed.day]]},
    }
    return {k: v for k, v in data.items() if v not in (None, "", [])}


def csl_json(items: Iterable[Citation]) -> str:
    """A CSL-JSON document: an array of items."""
    return json.dumps([csl_item(item) for item in items], ensure_ascii=False, indent=2) + "\n"


# RIS -------------------------------------------------------------------------------------

def ris_entry(item: Citation) -> list[str]:
    """One RIS reference: ``TAG  - value`` lines, every value on one line."""
    def tag(name: str, value: str) -> str:
        return f"{name}  - {one_line(value)}"

    parts = [*item.issued, None, None][:3]
    lines = [tag("TY", item.kind.ris), tag("ID", item.key), tag("TI", item.title)]
    lines += [tag("AU", name) for name in item.authors]
    lines += [tag("PY", str(item.issued[0])),
              tag("DA", "/".join("" if p is None else f"{p:02d}" if i else str(p)
                                 for i, p in enumerate(parts)) + "/")]
    if item.genre:
        lines.append(tag("M3", item.genre))
    lines += [tag("LA", item.language), tag("PB", item.publisher), tag("DB", item.publisher),
              tag("UR", item.uri), tag("Y2", item.accessed.strftime("%Y/%m/%d"))]
    if item.summary:
        lines.append(tag("AB", item.summary))
    lines += [tag("KW", topic) for topic in item.topics]
    return [*lines, "ER  - "]


def ris(items: Iterable[Citation]) -> str:
    """A RIS file (CRLF line ends, as the format was defined)."""
    lines: list[str] = []
    for item in items:
        lines += [*ris_entry(item), ""]
    return "\r\n".join(lines)


# BibTeX ----------------------------------------------------------------------------------

_BIBTEX_SPECIALS = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}",
                    "}": r"\textbraceright{}", "%": r"\%", "&": r"\&", "#": r"\#",
                    "_": r"\_", "$": r"\$", "~": r"\textasciitilde{}",
                    "^": r"\textasciicircum{}"}
_BIBTEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _BIBTEX_SPECIALS))
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex_text(text: str) -> str:
    """A field value's text: LaTeX specials escaped (braces as commands, so that every
    value's braces stay balanced), whitespace on one line, other characters kept (UTF-8)."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_SPECIALS[m.group()], one_line(text))


def bibtex_entry(item: Citation) -> str:
    """One entry: ``@techreport`` for reports, else ``@misc``; each issuer braced as one
    name; ``date`` (BibLaTeX) at the known precision, ``year``/``month`` for BibTeX."""
    report = item.kind.csl == "report"
    fields: list[tuple[str, str]] = [
        ("author", " and ".join("{" + bibtex_text(name) + "}" for name in item.authors)),
        ("title", "{" + bibtex_text(item.title) + "}"),
        ("year", str(item.issued[0])),
    ]
    if len(item.issued) > 1:
        fields.append(("month", MONTHS[item.issued[1] - 1]))
    fields.append(("date", iso_date(item.issued)))
    if item.genre:
        fields.append(("type" if report else "howpublished", bibtex_text(item.genre)))
    if report:
        fields.append(("institution", " and ".join(bibtex_text(n) for n in item.authors)))
    fields += [("publisher", bibtex_text(item.publisher)), ("language", item.language),
               ("url", item.uri), ("urldate", item.accessed.isoformat())]
    if item.summary:
        fields.append(("abstract", bibtex_text(item.summary)))
    if item.topics:
        fields.append(("keywords", bibtex_text(", ".join(item.topics))))
    body = ",\n".join(f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
                      for name, value in fields)
    return f"@{'techreport' if report else 'misc'}{{{item.key},\n{body}\n}}\n"


def bibtex(items: Iterable[Citation]) -> str:
    """A .bib file, one entry per citation, keys as given (record ids: stable, unique)."""
    return "\n".join(bibtex_entry(item) for item in items)


#: Format key → writer of a list of citations.
WRITERS = {"csl": csl_json, "ris": ris, "bib": bibtex}
#: Format key → file name extension of a download.
EXTENSIONS = {"csl": "json", "ris": "ris", "bib": "bib"}


# Reading ---------------------------------------------------------------------------------

def archive_name() -> str:
    """The archive's name, as publisher and archive of every citation (``VOID_TITLE``)."""
    return str(current_app.config["VOID_TITLE"])


def texts(item: Citation) -> dict[str, str]:
    """Format key → the body of one statement's citation in that format."""
    return {key: write([item]) for key, write in WRITERS.items()}


def hit_citations(reads: Reads, hits: Iterable[dict[str, Any]], batch: int = 500
                  ) -> Iterator[Citation]:
    """The citations of search hits, in their order: each record read as
    :meth:`archive.reads.Reads.records` gives current ones (a record deleted since the index
    saw it is left out), its date the indexed one (the stored date, at its precision)."""
    publisher, today = archive_name(), date.today()
    pending: list[dict[str, Any]] = []

    def flush() -> Iterator[Citation]:
        records = reads.records(hit["id"] for hit in pending)
        for hit in pending:
            if hit["id"] in records:
                yield citation(records[hit["id"]], hit["date"],
                               str(reads.uris.statement(hit["id"])), publisher=publisher,
                               accessed=today)
        pending.clear()

    for hit in hits:
        pending.append(hit)
        if len(pending) == batch:
            yield from flush()
    yield from flush()
