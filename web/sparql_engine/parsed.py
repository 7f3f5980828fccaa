"""What the endpoint must know of a query, read from its parse by a SPARQL 1.1 grammar.

Every decision that keeps the endpoint safe is taken here, on the parse tree of rdflib's
SPARQL grammar, never on tokens: whether the request is an update, whether it calls
SERVICE, which function IRIs it calls, its form, its FROM / FROM NAMED clauses and its
``ra:matches`` patterns. The text parsed is the very text the engine evaluates:

- Codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``) are decoded first, before any parsing,
  as SPARQL 1.1 §19.2 says (a backslash followed by another character is kept as a pair,
  as in Oxigraph's own decoder), and the decoded text is what both parsers and the engine
  get, so the engine never reads an escape the check did not. (pyoxigraph 0.5 reads
  escapes inside strings and IRIs instead: ``"x\\u0022 …"`` was one string to it but
  ends at the quote here, and to the spec.) A text that would decode again
  (``\\u005Cu0041``) is refused: the two readings could differ.
- rdflib's own escape decoding is bypassed (it ignores ``\\U`` and the pairing rule) by
  parsing with its grammar directly, and its SERVICE production is made to stop the parse
  at once (rdflib looks for the SERVICE text again with a regular expression that fails
  after a ``#`` inside an IRI).

A parse that fails here refuses the query (400), even where the engine might have read it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from types import MethodType
from typing import Any
from urllib.parse import urljoin

from pyparsing import ParseBaseException
from rdflib.plugins.sparql import parser as grammar
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

RA_MATCHES = "https://w3id.org/rights-archive/vocab#matches"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: rdflib's grammar recurses once per triple pattern (about 10 frames each).
RECURSION_LIMIT = 100_000
FORMS = {"SelectQuery": "select", "AskQuery": "ask", "ConstructQuery": "construct",
         "DescribeQuery": "describe"}
SERVICE_REFUSED = ("federated queries (SERVICE) are not allowed on this endpoint: the "
                   "server does not fetch other addresses")


class Refused(Exception):
    """A query the endpoint will not run: its HTTP status and a plain message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _ServiceFound(Exception):
    """Raised by the SERVICE production as soon as it matched (see the module)."""


@dataclass
class Parsed:
    """A query as read: the decoded text and what the endpoint needs to know of it."""

    text: str
    form: str
    prefixes: dict[str, str]
    base: str
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    matches: int = 0  # ra:matches patterns

    @property
    def has_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def decode_escapes(text: str) -> str:
    """``text`` with its ``\\u``/``\\U`` codepoint escapes decoded as Oxigraph decodes them:
    a backslash followed by anything else is kept with that character (so ``\\\\u0041``
    stays), and an escape that names no character (a surrogate) is kept as written."""
    if "\\u" not in text and "\\U" not in text:
        return text
    out: list[str] = []
    i, size = 0, len(text)
    while i < size:
        char = text[i]
        if char != "\\" or i + 1 >= size:
            out.append(char)
            i += 1
            continue
        kind = text[i + 1]
        width = 4 if kind == "u" else 8 if kind == "U" else 0
        digits = text[i + 2:i + 2 + width]
        if width and len(digits) == width and all(c in "0123456789abcdefABCDEF" for c in digits):
            point = int(digits, 16)
            if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF:
                out.append(chr(point))
                i += 2 + width
                continue
        out.append(text[i:i + 2])  # the pair, its second character not read again
        i += 2
    return "".join(out)


#: Parses a worker keeps, by query text (at most 64 KiB each): clients repeat queries,
#: and a parse costs 5–13 ms for a typical one, more than many evaluations.
PARSES_KEPT = 256


def parse(query: str, prefixes: dict[str, str], base: str) -> Parsed:
    """Read ``query`` (see the module); raise :class:`Refused` for what is not run, and
    SyntaxError for what does not parse. A query read before is not parsed again (a
    refusal is: only what runs is kept)."""
    kept = _read(query, tuple(sorted(prefixes.items())), base)
    return replace(kept, prefixes=dict(kept.prefixes), default_graphs=[*kept.default_graphs],
                   named_graphs=[*kept.named_graphs])


