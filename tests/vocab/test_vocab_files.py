"""The vocabulary files in vocab/: they parse, hold the facts we rely on, and the shapes work."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from vocab.skos_import import concept_schemes, import_skos

ROOT = Path(__file__).resolve().parents[2]
VOCAB = ROOT / "vocab"
REFERENCE = Path("/work/shared/reference")
CORE_CSV = REFERENCE / "core_instruments.csv"
HURIDOCS = REFERENCE / "huridocs_micro_thesauri.ttl"

BASE = "http://localhost:5000/"
OTHER_BASE = "https://archive.example.org/rights/"
RA = "https://w3id.org/rights-archive/vocab#"
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain namespace: no warnings
ONTOLOGY = URIRef("https://w3id.org/rights-archive/vocab")
SCHEMES = {"treaties.ttl": "treaties", "types.ttl": "types", "topics.ttl": "topics",
           "issuer-kinds.ttl": "issuer-kinds"}
TTL_FILES = sorted(p.name for p in VOCAB.glob("*.ttl"))
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Namespaces an absolute IRI in the thesauri may legitimately use.
EXTERNAL = ("http://www.w3.org/", "http://purl.org/dc/", "https://w3id.org/rights-archive/",
            "https://creativecommons.org/", "http://www.wikidata.org/entity/",
            "https://www.coe.int/", "https://wikimili.com/")

ra = lambda name: URIRef(RA + name)  # noqa: E731


def parse(name: str, base: str = BASE) -> Graph:
    return Graph().parse(VOCAB / name, format="turtle", publicID=base)


@pytest.fixture(scope="module")
def thesauri() -> Graph:
    graph = Graph()
    for name in SCHEMES:
        graph += parse(name)
    return graph


@pytest.fixture(scope="module")
def treaties() -> Graph:
    return parse("treaties.ttl")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return parse("shapes.ttl")


@pytest.fixture(scope="module")
def core_rows() -> list[dict[str, str]]:
    with CORE_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def concept(graph: Graph, name: str) -> URIRef:
    """The treaty concept whose notation or alternative label is ``name``."""
    found = {c for p in (SKOS.notation, SKOS.altLabel) for c in graph.subjects(p, None)
             if any(str(v) == name for v in graph.objects(c, p))}
    assert len(found) == 1, f"{name} names {len(found)} concepts"
    return found.pop()


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain.casefold().replace("'", "")).split())


# --- parsing and IRIs -------------------------------------------------------------------

def test_all_vocabulary_files_exist() -> None:
    assert set(TTL_FILES) >= {"ontology.ttl", "shapes.ttl", *SCHEMES}


@pytest.mark.parametrize("name", TTL_FILES)
def test_file_parses_and_relative_iris_resolve_under_the_base(name: str) -> None:
    text = (VOCAB / name).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(@base|BASE)\b", text, re.MULTILINE | re.IGNORECASE)
    at_base, elsewhere = parse(name), parse(name, OTHER_BASE)
    assert len(at_base) > 20

    def iris(graph: Graph) -> set[str]:
        return {str(t) for triple in graph for t in triple if isinstance(t, URIRef)}

    moved = iris(at_base) - iris(elsewhere)
    assert all(iri.startswith(BASE) for iri in moved)
    assert {OTHER_BASE + iri[len(BASE):] for iri in moved} == iris(elsewhere) - iris(at_base)
    assert all(re.match(r"^https?://", iri) for iri in iris(at_base))
    if name in ("ontology.ttl",):
        assert not moved  # the ontology is absolute: it does not depend on the deployment
    else:
        assert moved, "instance IRIs must be written relative to the base"
    if name in SCHEMES:
        for iri in iris(at_base):
            if iri.startswith(RA) or not re.search(r"/(vocab|treaties|types|topics|issuer-kinds)"
                                                   r"(/|$)", iri):
                continue
            assert iri.startswith(BASE) or iri.startswith(EXTERNAL), iri


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_scheme_moves_with_the_base(name: str) -> None:
    at_base, elsewhere = parse(name), parse(name, OTHER_BASE)
    assert len(at_base) == len(elsewhere)
    scheme = URIRef(OTHER_BASE + "vocab/" + SCHEMES[name])
    assert (scheme, RDF.type, SKOS.ConceptScheme) in elsewhere
    assert not any(str(t).startswith(BASE) for triple in elsewhere for t in triple)


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_every_concept_is_well_formed(name: str) -> None:
    graph = parse(name)
    scheme = URIRef(BASE + "vocab/" + SCHEMES[name])
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert concepts == set(graph.subjects(SKOS.inScheme, scheme))
    tops = set(graph.objects(scheme, SKOS.hasTopConcept))
    assert tops == set(graph.subjects(SKOS.topConceptOf, scheme))
    for c in concepts:
        prefix = BASE + SCHEMES[name] + "/"
        assert c.startswith(prefix) and SLUG.match(c[len(prefix):]), c
        english = [lab for lab in graph.objects(c, SKOS.prefLabel) if lab.language == "en"]
        assert len(english) == 1, c
        for lang in ("fr", "es"):
            assert len([x for x in graph.objects(c, SKOS.prefLabel) if x.language == lang]) <= 1
        assert len(list(graph.objects(c, SKOS.notation))) == 1, c
        assert graph.value(c, SKOS.definition) or graph.value(c, SKOS.scopeNote), c
        assert (c in tops) != bool(list(graph.objects(c, SKOS.broader))), c
        for parent in graph.objects(c, SKOS.broader):
            assert parent in concepts
        if name != "treaties.ttl":
            assert str(graph.value(c, SKOS.notation)) == c[len(prefix):]


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_names_are_unambiguous_within_a_scheme(name: str) -> None:
    graph = parse(name)
    owners: dict[str, set[URIRef]] = defaultdict(set)
    for c in graph.subjects(RDF.type, SKOS.Concept):
        for p in (SKOS.notation, SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for value in graph.objects(c, p):
                owners[normalize(str(value))].add(c)
    clashes = {key: sorted(found) for key, found in owners.items() if len(found) > 1}
    assert not clashes


# --- the ontology ------------------------------------------------------------------------

def test_ontology_defines_every_term_the_code_uses() -> None:
    graph = parse("ontology.ttl")
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph
    assert graph.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://creativecommons.org/publicdomain/zero/1.0/")
    assert graph.value(ONTOLOGY, OWL.versionInfo)
    classes = ["Statement", "Issuer", "Event", "Place", "Instrument", "Version", "Change"]
    properties = ["issuer", "respondsTo", "references", "seeAlso", "topic", "place",
                  "statementType", "text", "dateAsWritten", "issuerKind", "eventDate",
                  "eventPlace", "instrumentKind", "adoptionDate", "entryIntoForce",
                  "versionNumber", "snapshot", "changeKind", "currentVersion", "sequence",
                  "changedRecord", "version", "earliestDate", "latestDate",
                  "publicationStatus", "accessLevel", "embargoedUntil"]
    for name in classes + properties:
        term = ra(name)
        assert graph.value(term, RDFS.label), name
        assert graph.value(term, RDFS.comment), name
        assert graph.value(term, RDFS.isDefinedBy) == ONTOLOGY, name
    defined = {s for s in graph.subjects(RDFS.isDefinedBy, ONTOLOGY)}
    assert defined == {ra(n) for n in classes + properties}
    assert (ra("issuer"), RDFS.subPropertyOf, DCTERMS.creator) in graph
    assert (ra("references"), RDFS.range, ra("Instrument")) in graph
    assert (DCTERMS.language, OWL.equivalentProperty, URIRef("https://schema.org/inLanguage")) \
        in graph


def test_shapes_and_thesauri_use_only_defined_ra_terms(thesauri: Graph, shapes: Graph) -> None:
    ontology = parse("ontology.ttl")
    defined = set(ontology.subjects(RDFS.isDefinedBy, ONTOLOGY))
    shape_names = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape))
    used = {t for g in (thesauri, shapes) for triple in g for t in triple
            if isinstance(t, URIRef) and t.startswith(RA)}
    assert used - shape_names <= defined


# --- the treaty thesaurus -----------------------------------------------------------------

def test_every_core_instrument_is_present_with_its_acronym(
        treaties: Graph, core_rows: list[dict[str, str]]) -> None:
    assert len(core_rows) == 19
    for row in core_rows:
        c = concept(treaties, row["acronym"])
        assert str(treaties.value(c, SKOS.notation)) == row["acronym"]
        assert row["key"] in {str(v) for p in (SKOS.notation, SKOS.altLabel)
                              for v in treaties.objects(c, p)}
        assert Literal(row["title"], lang="en") in set(treaties.objects(c, SKOS.prefLabel))
        assert (c, RDF.type, ra("Instrument")) in treaties
        assert str(treaties.value(c, ra("instrumentKind"))) == row["kind"]
        assert treaties.value(c, RDFS.comment)


def test_committee_acronyms_resolve(treaties: Graph) -> None:
    assert concept(treaties, "CERD") == URIRef(BASE + "treaties/icerd")
    assert concept(treaties, "CMW") == URIRef(BASE + "treaties/icmw")
    assert concept(treaties, "Women's Convention") == URIRef(BASE + "treaties/cedaw")
    assert concept(treaties, "Convention against Torture") == URIRef(BASE + "treaties/cat")


def test_protocols_are_narrower_than_their_treaty(
        treaties: Graph, core_rows: list[dict[str, str]]) -> None:
    keys = {row["key"]: row["acronym"] for row in core_rows}
    for row in core_rows:
        c = concept(treaties, row["acronym"])
        if row["parent"]:
            parent = concept(treaties, keys[row["parent"]])
            assert list(treaties.objects(c, SKOS.broader)) == [parent]
        else:
            assert (c, SKOS.topConceptOf, URIRef(BASE + "vocab/treaties")) in treaties
    crc = URIRef(BASE + "treaties/crc")
    assert {str(treaties.value(c, SKOS.notation)) for c in treaties.subjects(SKOS.broader, crc)} \
        == {"OP-CRC-AC", "OP-CRC-SC", "OP-CRC-IC"}


def test_unverified_treaty_collection_numbers_are_not_used(
        treaties: Graph, core_rows: list[dict[str, str]]) -> None:
    verified = {row["untc_mtdsg_no"] for row in core_rows if row["untc_mtdsg_no_source"]}
    literals = [str(o) for o in treaties.objects() if isinstance(o, Literal)]
    for row in core_rows:
        candidate = row["untc_mtdsg_no_candidate_UNVERIFIED"]
        if not candidate or candidate in verified:
            continue
        pattern = re.compile(rf"(?<![\w-]){re.escape(candidate)}(?![\w-])")
        assert not any(pattern.search(text) for text in literals), candidate
    identifiers = {str(o) for o in treaties.objects(None, DCTERMS.identifier)}
    untc = {i.removeprefix("UNTC ") for i in identifiers if i.startswith("UNTC ")}
    assert untc == verified


def test_dates_and_identifiers_match_the_sourced_values(
        treaties: Graph, core_rows: list[dict[str, str]]) -> None:
    for row in core_rows:
        c = concept(treaties, row["acronym"])
        for column, prop in (("adoption_date", "adoptionDate"),
                             ("entry_into_force", "entryIntoForce")):
            value = treaties.value(c, ra(prop))
            if row[column]:
                assert row[f"{column}_source"]
                assert value == Literal(row[column], datatype=XSD.date), row["key"]
            elif row["key"] not in ("OPAC", "OPSC"):
                assert value is None, (row["key"], prop)
        identifiers = {str(o) for o in treaties.objects(c, DCTERMS.identifier)}
        if row["ga_resolution"] and row["ga_resolution_source"]:
            assert f"GA resolution {row['ga_resolution']}" in identifiers
        same_as = set(treaties.objects(c, OWL.sameAs))
        expected = ({URIRef(f"http://www.wikidata.org/entity/{row['wikidata_qid']}")}
                    if row["wikidata_qid"] and row["wikidata_qid_source"] else set())
        assert same_as == expected


def test_crc_protocols_adopted_on_25_may_2000(treaties: Graph) -> None:
    for acronym in ("OP-CRC-AC", "OP-CRC-SC"):
        c = concept(treaties, acronym)
        assert treaties.value(c, ra("adoptionDate")) == Literal("2000-05-25", datatype=XSD.date)


def test_regional_and_other_instruments_are_present(treaties: Graph) -> None:
    for name in ("European Convention on Human Rights", "European Social Charter",
                 "Istanbul Convention", "American Convention on Human Rights",
                 "American Declaration of the Rights and Duties of Man",
                 "Belém do Pará Convention", "African Charter on Human and Peoples' Rights",
                 "Maputo Protocol", "African Charter on the Rights and Welfare of the Child",
                 "Kampala Convention", "Arab Charter on Human Rights",
                 "ASEAN Human Rights Declaration",
                 "Charter of Fundamental Rights of the European Union", "Refugee Convention",
                 "1967 Protocol", "Genocide Convention",
                 "Vienna Declaration and Programme of Action",
                 "Declaration on Human Rights Defenders", "UNDRIP",
                 "Beijing Declaration and Platform for Action", "Paris Agreement"):
        matches = {c for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.notation)
                   for c, v in treaties.subject_objects(p) if str(v) == name}
        assert len(matches) == 1, name
        (c,) = matches
        assert (c, RDF.type, ra("Instrument")) in treaties
        assert treaties.value(c, ra("instrumentKind"))
    for c in treaties.subjects(RDF.type, ra("Instrument")):
        for prop in ("adoptionDate", "entryIntoForce"):
            for value in treaties.objects(c, ra(prop)):
                assert value.datatype == XSD.date and not value.ill_typed


def test_types_and_issuer_kinds_have_the_contract_values(thesauri: Graph) -> None:
    kinds = {str(n) for c in thesauri.subjects(SKOS.inScheme, URIRef(BASE + "vocab/issuer-kinds"))
             for n in thesauri.objects(c, SKOS.notation)}
    assert kinds == {"city", "ngo", "network", "government", "un-body", "igo", "nhri",
                     "academic", "faith-based", "trade-union", "business", "person"}
    types = {str(lab) for c in thesauri.subjects(SKOS.inScheme, URIRef(BASE + "vocab/types"))
             for lab in thesauri.objects(c, SKOS.prefLabel) if lab.language == "en"}
    assert {"press statement", "declaration", "resolution", "open letter", "joint statement",
            "speech", "report"} <= types
    topics = set(thesauri.subjects(SKOS.inScheme, URIRef(BASE + "vocab/topics")))
    assert 25 <= len(topics) <= 40


# --- the shapes ---------------------------------------------------------------------------

def statement_graph(thesauri: Graph) -> tuple[Graph, URIRef]:
    """A minimal valid statement, with the thesauri it points into."""
    graph = Graph()
    graph += thesauri
    s = URIRef(BASE + "statements/2018-06-22-cities-statement")
    issuer = URIRef(BASE + "issuers/us-human-rights-cities-alliance")
    event = URIRef(BASE + "events/us-withdrawal-hrc")
    graph.add((s, RDF.type, ra("Statement")))
    graph.add((s, DCTERMS.identifier, Literal("2018-06-22-cities-statement")))
    graph.add((s, DCTERMS.title, Literal("Press Statement on US Withdrawal from HRC", lang="en")))
    graph.add((s, DCTERMS.issued, Literal("2018-06", datatype=XSD.gYearMonth)))
    graph.add((s, DCTERMS.language, Literal("en", datatype=XSD.language)))
    graph.add((s, DCTERMS.source, URIRef("https://ushrnetwork.org/statement")))
    graph.add((s, ra("issuer"), issuer))
    graph.add((s, ra("references"), URIRef(BASE + "treaties/cedaw")))
    graph.add((s, ra("statementType"), URIRef(BASE + "types/press-statement")))
    graph.add((s, ra("topic"), URIRef(BASE + "topics/human-rights-cities")))
    graph.add((s, ra("respondsTo"), event))
    graph.add((issuer, RDF.type, ra("Issuer")))
    graph.add((issuer, RDFS.label, Literal("National Human Rights Cities Alliance")))
    graph.add((issuer, ra("issuerKind"), URIRef(BASE + "issuer-kinds/network")))
    graph.add((event, RDF.type, ra("Event")))
    graph.add((event, RDFS.label, Literal("US withdrawal from the Human Rights Council")))
    graph.add((event, ra("eventDate"), Literal("2018-06-19", datatype=XSD.date)))
    return graph, s


def failing_names(data: Graph, shapes: Graph) -> set[str]:
    """The sh:name of every shape reported by pyshacl's top-level results."""
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes)
    report = next(results.subjects(RDF.type, SH.ValidationReport))
    names = set()
    for result in results.objects(report, SH.result):
        source = results.value(result, SH.sourceShape)
        assert results.value(result, SH.resultMessage), source
        names.add(str(shapes.value(source, SH.name)))
    assert conforms == (not names)
    return names


