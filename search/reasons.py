"""Why a result matched when its snippet shows nothing: "cites CEDAW", "issuer: …".

A statement can match on its metadata alone (its issuer, events, treaties, topics, type,
places or title); its text then has no word to mark. The query's terms per field (see
:class:`search.searching.QueryTerms`) are compared with the stored display values, each
analyzed as its field is, so ``issuer:amnesty`` names the issuer it matched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from whoosh.fields import Schema

#: What a result line says per kind of value, and the index fields whose terms reach it
#: ("meta" is the unfielded search over every name).
KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("issuer", "issuer", ("issuer_text", "meta")),
    ("events", "event", ("event_text", "meta")),
    ("topics", "topic", ("topic_text", "meta")),
    ("type", "type", ("type_text", "meta")),
    ("places", "place", ("place_text", "meta")),
)


def _values(display: dict[str, Any], key: str) -> list[str]:
    value = display.get(key)
    if key == "issuer":
        return [v for v in str(value or "").split("; ") if v]
    if isinstance(value, str):
        return [value] if value else []
    return list(value or [])


def _has_phrase(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    size = len(phrase)
    return any(tuple(tokens[i:i + size]) == tuple(phrase)
               for i in range(len(tokens) - size + 1))


def _matches(value: str, analyzer: Any, words: set[str],
             phrases: Iterable[tuple[str, ...]]) -> bool:
    tokens = [t.text for t in analyzer(value, mode="query")]
    return bool(words.intersection(tokens)) or any(_has_phrase(tokens, p) for p in phrases)


def reasons(display: dict[str, Any], schema: Schema, words: dict[str, set[str]],
            phrases: dict[str, set[tuple[str, ...]]], treaties: set[str],
            title_field: str, labels: Callable[[str, str], list[str]]) -> list[str]:
    """What of the statement's metadata the query matched, in words; ``labels(key,
    value)`` gives every label a value is indexed under (a topic's synonyms)."""
    found = [f"cites {n}" for n in display.get("treaties", []) if n in treaties]
    exact = {"topics": words.get("topic", set()), "type": words.get("type", set())}
    for key, label, fields in KINDS:
        field_words = set().union(*(words.get(f, set()) for f in fields))
        field_phrases = set().union(*(phrases.get(f, set()) for f in fields))
        analyzer = schema[fields[0]].analyzer
        for value in _values(display, key):
            if value in exact.get(key, ()) or any(
                    _matches(name, analyzer, field_words, field_phrases)
                    for name in labels(key, value)):
                found.append(f"{label}: {value}")
    title = display.get("title", "")
    if title_field in schema and _matches(title, schema[title_field].analyzer,
                                          words.get(title_field, set()),
                                          phrases.get(title_field, set())):
        found.append("in the title")
    return list(dict.fromkeys(found))
