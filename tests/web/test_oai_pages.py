"""OAI-PMH pages read in bulk: the page reader holds each record's graph as
``record_graph`` + ``add_concept_labels`` do, the metadata formats write what the rdflib
versions wrote, and the compact harvest log reads like the change log it mirrors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from lxml import etree
from rdflib import RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from archive.store import from_ox
from tests.support import open_app
from vocab import RA
from web import oai_formats
from web.labels import add_concept_labels, label_of
from web.oai_log import LOOKUP_LIMIT, HarvestLog
from web.oai_records import LabelLiteral, RecordReader, RecordTriples

OAI = "{http://www.openarchives.org/OAI/2.0/}"
RDF_NS = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
RIGHTS = "Metadata: CC0 1.0; texts remain the property of their issuers."


@pytest.fixture(scope="module")
def pages_app(tmp_path_factory: pytest.TempPathFactory, sample_records: list) -> Iterator[Any]:
    with open_app(tmp_path_factory.mktemp("oai-pages"), sample_records) as app:
        yield app


def as_rdflib(record: RecordTriples) -> Graph:
    """The record's triples as an rdflib graph, added in the record's order."""
    graph = Graph()
    for subject, predicate, obj in record.triples:
        node = URIRef(subject) if isinstance(subject, str) else from_ox(subject)
        value = Literal(obj.value, lang=obj.language) if isinstance(obj, LabelLiteral) \
            else from_ox(obj)
        graph.add((node, URIRef(predicate), value))
    return graph


def read_all(app: Any, with_text: bool) -> dict[str, RecordTriples]:
    archive = app.extensions["archive"]
    ids = list(archive.record_ids())
    return RecordReader(archive).read(ids, with_text=with_text)


def test_reader_holds_each_record_graph_with_its_concept_labels(pages_app: Any) -> None:
    archive = pages_app.extensions["archive"]
    full, described = read_all(pages_app, True), read_all(pages_app, False)
    assert set(full) == set(archive.record_ids()) == set(described)
    for record_id, record in full.items():
        expected = add_concept_labels(archive, archive.record_graph(record_id))
        assert len(record.triples) == len(set(record.triples))
        assert set(as_rdflib(record)) == set(expected), record_id
        without_text = set(expected) - set(expected.triples((None, RA.text, None)))
        assert set(as_rdflib(described[record_id])) == without_text


def test_reader_leaves_out_deleted_records_and_follows_resource_changes(
        make_app: Any) -> None:
    app = make_app([{"id": "nova-1", "title": "First", "issuer": "Nova Watch", "date": "2020",
                     "type": "press statement"}])
    archive = app.extensions["archive"]
    reader = app.extensions["followers"]["oai_resources"]  # the app's: it follows the log
    issuer = str(archive.uris.thing("issuers", "nova-watch"))
    kind = str(archive.uris.thing("issuer-kinds", "ngo"))

    def issuer_kinds() -> list[object]:
        record = reader.read(["nova-1"])["nova-1"]
        return record.objects(issuer, str(RA.issuerKind))

    assert issuer_kinds() == []
    assert reader.resources  # kept for the next page while the log stands still
    archive.save([{"id": "nova-2", "title": "Second", "date": "2021",
                   "issuer": {"name": "Nova Watch", "kind": "ngo"}}], agent="test")
    assert issuer_kinds() == [ox.NamedNode(kind)]  # the write moved the log: read afresh
    archive.delete("nova-2", agent="test")
    assert set(reader.read(["nova-1", "nova-2"])) == {"nova-1"}


def test_triples_about_other_subjects_are_kept_once(make_app: Any) -> None:
    """A graph may hold triples whose subject is not the graph (not from our write path)."""
    app = make_app([{"id": "odd-1", "title": "Odd", "issuer": "Odd Watch", "date": "2020"}])
    archive = app.extensions["archive"]
    statement = ox.NamedNode(str(archive.uris.statement("odd-1")))
    issuer = ox.NamedNode(str(archive.uris.thing("issuers", "odd-watch")))
    label = ox.NamedNode(str(RDFS.label))
    archive.store.apply([ox.Quad(issuer, label, ox.Literal("Odd Watch"), statement),
                         ox.Quad(ox.BlankNode("b1"), label, ox.Literal("a note"), statement),
                         ox.Quad(statement, ox.NamedNode(str(RDFS.seeAlso)),
                                 ox.BlankNode("b1"), statement)])
    record = RecordReader(archive).read(["odd-1"], archive.last_sequence())["odd-1"]
    expected = add_concept_labels(archive, archive.record_graph("odd-1"))
    assert len(record.triples) == len(set(record.triples)) == len(expected)
    assert len(as_rdflib(record)) == len(expected)
    parsed = Graph().parse(data=etree.tostring(oai_formats.rdf(record)), format="xml")
    assert len(parsed) == len(expected)


def rdflib_descriptions(record: RecordTriples) -> etree._Element:
    """rdflib's RDF/XML of the same triples, parsed as the endpoint once did."""
    return etree.fromstring(as_rdflib(record).serialize(format="xml").encode())


