"""The fast posting formats index exactly what Whoosh's own formats would."""

from __future__ import annotations

import pytest
from whoosh import formats

from search.formats import FastFrequency, FastPositions
from search.schema import build_schema

TEXTS = [
    "The Council's report on the International Covenant on Civil and Political Rights (ICCPR)"
    " — the the council, CEDAW and the 'CRC'.",
    "La investigación de las investigaciones, las regulaciones sobre tecnología y sociología.",
    "Démocratie, droits de l'homme et ÉGALITÉ: la société civile a été entendue à Genève.",
    "Straße İstanbul ǅemal — a b c d e 1990 2018-06-22 x y",
    "",
]


def _fields():
    schema = build_schema()
    for name in schema.names():
        field = schema[name]
        if isinstance(field.format, FastPositions | FastFrequency):
            yield name, field


@pytest.mark.parametrize("text", TEXTS)
def test_fast_formats_give_whoosh_postings(text: str) -> None:
    checked = 0
    for name, field in _fields():
        plain = formats.Positions if isinstance(field.format, FastPositions) else formats.Frequency
        fast = sorted(field.format.word_values(text, field.analyzer, mode="index"))
        slow = sorted(plain.word_values(field.format, text, field.analyzer, mode="index"))
        assert fast == slow, name
        checked += 1
    assert checked == 29  # every field with a fast format


def test_query_terms_meet_fast_index_terms() -> None:
    field = build_schema()["text_es"]
    query = [t.text for t in field.analyzer("investigaciones", mode="query")]
    indexed = field.analyzer.term_positions("La investigacion fue larga")
    assert query and query[0] in indexed
