"""Media types per result kind, and the serializers of SELECT/ASK results.

SELECT and ASK answers are SPARQL Query Results (JSON, XML, CSV, TSV), written here from
plain term tuples; CONSTRUCT and DESCRIBE answers are RDF, written by pyoxigraph. Terms
travel between processes as tuples: ("uri", v), ("bnode", v), ("literal", v, lang, dt).

Downloads are opened in spreadsheets, so a cell that would start with a formula character
(``=``, ``+``, ``-``, ``@``, tab, CR) is neutralised: in CSV as the search CSV does it
(:func:`web.spreadsheet.safe_cell`, a leading ``'``); in TSV, where every term is written in
Turtle syntax, the first character of such a literal is written as a ``\\uXXXX`` escape,
which spells the same literal for any SPARQL client.

:func:`best_match` reads ``Accept`` as RFC 9110 §12.5.1 says: parameters other than ``q``
(``charset=utf-8``, ``header=present``) do not prevent a match.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

from web.spreadsheet import FORMULA_STARTS, safe_cell

Term = tuple[str, ...]
Row = Sequence[Term | None]

#: SPARQL 1.1 Query Results formats: format= name → media type.
SOLUTION_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
#: RDF formats for CONSTRUCT/DESCRIBE (and the service description).
GRAPH_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "nt": "application/n-triples",
}
#: Other media types clients send, and the format each gets.
ALIASES: dict[str, str] = {
    "application/json": "json", "application/xml": "xml", "text/xml": "xml",
    "application/x-turtle": "ttl", "text/n3": "ttl", "text/plain": "nt",
    "application/x-ntriples": "nt",
}
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def bare(media_type: str) -> str:
    """A media type or range without its parameters, lower case."""
    return media_type.split(";", 1)[0].strip().lower()


def best_match(accepted: Iterable[tuple[str, float]], offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers: highest quality, then the most specific
    range (``text/csv`` before ``text/*`` before ``*/*``), then the order offered; None
    when none is acceptable. ``accepted``: (media range, q) pairs, parameters ignored."""
    ranges = [(bare(value), quality) for value, quality in accepted]
    best: tuple[float, int, int] | None = None
    chosen = None
    for position, media in enumerate(offered):
        kind, _, subtype = media.partition("/")
        found: tuple[int, float] | None = None  # (specificity, quality) of the best range
        for value, quality in ranges:
            range_kind, _, range_subtype = value.partition("/")
            specificity = (2 if (range_kind, range_subtype) == (kind, subtype) else
                           1 if range_kind == kind and range_subtype == "*" else
                           0 if value == "*/*" else -1)
            if specificity >= 0 and (found is None or specificity > found[0]):
                found = (specificity, quality)
        if found is None or found[1] <= 0:
            continue
        rank = (found[1], found[0], -position)
        if best is None or rank > best:
            best, chosen = rank, media
    return chosen


def media_types(kind: str) -> dict[str, str]:
    """The format table for a result kind (``solutions``/``boolean`` or ``graph``)."""
    return GRAPH_TYPES if kind == "graph" else SOLUTION_TYPES


def serialize_solutions(fmt: str, variables: list[str], rows: Iterable[Row]) -> bytes:
    """SELECT results in one of :data:`SOLUTION_TYPES`."""
    writer = {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[fmt]
    return writer(variables, rows).encode("utf-8")


def serialize_boolean(fmt: str, value: bool) -> bytes:
    """ASK results; CSV/TSV carry the bare word (as Jena and Oxigraph do)."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{str(value).lower()}</boolean></sparql>\n").encode()
    return f"{'_askResult' if fmt == 'csv' else '?_askResult'}\n{str(value).lower()}\n".encode()


def _json_term(term: Term) -> dict[str, str]:
    if term[0] != "literal":
        return {"type": term[0], "value": term[1]}
    out = {"type": "literal", "value": term[1]}
    if term[2]:
        out["xml:lang"] = term[2]
    elif term[3] and term[3] != XSD_STRING:
        out["datatype"] = term[3]
    return out


def _json(variables: list[str], rows: Iterable[Row]) -> str:
    bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
                for row in rows]
    return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False)


def _xml_term(term: Term) -> str:
    if term[0] == "uri":
        return f"<uri>{escape(term[1])}</uri>"
    if term[0] == "bnode":
        return f"<bnode>{escape(term[1])}</bnode>"
    attribute = (f" xml:lang={quoteattr(term[2])}" if term[2] else
                 f" datatype={quoteattr(term[3])}" if term[3] and term[3] != XSD_STRING else "")
    return f"<literal{attribute}>{escape(term[1])}</literal>"


def _xml(variables: list[str], rows: Iterable[Row]) -> str:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
           "<head>", *(f"<variable name={quoteattr(v)}/>" for v in variables), "</head>",
           "<results>"]
    for row in rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(variables, row, strict=True) if t is not None]
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "\n".join(out)


def _csv(variables: list[str], rows: Iterable[Row]) -> str:
    # SPARQL 1.1 CSV/TSV §2: CSV drops types; blank nodes keep their _: label.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(variables)
    for row in rows:
        writer.writerow(["" if t is None else f"_:{t[1]}" if t[0] == "bnode" else
                         safe_cell(t[1]) for t in row])
    return buffer.getvalue()


def turtle_term(term: Term) -> str:
    """A term in Turtle/N-Triples syntax (TSV results, the HTML table's tooltips)."""
    if term[0] == "uri":
        return f"<{term[1]}>"
    if term[0] == "bnode":
        return f"_:{term[1]}"
    value = (term[1].replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
             .replace("\r", "\\r").replace("\t", "\\t"))
    if value[:1] in FORMULA_STARTS:  # a spreadsheet must not read it as a formula
        value = f"\\u{ord(value[0]):04X}" + value[1:]
    if term[2]:
        return f'"{value}"@{term[2]}'
    if term[3] and term[3] != XSD_STRING:
        return f'"{value}"^^<{term[3]}>'
    return f'"{value}"'


def _tsv(variables: list[str], rows: Iterable[Row]) -> str:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else turtle_term(t) for t in row) for row in rows]
    return "\n".join(lines) + "\n"
