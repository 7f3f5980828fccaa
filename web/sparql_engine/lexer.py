"""Rewrites of a query's text, found by a token-level scan (comments, strings and IRIs are
skipped whole): the dataset clauses taken out as a list of graphs for a remote engine, and
the full-text pattern ``?s ra:matches "text" .`` rewritten into VALUES.

Nothing is decided here: what a query is and may do is read from its parse
(:mod:`web.sparql_engine.parsed`), which also checks every rewrite made here (the count of
``ra:matches`` patterns before, none after; the graphs taken out, none left). The scan runs
on the text after its codepoint escapes were decoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

RA = "https://w3id.org/rights-archive/vocab#"

#: Prefixes every query may use without declaring them.
PREFIXES: dict[str, str] = {
    "ra": RA,
    "dcterms": "http://purl.org/dc/terms/",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
}

_STRING = (r'"""(?:[^"\\]|\\.|"(?!""))*"""|' r"'''(?:[^'\\]|\\.|'(?!''))*'''|"
           r'"(?:[^"\\\n]|\\.)*"|' r"'(?:[^'\\\n]|\\.)*'")
_IRI = r'<[^<>"{}|^`\\\s]*>'
_PNAME = r"[A-Za-z][\w.-]*?:[\w.-]*|:[\w.-]*"
_TOKEN = re.compile(
    r"(?P<ws>\s+)|(?P<comment>#[^\n]*)|(?P<string>" + _STRING + r")|(?P<iri>" + _IRI + r")"
    r"|(?P<var>[?$]\w+)|(?P<pname>" + _PNAME + r")|(?P<word>[A-Za-z_]\w*)|(?P<other>.)",
    re.DOTALL)
_PREFIX_DECL = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


def tokens(query: str) -> list[Token]:
    """The significant tokens of ``query`` (whitespace and comments dropped)."""
    found = []
    for match in _TOKEN.finditer(query):
        kind = match.lastgroup or "other"
        if kind not in ("ws", "comment"):
            found.append(Token(kind, match.group(), match.start(), match.end()))
    return found


def prefixes_of(query: str) -> dict[str, str]:
    """The predeclared prefixes overridden by the query's own PREFIX declarations."""
    declared = dict(PREFIXES)
    for name, iri in _PREFIX_DECL.findall(query):
        declared[name] = iri
    return declared


def dataset_clauses(query: str, base: str) -> tuple[str, list[str], list[str]]:
    """The query without its FROM and FROM NAMED clauses, and their graph IRIs (resolved
    against the query's BASE, else ``base``): ``(query, default graphs, named graphs)``."""
    prefixes = prefixes_of(query)
    found = tokens(query)
    default: list[str] = []
    named: list[str] = []
    spans: list[tuple[int, int]] = []
    for i, token in enumerate(found):
        word = token.text.lower() if token.kind == "word" else ""
        if word == "base" and i + 1 < len(found) and found[i + 1].kind == "iri":
            base = urljoin(base, found[i + 1].text[1:-1])
        if word != "from":
            continue
        is_named = i + 1 < len(found) and found[i + 1].text.lower() == "named"
        name = found[i + 2 if is_named else i + 1] if i + (2 if is_named else 1) < len(
            found) else None
        if name is None or name.kind not in ("iri", "pname"):
            continue
        if name.kind == "iri":
            iri = urljoin(base, name.text[1:-1])
        else:
            prefix, _, local = name.text.partition(":")
            iri = prefixes.get(prefix, "") + local
        (named if is_named else default).append(iri)
        spans.append((token.start, name.end))
    pieces, cursor = [], 0
    for start, end in spans:
        pieces += [query[cursor:start], " "]
        cursor = end
    return "".join([*pieces, query[cursor:]]), default, named


def _is_matches(token: Token, prefixes: dict[str, str]) -> bool:
    if token.kind == "iri":
        return token.text[1:-1] == RA + "matches"
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        return local == "matches" and prefixes.get(prefix) == RA
    return False


class MatchesMisplaced(ValueError):
    """``ra:matches`` used other than as ``?var ra:matches "text" .``."""


def rewrite_matches(query: str, lookup: Callable[[str], list[str]]) -> tuple[str, list[str]]:
    """Replace each ``?s ra:matches "text" .`` by ``VALUES ?s { <uri> … }``.

    ``lookup`` answers a full-text query with statement URIs (the /search index). Returns
    the new query and the texts looked up.
    """
    prefixes = prefixes_of(query)
    found = tokens(query)
    pieces, cursor, texts = [], 0, []
    for i, token in enumerate(found):
        if not _is_matches(token, prefixes):
            continue
        subject = found[i - 1] if i else None
        literal = found[i + 1] if i + 1 < len(found) else None
        after = found[i + 2] if i + 2 < len(found) else None
        if (subject is None or subject.kind != "var" or literal is None
                or literal.kind != "string" or after is None or after.text not in ".}"):
            raise MatchesMisplaced(
                "ra:matches must be written as its own triple pattern, a variable and a "
                'string: ?statement ra:matches "withdrawal AND council" .')
        text = _unquote(literal.text)
        texts.append(text)
        values = " ".join(f"<{uri}>" for uri in lookup(text))
        end = after.end if after.text == "." else literal.end
        pieces += [query[cursor:subject.start], f"VALUES {subject.text} {{ {values} }}"]
        cursor = end
    pieces.append(query[cursor:])
    return "".join(pieces), texts


def _unquote(literal: str) -> str:
    quote = 3 if literal[:3] in ('"""', "'''") else 1
    body = literal[quote:-quote]
    escapes = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'",
               "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


def safe_iri(iri: str) -> bool:
    """Whether ``iri`` can be written between angle brackets as it is (SPARQL IRIREF)."""
    return not re.search(r'[<>"{}|^`\\\s]', iri)