def test_shapes_accept_a_minimal_statement(thesauri: Graph, shapes: Graph) -> None:
    data, _ = statement_graph(thesauri)
    assert failing_names(data, shapes) == set()


def test_shapes_reject_a_missing_title(thesauri: Graph, shapes: Graph) -> None:
    data, s = statement_graph(thesauri)
    data.remove((s, DCTERMS.title, None))
    assert failing_names(data, shapes) == {"title"}


@pytest.mark.parametrize("value", [Literal("June 2018"),
                                   Literal("June 2018", datatype=XSD.gYearMonth),
                                   Literal("2018-13", datatype=XSD.gYearMonth)])
def test_shapes_reject_a_date_that_is_not_a_day_month_or_year(
        thesauri: Graph, shapes: Graph, value: Literal) -> None:
    data, s = statement_graph(thesauri)
    data.set((s, DCTERMS.issued, value))
    assert failing_names(data, shapes) == {"date"}


def test_shapes_accept_every_precision(thesauri: Graph, shapes: Graph) -> None:
    data, s = statement_graph(thesauri)
    for value in (Literal("2018-06-22", datatype=XSD.date), Literal("2018", datatype=XSD.gYear)):
        data.set((s, DCTERMS.issued, value))
        assert failing_names(data, shapes) == set()