def test_rdf_metadata_is_rdflibs_rdfxml_description_for_description(pages_app: Any) -> None:
    for record_id, record in read_all(pages_app, True).items():
        ours, theirs = oai_formats.rdf(record), rdflib_descriptions(record)
        assert etree.tostring(ours).split(b">", 1)[0] == etree.tostring(theirs).split(
            b">", 1)[0], record_id  # the same namespace declarations
        assert ours.text == theirs.text
        assert sorted(etree.tostring(d, with_tail=False) for d in ours) == \
            sorted(etree.tostring(d, with_tail=False) for d in theirs), record_id


def rdflib_oai_dc(graph: Graph, uri: URIRef) -> etree._Element:
    """The Dublin Core mapping as first written over an rdflib graph (the reference)."""
    ns, dc_ns = oai_formats.OAI_DC_NS, oai_formats.DC_NS
    root = etree.Element(f"{{{ns}}}dc", nsmap={"oai_dc": ns, "dc": dc_ns,
                                                "xsi": oai_formats.XSI_NS})
    root.set(f"{{{oai_formats.XSI_NS}}}schemaLocation", f"{ns} {oai_formats.OAI_DC_SCHEMA}")

    def dc(name: str, value: object, lang: str | None = None) -> None:
        element = etree.SubElement(root, f"{{{dc_ns}}}{name}")
        element.text = str(value)
        if lang:
            element.set("{http://www.w3.org/XML/1998/namespace}lang", lang)

    for title in graph.objects(uri, DCTERMS.title):
        dc("title", title, title.language)
    for predicate, name in ((RA.issuer, "creator"), (RA.topic, "subject"),
                            (RA.references, "subject"), (RA.place, "coverage"),
                            (RA.respondsTo, "relation")):
        for value in sorted(graph.objects(uri, predicate)):
            dc(name, label_of(graph, value))
    for summary in graph.objects(uri, DCTERMS.abstract):
        dc("description", summary, summary.language)
    if (issued := graph.value(uri, DCTERMS.issued)) is not None:
        dc("date", issued)
    if (type_uri := graph.value(uri, RA.statementType)) is not None:
        dc("type", label_of(graph, type_uri))
    dc("type", "Text")
    dc("format", "text/plain")
    dc("identifier", uri)
    if (language := graph.value(uri, DCTERMS.language)) is not None:
        dc("language", language)
    for link in sorted(graph.objects(uri, RA.seeAlso)):
        dc("relation", link)
    if (source := graph.value(uri, DCTERMS.source)) is not None:
        dc("source", source)
    dc("rights", RIGHTS)
    return root


def test_dublin_core_is_the_rdflib_mapping_byte_for_byte(pages_app: Any) -> None:
    archive = pages_app.extensions["archive"]
    concepts = RecordReader(archive).concepts
    with pages_app.test_request_context("/oai"):
        for record_id, record in read_all(pages_app, False).items():
            uri = archive.uris.statement(record_id)
            graph = add_concept_labels(archive, archive.record_graph(record_id))
            assert etree.tostring(oai_formats.oai_dc(record, str(uri), RIGHTS, concepts)) == \
                etree.tostring(rdflib_oai_dc(graph, uri)), record_id


@pytest.mark.parametrize("prefix", ["oai_dc", "rdf"])
def test_a_page_shows_each_record_as_get_record_does(pages_app: Any, prefix: str) -> None:
    pages_app.config["OAI_PAGE_SIZE"] = 30
    client = pages_app.test_client()
    page = etree.fromstring(client.get(f"/oai?verb=ListRecords&metadataPrefix={prefix}").data)
    records = page.findall(f".//{OAI}record")
    assert len(records) == 30
    for record in records[::7]:
        identifier = record.findtext(f"{OAI}header/{OAI}identifier")
        alone = etree.fromstring(client.get("/oai", query_string={
            "verb": "GetRecord", "metadataPrefix": prefix, "identifier": identifier}).data)
        assert etree.tostring(alone.find(f".//{OAI}record"), with_tail=False) == \
            etree.tostring(record, with_tail=False)


# The harvest log -------------------------------------------------------------------------

