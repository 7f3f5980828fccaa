"""Query answers as a table for the query page: cells with a label and, where useful, a link.

Our own things link to their pages by path (so links stay on the server being browsed);
other http(s) IRIs link out; names are shortened with the endpoint's prefixes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from flask import request

from archive.uris import Uris
from web.sparql_engine.lexer import PREFIXES


@dataclass(frozen=True)
class Cell:
    label: str
    href: str | None = None
    title: str | None = None


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell | None]]
    boolean: bool | None = None


def table_of(reply: dict[str, Any], uris: Uris) -> Table:
    """The table of a worker reply formatted as SPARQL JSON or N-Triples."""
    if reply["kind"] == "graph":
        triples = ox.parse(reply["body"], format=ox.RdfFormat.N_TRIPLES)
        rows = [[_cell(_ox_term(t.subject), uris), _cell(_ox_term(t.predicate), uris),
                 _cell(_ox_term(t.object), uris)] for t in triples]
        return Table(["subject", "predicate", "object"], rows)
    data = json.loads(reply["body"])
    if "boolean" in data:
        return Table([], [], boolean=data["boolean"])
    columns = data["head"]["vars"]
    rows = [[_cell(b[c], uris) if c in b else None for c in columns]
            for b in data["results"]["bindings"]]
    return Table(columns, rows)


def _ox_term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    return out


def _cell(term: dict[str, str], uris: Uris) -> Cell:
    value = term["value"]
    if term["type"] == "bnode":
        return Cell(f"_:{value}")
    if term["type"] != "uri":
        label = value if len(value) <= 300 else value[:300] + "…"
        return Cell(label, title=term.get("xml:lang") or term.get("datatype"))
    parts = uris.split(value)
    if parts:
        return Cell(f"{parts[0]}/{parts[1]}", f"{request.script_root}/{parts[0]}/{parts[1]}", value)
    for name, namespace in PREFIXES.items():
        if value.startswith(namespace) and value != namespace:
            return Cell(f"{name}:{value[len(namespace):]}", None, value)
    href = value if value.startswith(("http://", "https://")) and not value.startswith(
        uris.base) else None
    return Cell(value, href, value)
