"""Every URI the archive mints, built in one place from the configured base.

Things live under ``{base}{kind}/{id}``; each statement is also the name of its graph.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from rdflib import URIRef

from vocab import RA

#: Kinds of things with their own pages, in the order the contract lists them.
THING_KINDS = ("statements", "issuers", "events", "treaties", "topics", "places", "types",
               "issuer-kinds")
#: Kinds of shared resources, each a graph of its own (a record's graph includes theirs).
RESOURCE_KINDS = ("issuers", "events", "places")
#: Kinds of thesaurus concepts (described in the vocabulary, not in graphs of their own).
CONCEPT_KINDS = ("treaties", "topics", "types", "issuer-kinds")
#: Kind of thing → the predicate by which statements link to it.
LINKS: dict[str, URIRef] = {
    "issuers": RA.issuer, "events": RA.respondsTo, "treaties": RA.references,
    "topics": RA.topic, "places": RA.place, "types": RA.statementType,
}


class Uris:
    """URI builder and parser for one base URI (which ends with a slash)."""

    def __init__(self, base: str) -> None:
        if not base.endswith("/"):
            base += "/"
        self.base = base

    def thing(self, kind: str, slug: str) -> URIRef:
        return URIRef(f"{self.base}{kind}/{slug}")

    def statement(self, record_id: str) -> URIRef:
        return self.thing("statements", record_id)

    def history(self, record_id: str) -> URIRef:
        """The graph holding a statement's versions (never dropped)."""
        return URIRef(f"{self.base}history/{record_id}")

    def version(self, record_id: str, number: int) -> URIRef:
        return URIRef(f"{self.base}statements/{record_id}/versions/{number}")

    @property
    def changes(self) -> URIRef:
        """The graph of the change log."""
        return URIRef(f"{self.base}changes")

    def change(self, sequence: int) -> URIRef:
        return URIRef(f"{self.base}changes/{sequence}")

    def scheme(self, name: str) -> URIRef:
        return URIRef(f"{self.base}vocab/{name}")

    def agent(self, name: str) -> URIRef:
        """The PROV agent (account or token owner) a change is attributed to."""
        return URIRef(f"{self.base}agents/{quote(name, safe='')}")

    def agent_name(self, uri: str) -> str:
        """The name in an agent URI (the inverse of :meth:`agent`)."""
        return unquote(str(uri).rsplit("/", 1)[-1])

    def split(self, uri: str) -> tuple[str, str] | None:
        """``(kind, id)`` for a thing URI under this base, else None."""
        if not uri.startswith(self.base):
            return None
        kind, _, slug = uri[len(self.base):].partition("/")
        if kind not in THING_KINDS or not slug or "/" in slug:
            return None
        return kind, slug

    def record_id(self, uri: str) -> str | None:
        """The id of a statement URI under this base, else None."""
        parts = self.split(uri)
        return parts[1] if parts and parts[0] == "statements" else None