def logged_archive(make_archive: Any) -> Any:
    """An archive whose log holds creates, updates, deletes and a restore."""
    records = [{"id": f"log-{i:02d}", "title": f"Log {i}", "date": "2019",
                "issuer": ["Amnesty International", "Human Rights Watch"][i % 2],
                "type": ["press statement", "report"][i % 2],
                "references": ["UDHR"] if i % 3 == 0 else []} for i in range(12)]
    archive = make_archive(records[:8])
    archive.save(records[8:], agent="someone else")
    archive.save([{**records[2], "type": "report"}], agent="test", replace=True)
    archive.delete("log-05", agent="test")
    archive.delete("log-06", agent="test")
    archive.restore("log-06", 1, agent="test")
    archive.save([{**records[2], "type": "report", "title": "Log 2, again"}], agent="test",
                 replace=True)
    return archive


def test_log_columns_read_like_the_change_log(make_archive: Any) -> None:
    archive = logged_archive(make_archive)
    log = HarvestLog(archive)
    log.catch_up()
    changes = archive.changes(0)
    assert log.changes == changes and len(log.changes) == len(changes) == 17
    assert list(reversed(log.changes)) == changes[::-1]
    assert log.changes[-1] == changes[-1] and log.changes[3:6] == changes[3:6]
    assert {c.agent for c in log.changes} == {"test", "someone else"}
    assert sorted(log.by_record) == sorted({c.record_id for c in changes})
    for record_id in log.by_record:
        mine = [c for c in changes if c.record_id == record_id]
        assert log.by_record[record_id] == [c.sequence for c in mine]
        assert log.latest(record_id) == mine[-1]
    assert log.latest("log-05").deleted and log.latest("log-06").kind == "restore"
    assert log.latest("no-such-record") is None and "no-such-record" not in log.by_record


def test_sets_follow_edits_and_a_deleted_record_keeps_its_last(make_archive: Any) -> None:
    archive = logged_archive(make_archive)
    log = HarvestLog(archive)
    log.catch_up()
    assert log.sets["log-02"] == {"type:report", "issuer:amnesty-international"}
    assert log.sets["log-03"] == {"type:report", "issuer:human-rights-watch", "treaty:udhr"}
    assert log.sets["log-05"] == {"type:report", "issuer:human-rights-watch"}  # deleted
    assert "treaty:udhr" in log.used_sets() and "type:press-statement" in log.used_sets()
    archive.save([{"id": "log-03", "title": "Log 3", "date": "2019", "type": "appeal",
                   "issuer": "Amnesty International"}], agent="test", replace=True)
    log.catch_up()
    assert log.sets["log-03"] == {"type:appeal", "issuer:amnesty-international"}
    assert len(log.sets) == 12 and log.sets.any()


def test_matching_agrees_with_a_scan_of_the_change_log(make_archive: Any) -> None:
    archive = logged_archive(make_archive)
    log = HarvestLog(archive)
    log.catch_up()
    changes = archive.changes(0)
    times = sorted({c.time for c in changes})
    for cutoff in range(len(changes) + 1):
        for set_spec in (None, "type", "type:report", "issuer:amnesty-international",
                         "treaty", "treaty:no-such-treaty"):
            for start, end in ((None, None), (times[-1], None), (None, times[0])):
                positions = {}
                for change in changes[:cutoff]:
                    positions[change.record_id] = change
                expected = sorted(
                    c.sequence for c in positions.values()
                    if (start is None or c.time >= start) and (end is None or c.time <= end)
                    and (set_spec is None or any(s == set_spec or s.startswith(set_spec + ":")
                                                 for s in log.sets[c.record_id])))
                assert list(log.matching(cutoff, set_spec, start, end)) == expected


def test_reader_and_log_on_each_store_backend(make_archive: Any, store_backend: str,
                                              sample_statements: list) -> None:
    """The same queries on the embedded store and on a SPARQL engine over HTTP (enough
    changes and records to read both in one SELECT rather than entry by entry)."""
    many = [{"id": f"many-{i:03d}", "title": f"Many {i}", "issuer": "Amnesty International",
             "date": "2020", "type": "press statement"} for i in range(LOOKUP_LIMIT)]
    archive = logged_archive(lambda records: make_archive(
        records + sample_statements + many, backend=store_backend))
    log = HarvestLog(archive)
    log.catch_up()
    assert log.changes == archive.changes(0)
    assert log.sets["log-05"] == {"type:report", "issuer:human-rights-watch"}
    assert log.sets["log-03"] == {"type:report", "issuer:human-rights-watch", "treaty:udhr"}
    ids = list(log.by_record)
    records = RecordReader(archive).read(ids, len(log.changes))
    assert set(records) == set(archive.record_ids())
    for record_id, record in records.items():
        expected = add_concept_labels(archive, archive.record_graph(record_id))
        assert set(as_rdflib(record)) == set(expected), record_id