@lru_cache(maxsize=PARSES_KEPT)
def _read(query: str, prefix_items: tuple[tuple[str, str], ...], base: str) -> Parsed:
    prefixes = dict(prefix_items)
    text = decode_escapes(query)
    if decode_escapes(text) != text:
        raise Refused(400, "the query spells a codepoint escape with escapes (such as "
                      "\\u005Cu0041); write the character or one escape instead")
    tree = _parse_tree(text)
    prologue, body = tree[0], tree[1]
    declared, query_base = dict(prefixes), base
    for decl in prologue:
        if decl.name == "Base":
            query_base = urljoin(query_base, str(decl.iri))
        elif decl.name == "PrefixDecl":
            declared[_get(decl, "prefix") or ""] = urljoin(query_base, str(decl.iri))
    resolve = _Resolver(declared, query_base)
    for node in _nodes(body):
        if node.name == "ServiceGraphPattern":
            raise Refused(400, SERVICE_REFUSED)
        function = resolve(_get(node, "iri")) if node.name == "Function" else XSD
        if not function.startswith(XSD):
            raise Refused(400, f"the function <{function}> is not available here: only "
                          "the SPARQL built-ins and XSD casts are")
    parsed = Parsed(text, FORMS[body.name], declared, query_base)
    for clause in _get(body, "datasetClause") or []:
        if "named" in clause:
            parsed.named_graphs.append(resolve(clause["named"]))
        else:
            parsed.default_graphs.append(resolve(clause["default"]))
    parsed.matches = sum(1 for term in _terms(body) if resolve(term) == RA_MATCHES)
    return parsed


def _parse_tree(text: str) -> Any:
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    try:
        return grammar.Query.parse_string(text, parse_all=True)
    except _ServiceFound:
        raise Refused(400, SERVICE_REFUSED) from None
    except ParseBaseException as error:
        if _is_update(text):
            raise Refused(403, "this endpoint is read-only: updates (INSERT, DELETE, LOAD, "
                          "CLEAR, DROP, CREATE, ADD, MOVE, COPY) are refused and nothing "
                          "changed") from None
        raise SyntaxError(f"error at {error.lineno}:{error.col}: {error.msg}") from None
    except RecursionError:
        raise Refused(400, "the query nests too deeply to be read") from None


def _is_update(text: str) -> bool:
    try:
        grammar.UpdateUnit.parse_string(text, parse_all=True)
    except _ServiceFound:
        return True
    except (ParseBaseException, RecursionError):
        return False
    return True


class _Resolver:
    """The IRI of a parsed IRI term: a prefixed name expanded, a relative IRI resolved."""

    def __init__(self, prefixes: dict[str, str], base: str) -> None:
        self.prefixes, self.base = prefixes, base

    def __call__(self, term: Any) -> str:
        if isinstance(term, CompValue) and term.name == "pname":
            prefix = _get(term, "prefix") or ""
            if prefix not in self.prefixes:
                raise SyntaxError(f"the prefix {prefix}: is not declared")
            return self.prefixes[prefix] + (_get(term, "localname") or "")
        if isinstance(term, URIRef):
            return urljoin(self.base, str(term))
        return ""


def _get(node: CompValue, key: str) -> Any:
    """A node's part, or None (``CompValue.get`` answers the key itself when missing)."""
    return dict.get(node, key)


def _children(value: Any) -> Iterator[Any]:
    if isinstance(value, CompValue):
        yield from value.values()
    elif isinstance(value, list | tuple) or hasattr(value, "as_list"):
        yield from value


def _nodes(value: Any) -> Iterator[CompValue]:
    """Every grammar node under ``value`` (iteratively: parse trees can be deep)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
        stack.extend(_children(item))


def _terms(value: Any) -> Iterator[Any]:
    """Every IRI or prefixed name under ``value``."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, URIRef) or (isinstance(item, CompValue) and item.name == "pname"):
            yield item
        else:
            stack.extend(_children(item))


def _stop_at_service(self: Any, instring: str, loc: int, tokens: Any) -> Any:
    raise _ServiceFound


# rdflib's SERVICE production: refused at once (see the module).
grammar.ServiceGraphPattern.postParse = MethodType(_stop_at_service, grammar.ServiceGraphPattern)
