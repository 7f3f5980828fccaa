"""The example queries of the /sparql page; each runs on the bundled sample collection."""

from __future__ import annotations

EXAMPLES: list[tuple[str, str]] = [
    ("Statements citing a treaty, by year", """\
SELECT ?year ?treaty (COUNT(DISTINCT ?statement) AS ?statements)
WHERE {
  ?statement a ra:Statement ;
             ra:references ?instrument ;
             dcterms:issued ?issued .
  ?instrument skos:notation ?treaty .
  BIND (SUBSTR(STR(?issued), 1, 4) AS ?year)
}
GROUP BY ?year ?treaty
ORDER BY ?year ?treaty"""),
    ("All responses to an event, in date order", """\
SELECT ?statement ?issued ?issuerName ?title
WHERE {
  ?event a ra:Event ;
         rdfs:label "US withdrawal from the UN Human Rights Council" .
  ?statement ra:respondsTo ?event ;
             dcterms:issued ?issued ;
             dcterms:title ?title ;
             ra:issuer ?issuer .
  ?issuer rdfs:label ?issuerName .
}
ORDER BY ?issued ?statement"""),
    ("Issuers and their statement counts", """\
SELECT ?issuer ?name (COUNT(?statement) AS ?statements)
WHERE {
  ?statement a ra:Statement ; ra:issuer ?issuer .
  ?issuer rdfs:label ?name .
}
GROUP BY ?issuer ?name
ORDER BY DESC(?statements) ?name
LIMIT 50"""),
    ("Statements without a treaty", """\
SELECT ?statement ?issued ?title
WHERE {
  ?statement a ra:Statement ;
             dcterms:issued ?issued ;
             dcterms:title ?title .
  FILTER NOT EXISTS { ?statement ra:references ?instrument }
}
ORDER BY ?issued
LIMIT 100"""),
    ("Full text and graph: citing CEDAW, text matching 'women AND discrimination'", """\
SELECT ?statement ?issued ?title
WHERE {
  ?statement ra:matches "women AND discrimination" .
  ?statement ra:references <treaties/cedaw> ;
             dcterms:issued ?issued ;
             dcterms:title ?title .
}
ORDER BY ?issued"""),
    ("One statement as a graph (CONSTRUCT)", """\
CONSTRUCT { ?statement ?p ?o }
WHERE {
  ?statement dcterms:identifier "us-human-rights-cities-alliance-2018-06-22" ;
             ?p ?o .
  FILTER (?p != ra:text)
}"""),
]