def test_shapes_reject_a_reference_to_a_non_treaty(thesauri: Graph, shapes: Graph) -> None:
    data, s = statement_graph(thesauri)
    data.add((s, ra("references"), URIRef(BASE + "topics/torture")))
    assert failing_names(data, shapes) == {"references"}


def test_shapes_reject_other_mistakes_by_key(thesauri: Graph, shapes: Graph) -> None:
    data, s = statement_graph(thesauri)
    data.set((s, DCTERMS.identifier, Literal("Not A Slug")))
    data.add((s, ra("statementType"), URIRef(BASE + "types/speech")))
    data.remove((s, ra("issuer"), None))
    data.add((s, ra("topic"), URIRef(BASE + "treaties/cat")))
    data.add((s, DCTERMS.source, Literal("ushrnetwork.org")))
    assert failing_names(data, shapes) == {"id", "type", "issuer", "topics", "source"}


def test_shapes_check_issuers_and_events(thesauri: Graph, shapes: Graph) -> None:
    data, s = statement_graph(thesauri)
    issuer = data.value(s, ra("issuer"))
    data.remove((issuer, RDFS.label, None))
    data.add((issuer, ra("issuerKind"), URIRef(BASE + "types/report")))
    event = data.value(s, ra("respondsTo"))
    data.set((event, ra("eventDate"), Literal("19 June 2018")))
    assert failing_names(data, shapes) == {"name", "kind", "date"}


