"""Reading files into records: JSON, JSON Lines, CSV and RDF (Turtle, JSON-LD, N-Quads, …).

Each file is read whole before anything is stored: a syntax error anywhere refuses the file
with its line and position, and the records then go through the one write path together,
so a file is imported all or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS

from archive import settings
from archive.csv_columns import in_csv_terms, read_csv
from archive.errors import BadInput, Problem
from archive.gunzip import gunzip_file
from archive.rdf_guards import DocumentLoadRefused, refuse_doctype
from archive.writes import Payload, Progress, Saved
from vocab import RA

if TYPE_CHECKING:
    from archive.core import Archive

#: File suffix → reader format.
FORMATS = {
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
    ".ttl": "turtle", ".jsonld": "json-ld", ".nq": "nquads", ".trig": "trig",
    ".nt": "nt", ".rdf": "xml", ".owl": "xml",
}
RDF_FORMATS = {"turtle", "json-ld", "nquads", "trig", "nt", "xml"}
#: Properties the record model maps; anything else on a statement would be lost.
STATEMENT_PROPERTIES = {
    RDF.type, DCTERMS.identifier, DCTERMS.title, DCTERMS.issued, DCTERMS.language,
    DCTERMS.abstract, DCTERMS.source, RA.text, RA.dateAsWritten, RA.statementType,
    RA.references, RA.topic, RA.issuer, RA.respondsTo, RA.place, RA.seeAlso,
    RA.publicationStatus, RA.accessLevel, RA.embargoedUntil,
}
#: Properties the archive itself keeps (the version pointer, an uncertain date's earliest and
#: latest days): the archive sets them anew.
ARCHIVE_MANAGED = {RA.currentVersion, RA.earliestDate, RA.latestDate}


def format_of(name: str) -> str:
    """The reader format for a file name (``.gz`` allowed), or BadInput."""
    suffixes = [s.lower() for s in Path(name).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise BadInput(f"'{name}' is not a file type the archive reads; use one of "
                       f"{', '.join(sorted(FORMATS))} (optionally gzip-compressed)")
    return fmt


def read_file(path: Path, archive: Archive, *, name: str | None = None,
              max_decompressed: int | None = None) -> list[Payload]:
    """The records in a file, or BadInput naming the line and position of a syntax error.

    A ``.gz`` file is unpacked to at most ``max_decompressed`` bytes (default: the setting,
    :func:`archive.settings.max_decompressed`); ``name`` is the file's name in messages."""
    name = name or path.name
    fmt = format_of(name)
    if name.lower().endswith(".gz"):
        raw = gunzip_file(path, settings.max_decompressed(max_decompressed), name)
    else:
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise BadInput(f"cannot read {path}: {error.strerror}") from None
    return read_bytes(raw, fmt, archive, name)


def read_bytes(data: bytes, fmt: str, archive: Archive, name: str = "input") -> list[Payload]:
    """The records in ``data`` read as ``fmt`` (see :data:`FORMATS`)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadInput(f"{name} is not UTF-8 text (byte {error.start})") from None
    if fmt == "json":
        return _read_json(text, name)
    if fmt == "jsonl":
        return _read_jsonl(text, name)
    if fmt == "csv":
        return _read_csv(text, name)
    if fmt in RDF_FORMATS:
        return _read_rdf(text, fmt, archive, name)
    raise BadInput(f"unknown format '{fmt}'")


def _read_json(text: str, name: str) -> list[Payload]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput([Problem(f"malformed JSON: {error.msg} (column {error.colno})",
                                line=error.lineno)], name) from None
    items = data if isinstance(data, list) else [data]
    return [Payload(item) for item in items]


def _read_jsonl(text: str, name: str) -> list[Payload]:
    payloads, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            payloads.append(Payload(json.loads(line), number))
        except json.JSONDecodeError as error:
            problems.append(Problem(f"malformed JSON: {error.msg} (column {error.colno})",
                                    line=number))
    if problems:
        raise BadInput(problems, name)
    return payloads


def _read_csv(text: str, name: str) -> list[Payload]:
    """Rows as records; the columns are mapped in :mod:`archive.csv_columns`."""
    return [Payload(record, line) for record, line in read_csv(text, name)]


def _read_rdf(text: str, fmt: str, archive: Archive, name: str) -> list[Payload]:
    if fmt == "json-ld":
        _check_json(text, name)
    if fmt == "xml":
        refuse_doctype(text, name)
    dataset = Dataset()
    try:
        if fmt in ("nquads", "trig"):
            dataset.parse(data=text, format=fmt)
        else:
            dataset.default_graph.parse(data=text, format=fmt, publicID=archive.base)
    except DocumentLoadRefused as refused:
        raise BadInput(str(refused), name) from None
    except Exception as error:  # rdflib raises many parser-specific types
        raise BadInput(f"malformed {fmt.upper()}: {_parser_message(error)}", name) from None
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    statements = sorted(s for s in graph.subjects(RDF.type, RA.Statement)
                        if isinstance(s, URIRef))
    if not statements:
        raise BadInput(f"{name} describes no statement (nothing typed {RA.Statement})")
    problems: list[Problem] = []
    payloads = []
    for subject in statements:
        label = str(graph.value(subject, DCTERMS.identifier) or subject)
        for predicate in sorted(set(graph.predicates(subject)) - STATEMENT_PROPERTIES
                                - ARCHIVE_MANAGED):
            problems.append(Problem(f"property <{predicate}> is not part of the record model "
                                    "and would be lost", label))
        record = archive.mapper.from_rdf(graph, subject)
        payloads.append(Payload(record.to_json()))
    if problems:
        raise BadInput(problems, name)
    return payloads


def _check_json(text: str, name: str) -> None:
    """Malformed JSON is refused with its line and column (rdflib's message has neither)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise BadInput([Problem(f"malformed JSON-LD: {error.msg} (column {error.colno})",
                                line=error.lineno)], name) from None


def _parser_message(error: Exception) -> str:
    text = " ".join(str(error).split())
    return text[:400]


def import_files(archive: Archive, paths: list[Path], *, agent: str,
                 dayfirst: bool | None = None, dry_run: bool = False,
                 progress: Callable[[Path], Progress | None] | None = None,
                 note: str | None = None) -> list[Saved]:
    """Import each file all or nothing; stop at the first refused file (BadInput).
    ``note`` (why) is kept with every version the import makes."""
    saved: list[Saved] = []
    for path in paths:
        try:
            payloads = read_file(path, archive)
            saved += archive.save(payloads, agent=agent, dayfirst=dayfirst, dry_run=dry_run,
                                  source=str(path), note=note,
                                  progress=progress(path) if progress else None)
        except BadInput as error:
            if path.name.lower().removesuffix(".gz").endswith(".csv"):
                error = in_csv_terms(error)
            if dry_run:  # a check: nothing was going to be stored anyway
                error = BadInput(error.problems, error.source, outcome="nothing would be stored")
            raise error from None
    return saved
