"""What the endpoint reads from a query: its form and updates (from the parse), the
ra:matches rewrite (on the decoded text, checked against the parse)."""

from __future__ import annotations

import pytest

from web.sparql_engine import lexer
from web.sparql_engine.parsed import Refused, parse


@pytest.mark.parametrize("query,form", [
    ("SELECT * WHERE { ?s ?p ?o }", "select"),
    ("# INSERT in a comment\nPREFIX x: <http://x/#insert>\nASK { ?s x:p 'DELETE' }", "ask"),
    ("BASE <http://x/> construct { ?s ?p ?o } where { ?s ?p ?o }", "construct"),
    ("DESCRIBE <http://x/y>", "describe"),
    ("PREFIX ex: <http://x/> INSERT DATA { ex:a ex:b ex:c }", "update"),
    ("WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "update"),
    ("load <http://example.org/data.ttl>", "update"),
])
def test_form(query: str, form: str) -> None:
    if form == "update":
        with pytest.raises(Refused) as refused:
            parse(query, lexer.PREFIXES, "http://x/")
        assert refused.value.status == 403
    else:
        assert parse(query, lexer.PREFIXES, "http://x/").form == form


def test_keywords_inside_strings_and_iris_do_not_count() -> None:
    quiet = parse("SELECT * { ?s ?p 'SERVICE FROM' . ?s <http://x/service> ?o }",
                  lexer.PREFIXES, "")
    assert not quiet.has_dataset
    with pytest.raises(Refused, match="SERVICE"):
        parse("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", lexer.PREFIXES, "")
    assert parse("SELECT * FROM <http://x/g> { ?s ?p ?o }", lexer.PREFIXES, "").has_dataset


def test_matches_becomes_values_of_the_lookup() -> None:
    query = ('PREFIX r: <https://w3id.org/rights-archive/vocab#>\n'
             'SELECT ?s { ?s r:matches "women \\"rights\\"" . ?s a r:Statement }')
    asked: list[str] = []

    def lookup(text: str) -> list[str]:
        asked.append(text)
        return ["http://x/statements/a", "http://x/statements/b"]

    rewritten, texts = lexer.rewrite_matches(query, lookup)
    assert asked == texts == ['women "rights"']
    assert "VALUES ?s { <http://x/statements/a> <http://x/statements/b> }" in rewritten
    assert "matches" not in rewritten.split("SELECT")[1]


def test_matches_at_the_end_of_a_group_and_with_no_hits() -> None:
    rewritten, _ = lexer.rewrite_matches("SELECT ?s { ?s ra:matches 'x' }", lambda _: [])
    assert rewritten == "SELECT ?s { VALUES ?s {  } }"


def test_matches_in_a_predicate_list_is_refused() -> None:
    with pytest.raises(lexer.MatchesMisplaced):
        lexer.rewrite_matches("SELECT ?s { ?s a ra:Statement ; ra:matches 'x' }", lambda _: [])


def test_strings_mentioning_matches_are_left_alone() -> None:
    query = "SELECT ?s { ?s ra:note 'ra:matches \"x\"' }"
    assert lexer.rewrite_matches(query, lambda _: ["http://x/a"])[0] == query