def test_every_property_shape_names_a_key_and_explains(shapes: Graph) -> None:
    keys = {"id", "title", "issuer", "date", "type", "language", "text", "source",
            "responds_to", "references", "see_also", "topics", "places", "name", "kind",
            "status", "access", "embargo"}
    named = set(shapes.subjects(SH.name, None))
    for shape in shapes.subjects(RDF.type, SH.PropertyShape):
        assert str(shapes.value(shape, SH.name)) in keys, shape
        assert shapes.value(shape, SH.message), shape
    assert named == set(shapes.subjects(RDF.type, SH.PropertyShape))


# --- importing an external SKOS thesaurus ---------------------------------------------------

@pytest.fixture(scope="module")
def huridocs() -> Graph:
    if not HURIDOCS.is_file():
        pytest.skip("reference thesaurus not available")
    return import_skos(HURIDOCS, BASE)


def test_import_huridocs_micro_thesauri(huridocs: Graph) -> None:
    schemes = concept_schemes(huridocs)
    assert len(schemes) == 57
    assert len(set(huridocs.subjects(RDF.type, SKOS.Concept))) == 4524
    by_uri = {uri: (title, count) for uri, title, count in schemes}
    mt = "https://example.org/huridocs-mt/"
    assert by_uri[URIRef(mt + "list-6")] == ("mt_6_international_instruments", 206)
    # The source file uses four lists (80, 90, 91, 92) without declaring them; their
    # 15 concepts are kept as they are, so they are not counted under a declared scheme.
    assert sum(count for _, _, count in schemes) == 4524 - 15
    cedaw = URIRef(mt + "11040000000006")
    assert (cedaw, SKOS.notation, Literal("110400000000")) in huridocs
    assert {p for p, _ in huridocs.predicate_objects(cedaw)} <= {
        RDF.type, SKOS.inScheme, SKOS.notation, SKOS.prefLabel, SKOS.broader,
        SKOS.topConceptOf}


