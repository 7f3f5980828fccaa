"""Guards for parsing RDF from outside: a file may describe data, never make us reach out.

JSON-LD can name documents to load: a remote ``@context``, an ``@import`` inside a context,
a scoped context on a term or type. rdflib loads every one of them in
``Context._fetch_context`` (over HTTP, or from the disk for ``file:``), with no document
loader to configure, so :func:`install` replaces that method, once per process, with one
that refuses them all before any fetch and with one message whatever the address (nothing
tells whether a file or host exists). The contexts the archive serves are inline in its
documents, and it never needs another.

RDF/XML can declare entities in a DTD; expanding nested ones turns a 1 KB file into
megabytes of text (billion laughs), and external ones name files. :func:`refuse_doctype`
refuses a document type declaration found by expat in the prolog, before rdflib parses.
"""

from __future__ import annotations

import contextlib
from typing import Any
from xml.parsers import expat

from rdflib.plugins.shared.jsonld.context import Context

from archive.errors import BadInput, Problem

LOADING_REFUSED = ("the JSON-LD asks to load the context {address} (through @context or "
                   "@import); the archive does not fetch a remote JSON-LD context, from the "
                   "network or from a file: put the context inline, as an object")


class DocumentLoadRefused(Exception):
    """A JSON-LD parse wanted to load a document; the archive loads none."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(LOADING_REFUSED.format(address=_shown(address)))


def _shown(address: str) -> str:
    text = " ".join(str(address).split())
    return repr(text if len(text) <= 200 else text[:200] + "…")


def _refuse_loading(self: Context, source: str, base: str | None,
                    referenced_contexts: set[str]) -> Any:
    raise DocumentLoadRefused(source)


def install() -> None:
    """Make every JSON-LD parse in this process refuse to load a context (idempotent)."""
    if not callable(getattr(Context, "_fetch_context", None)):  # never guard a dead name
        raise RuntimeError("rdflib's JSON-LD Context no longer loads contexts through "
                           "_fetch_context: archive/rdf_guards.py must find the new hook")
    Context._fetch_context = _refuse_loading  # type: ignore[method-assign]


class _Prolog(Exception):
    """The root element started: the prolog, where a DTD must be, is over."""


def refuse_doctype(text: str, name: str) -> None:
    """BadInput when the XML in ``text`` has a document type declaration (a DTD, and with
    it entity declarations); malformed XML is left to the RDF/XML parser to report."""
    parser = expat.ParserCreate()
    found: list[int] = []

    def doctype(*_: Any) -> None:
        found.append(parser.CurrentLineNumber)
        raise _Prolog

    def element(*_: Any) -> None:
        raise _Prolog

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype  # only inside a DTD, so never reached first
    parser.StartElementHandler = element
    with contextlib.suppress(_Prolog, expat.ExpatError):
        parser.Parse(text, True)
    if found:
        raise BadInput([Problem("the RDF/XML declares a document type (<!DOCTYPE …>); the "
                                "archive refuses DTDs and their entity declarations, which can "
                                "expand a small file into gigabytes of text or name files on "
                                "the server: write the entities out in full",
                                line=found[0])], name)