def test_import_one_scheme_by_slug() -> None:
    graph = import_skos(HURIDOCS, BASE, slug="mt_6_international_instruments")
    assert [(str(u), c) for u, _, c in concept_schemes(graph)] == [
        ("https://example.org/huridocs-mt/list-6", 206)]
    with pytest.raises(ValueError, match="no concept scheme named 'nothing'"):
        import_skos(HURIDOCS, BASE, slug="nothing")


def test_import_keeps_only_skos_and_resolves_relative_iris(tmp_path: Path) -> None:
    source = tmp_path / "small.ttl"
    source.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix ex: <http://example.org/> .\n"
        "<local/scheme> a skos:ConceptScheme ; skos:prefLabel \"Local\"@en .\n"
        "<local/a> a skos:Concept ; skos:inScheme <local/scheme> ; skos:prefLabel \"A\"@en ;\n"
        "  ex:secret \"dropped\" ; skos:broader <local/b> ; skos:exactMatch ex:elsewhere .\n"
        "<local/b> skos:topConceptOf <local/scheme> ; skos:prefLabel \"B\"@en .\n"
        "<local/c> a skos:Concept ; skos:altLabel \"C\"@en .\n",
        encoding="utf-8")
    graph = import_skos(source, BASE)
    a, b, c = (URIRef(BASE + f"local/{x}") for x in "abc")
    assert concept_schemes(graph) == [(URIRef(BASE + "local/scheme"), "Local", 3)]
    assert (a, SKOS.broader, b) in graph and (b, RDF.type, SKOS.Concept) in graph
    assert (c, SKOS.inScheme, URIRef(BASE + "local/scheme")) in graph
    assert not any("example.org" in str(o) for o in graph.objects())


def test_import_reports_a_malformed_file_with_its_position(tmp_path: Path) -> None:
    source = tmp_path / "broken.ttl"
    source.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<s> a skos:ConceptScheme .\n"
        "<a> a skos:Concept ;\n"
        "  skos:prefLabel \"no full stop\"\n"
        "<b> a skos:Concept .\n",
        encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.ttl.*line 5, column 1"):
        import_skos(source, BASE)
    xml = tmp_path / "broken.rdf"
    xml.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n<x',
                   encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.rdf.*line 2"):
        import_skos(xml, BASE)


def test_import_refuses_files_without_a_scheme_or_replacing_ours(tmp_path: Path) -> None:
    source = tmp_path / "flat.ttl"
    source.write_text("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
                      "<a> a skos:Concept ; skos:prefLabel \"A\"@en .\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no skos:ConceptScheme"):
        import_skos(source, BASE)
    with pytest.raises(ValueError, match="built-in scheme"):
        import_skos(parse("topics.ttl"), BASE)
    with pytest.raises(ValueError, match="no such thesaurus file"):
        import_skos(tmp_path / "missing.ttl", BASE)


def test_import_accepts_a_graph() -> None:
    graph = Graph()
    scheme = URIRef("http://example.org/s")
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal("S")))
    graph.add((URIRef("http://example.org/x"), SKOS.inScheme, scheme))
    graph.add((URIRef("http://example.org/x"), SKOS.prefLabel, Literal("X", lang="en")))
    graph.add((URIRef("http://example.org/x"), RDFS.comment, BNode()))
    result = import_skos(graph, BASE)
    assert concept_schemes(result) == [(scheme, "S", 1)]
    assert len(result) == 5
