"""OAI-PMH 2.0 at /oai: every response validates against the official XSDs, a Sickle harvest
returns each record exactly once across resumption tokens even while records change, and
every error code answers its bad request; on the embedded store and on Virtuoso."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from lxml import etree
from sickle import Sickle

from archive.settings import DEFAULT_BASE
from tests.support import sample_module_app, serving

XSD_DIR = Path(__file__).resolve().parents[1] / "data" / "xsd"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
REMOTE_SCHEMAS = {
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
}


class _LocalSchemas(etree.Resolver):
    """Answer the schemas' remote imports from the local copies (no network)."""

    def resolve(self, url: str, pubid: str, context: Any) -> Any:
        name = REMOTE_SCHEMAS.get(url)
        if name:
            return self.resolve_filename(str(XSD_DIR / name), context)
        return None


def oai_schema(lax_metadata: bool = False) -> etree.XMLSchema:
    """OAI-PMH.xsd plus oai_dc.xsd; ``lax_metadata`` for RDF/XML, which has no XSD."""
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalSchemas())
    envelope = (XSD_DIR / "OAI-PMH.xsd").read_text()
    if lax_metadata:
        marker = '<complexType name="metadataType">'
        head, tail = envelope.split(marker)
        tail = tail.replace('processContents="strict"', 'processContents="lax"', 1)
        envelope = head + marker + tail
    envelope_doc = etree.fromstring(envelope.encode(), parser,
                                    base_url=str(XSD_DIR / "OAI-PMH.xsd"))
    schema_doc = etree.fromstring(
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'schemaLocation="{(XSD_DIR / "oai_dc.xsd").as_uri()}"/></xs:schema>'.encode(), parser)
    # Put the dc import inside the envelope schema so one XMLSchema knows both.
    import_el = schema_doc[0]
    envelope_doc.insert(0, import_el)
    return etree.XMLSchema(envelope_doc)


@pytest.fixture(scope="module")
def oai_schemas() -> dict[str, etree.XMLSchema]:
    return {"strict": oai_schema(), "lax": oai_schema(lax_metadata=True)}


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def oai_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    """One app over the sample collection for the tests that only read."""
    with sample_module_app(request, request.param) as app:
        yield app


@pytest.fixture(scope="module")
def oai_server(oai_app: Any) -> Iterator[str]:
    with serving(oai_app) as url:
        yield url


def oai_valid(body: bytes, schemas: dict[str, etree.XMLSchema], lax: bool = False
              ) -> etree._Element:
    doc = etree.fromstring(body)
    schema = schemas["lax" if lax else "strict"]
    assert schema.validate(doc), schema.error_log
    return doc


def oai_get(base: str, schemas: dict[str, etree.XMLSchema], **params: str) -> etree._Element:
    response = requests.get(base + "oai", params=params, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    lax = params.get("metadataPrefix") == "rdf" or "resumptionToken" in params
    return oai_valid(response.content, schemas, lax=lax)


def oai_error(doc: etree._Element) -> str | None:
    error = doc.find(f"{OAI}error")
    return error.get("code") if error is not None else None


def test_identify_and_formats_validate(oai_server: str, oai_schemas: dict) -> None:
    doc = oai_get(oai_server, oai_schemas, verb="Identify")
    identify = doc.find(f"{OAI}Identify")
    assert identify.findtext(f"{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext(f"{OAI}deletedRecord") == "persistent"
    assert identify.findtext(f"{OAI}baseURL") == oai_server + "oai"
    doc = oai_get(oai_server, oai_schemas, verb="ListMetadataFormats")
    prefixes = [e.text for e in doc.iter(f"{OAI}metadataPrefix")]
    assert prefixes == ["oai_dc", "rdf"]


def test_list_sets_by_type_treaty_and_issuer(oai_server: str, oai_schemas: dict) -> None:
    doc = oai_get(oai_server, oai_schemas, verb="ListSets")
    specs = {e.text for e in doc.iter(f"{OAI}setSpec")}
    assert {"type", "treaty", "issuer", "type:press-statement", "treaty:udhr",
            "issuer:us-human-rights-network"} <= specs
    names = {e.findtext(f"{OAI}setSpec"): e.findtext(f"{OAI}setName")
             for e in doc.iter(f"{OAI}set")}
    assert names["treaty:udhr"].startswith("Universal Declaration")


def test_get_record_in_both_formats(oai_server: str, oai_schemas: dict, oai_app: Any) -> None:
    uri = oai_app.extensions["archive"].uris.statement("us-human-rights-cities-alliance-2018-06-22")
    doc = oai_get(oai_server, oai_schemas, verb="GetRecord", identifier=str(uri),
                  metadataPrefix="oai_dc")
    dc = "{http://purl.org/dc/elements/1.1/}"
    assert doc.findtext(f".//{dc}title").startswith("National Human Rights Cities Alliance")
    assert doc.findtext(f".//{dc}creator") == "US National Human Rights Cities Alliance"
    assert doc.findtext(f".//{dc}date") == "2018-06-22"
    doc = oai_get(oai_server, oai_schemas, verb="GetRecord", identifier=str(uri),
                  metadataPrefix="rdf")
    rdf_root = doc.find(f".//{OAI}metadata")[0]
    assert rdf_root.tag == "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
    from rdflib import Graph, URIRef

    graph = Graph().parse(data=etree.tostring(rdf_root), format="xml")
    assert (uri, URIRef("http://purl.org/dc/terms/identifier"), None) in graph


def harvest(base: str, prefix: str, **params: str) -> list[str]:
    sickle = Sickle(base + "oai", max_retries=0)
    return [header.identifier for header in
            sickle.ListIdentifiers(metadataPrefix=prefix, **params)] if prefix == "ids" else \
        [record.header.identifier for record in
         sickle.ListRecords(metadataPrefix=prefix, ignore_deleted=False, **params)]


@pytest.mark.parametrize("prefix", ["oai_dc", "rdf"])
def test_full_harvest_returns_every_record_once(oai_server: str, oai_app: Any, prefix: str
                                                ) -> None:
    oai_app.config["OAI_PAGE_SIZE"] = 7
    archive = oai_app.extensions["archive"]
    identifiers = harvest(oai_server, prefix)
    assert len(identifiers) == len(set(identifiers))
    assert set(identifiers) == {str(archive.uris.statement(i)) for i in archive.record_ids()}


def test_tokens_carry_cursor_and_complete_list_size(oai_server: str, oai_app: Any,
                                                    oai_schemas: dict) -> None:
    oai_app.config["OAI_PAGE_SIZE"] = 5
    total = len(list(oai_app.extensions["archive"].record_ids()))
    doc = oai_get(oai_server, oai_schemas, verb="ListIdentifiers", metadataPrefix="oai_dc")
    cursors, seen = [], 0
    while True:
        token = doc.find(f".//{OAI}resumptionToken")
        seen += len(doc.findall(f".//{OAI}header"))
        assert int(token.get("completeListSize")) == total
        cursors.append(int(token.get("cursor")))
        if not token.text:
            break
        doc = oai_get(oai_server, oai_schemas, verb="ListIdentifiers",
                      resumptionToken=token.text)
    assert seen == total
    assert cursors == list(range(0, total, 5))


@pytest.fixture
def harvest_records(store_backend: str, sample_records: list, sample_statements: list) -> list:
    """The whole sample, or on Virtuoso (slower to write) the statements and ten speeches."""
    if store_backend == "oxigraph":
        return sample_records
    return sample_statements + sample_records[len(sample_statements):][:10]


def test_harvest_while_records_are_added_edited_and_deleted(
        make_app: Any, store_backend: str, harvest_records: list) -> None:
    """Each record once; a later incremental harvest picks up what changed meanwhile."""
    app = make_app(harvest_records, backend=store_backend)
    with serving(app) as live_server:
        harvest_while_changing(live_server, app, harvest_records)


def harvest_while_changing(live_server: str, app: Any, sample_records: list) -> None:
    app.config["OAI_PAGE_SIZE"] = 5
    archive = app.extensions["archive"]
    sickle = Sickle(live_server + "oai", max_retries=0)
    records = sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False)
    seen: list[str] = []
    statuses: dict[str, bool] = {}
    ids = [r["id"] for r in sample_records]
    start = archive.changes(archive.last_sequence() - 1, 1)[0].time
    for number, record in enumerate(records):
        seen.append(record.header.identifier)
        statuses[record.header.identifier] = record.header.deleted
        if number == 12:  # between pages: delete one harvested and one not yet harvested
            archive.delete(ids[0], agent="test")
            archive.delete(ids[-1], agent="test")
            edited = dict(sample_records[-2], title="Edited while harvesting")
            archive.save([edited], agent="test", replace=True)
            archive.save([dict(sample_records[1], id="added-while-harvesting")], agent="test")
    assert len(seen) == len(set(seen))
    expected = {str(archive.uris.statement(i)) for i in ids}
    assert set(seen) == expected  # the record added after the harvest began is not in it
    assert statuses[str(archive.uris.statement(ids[-1]))] is True  # reached after its delete
    later = sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False,
                               **{"from": start.strftime("%Y-%m-%dT%H:%M:%SZ")})
    changed = {r.header.identifier: r.header.deleted for r in later}
    assert changed[str(archive.uris.statement("added-while-harvesting"))] is False
    assert changed[str(archive.uris.statement(ids[0]))] is True
    assert str(archive.uris.statement(sample_records[-2]["id"])) in changed


def test_selective_harvest_by_set_and_dates(oai_server: str, oai_app: Any, oai_schemas: dict
                                            ) -> None:
    archive = oai_app.extensions["archive"]
    identifiers = harvest(oai_server, "oai_dc", set="issuer:us-human-rights-network")
    assert identifiers == [str(archive.uris.statement(
        "ushrn-2018-06-21-statement-us-withdrawal-hrc"))]
    typed = harvest(oai_server, "oai_dc", set="type")
    assert len(typed) == len(set(typed)) > 100
    doc = oai_get(oai_server, oai_schemas, verb="ListIdentifiers", metadataPrefix="oai_dc",
                  until="2000-01-01")
    assert oai_error(doc) == "noRecordsMatch"
    everything = harvest(oai_server, "oai_dc", **{"from": "2000-01-01"})
    assert len(everything) == len(list(archive.record_ids()))


def test_deleted_record_stays_as_deleted(make_app: Any, store_backend: str,
                                         sample_statements: list, oai_schemas: dict) -> None:
    app = make_app(sample_statements, backend=store_backend)
    with serving(app) as live_server:
        deleted_stays_deleted(live_server, app, oai_schemas)


def deleted_stays_deleted(live_server: str, app: Any, oai_schemas: dict) -> None:
    archive = app.extensions["archive"]
    archive.delete("ushrn-2018-06-21-statement-us-withdrawal-hrc", agent="test")
    uri = str(archive.uris.statement("ushrn-2018-06-21-statement-us-withdrawal-hrc"))
    doc = oai_get(live_server, oai_schemas, verb="GetRecord", identifier=uri,
                  metadataPrefix="oai_dc")
    header = doc.find(f".//{OAI}header")
    assert header.get("status") == "deleted"
    assert doc.find(f".//{OAI}metadata") is None
    assert "issuer:us-human-rights-network" in [e.text for e in header.iter(f"{OAI}setSpec")]
    doc = oai_get(live_server, oai_schemas, verb="ListMetadataFormats", identifier=uri)
    assert oai_error(doc) == "noMetadataFormats"


ERRORS = [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": ["Identify", "Identify"]}, "badVerb"),
    ({"verb": "Identify", "extra": "1"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01",
      "until": "2019-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01",
      "until": "2021-01-01T00:00:00Z"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"},
     "badArgument"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListIdentifiers", "resumptionToken": base64.urlsafe_b64encode(
        json.dumps(["oai_dc", 9999, 9999, None, None, None]).encode()).decode()},
     "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "abc"}, "badResumptionToken"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "metadataPrefix": "mods",
      "identifier": f"{DEFAULT_BASE}statements/us-human-rights-cities-alliance-2018-06-22"},
     "cannotDisseminateFormat"),
    ({"verb": "GetRecord", "metadataPrefix": "oai_dc",
      "identifier": f"{DEFAULT_BASE}statements/no-such-statement"}, "idDoesNotExist"),
    ({"verb": "ListMetadataFormats", "identifier": "oai:elsewhere:1"}, "idDoesNotExist"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "treaty:no-such-treaty"},
     "noRecordsMatch"),
]


@pytest.mark.parametrize(("params", "code"), ERRORS)
def test_each_error_code_for_its_bad_request(oai_server: str, oai_schemas: dict,
                                             params: dict, code: str) -> None:
    response = requests.get(oai_server + "oai", params=params, timeout=30)
    doc = oai_valid(response.content, oai_schemas)
    assert oai_error(doc) == code
    request_el = doc.find(f"{OAI}request")
    if code in ("badVerb", "badArgument"):
        assert dict(request_el.attrib) == {}


def test_post_requests_are_answered_like_get(oai_server: str, oai_schemas: dict) -> None:
    response = requests.post(oai_server + "oai", data={"verb": "Identify"}, timeout=30)
    doc = oai_valid(response.content, oai_schemas)
    assert doc.find(f"{OAI}Identify") is not None


def test_empty_repository_has_no_sets(make_app: Any, store_backend: str, oai_schemas: dict
                                      ) -> None:
    client = make_app(backend=store_backend).test_client()
    for query, code in (("verb=ListSets", "noSetHierarchy"),
                        ("verb=ListRecords&metadataPrefix=oai_dc&set=type", "noSetHierarchy"),
                        ("verb=ListIdentifiers&metadataPrefix=oai_dc", "noRecordsMatch")):
        doc = oai_valid(client.get("/oai?" + query).data, oai_schemas)
        assert oai_error(doc) == code


def test_every_harvest_page_validates(oai_server: str, oai_app: Any, oai_schemas: dict) -> None:
    oai_app.config["OAI_PAGE_SIZE"] = 40
    for prefix in ("oai_dc", "rdf"):
        doc = oai_get(oai_server, oai_schemas, verb="ListRecords", metadataPrefix=prefix)
        pages = 1
        while (token := doc.find(f".//{OAI}resumptionToken")) is not None and token.text:
            response = requests.get(oai_server + "oai", timeout=30, params={
                "verb": "ListRecords", "resumptionToken": token.text})
            doc = oai_valid(response.content, oai_schemas, lax=prefix == "rdf")
            pages += 1
        assert pages == 4


def test_harvest_log_reads_the_change_log_in_one_select_and_follows_it(
        make_archive: Any, store_backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from web.oai_log import LOOKUP_LIMIT, HarvestLog

    tiny = [{"id": f"oai-log-{i:04d}", "title": f"Log test {i}", "issuer": "Amnesty International",
             "date": "2020", "type": "press statement"} for i in range(LOOKUP_LIMIT + 50)]
    archive = make_archive(tiny, backend=store_backend)
    lookups: list[object] = []
    real_triples = archive.store.triples
    monkeypatch.setattr(archive.store, "triples",
                        lambda *args: lookups.append(args) or real_triples(*args))
    log = HarvestLog(archive)
    log.catch_up()
    assert lookups == []  # no entry-by-entry reads: one SELECT for the log, one for sets
    assert log.changes == archive.changes(0)
    assert log.sets["oai-log-0007"] == frozenset({"type:press-statement",
                                                  "issuer:amnesty-international"})
    archive.save([{**tiny[3], "title": "Log test 3, corrected"}], agent="test", replace=True)
    archive.delete("oai-log-0004", agent="test")
    log.catch_up()  # follows the two new entries incrementally
    assert log.changes == archive.changes(0) and len(log.changes) == len(tiny) + 2
    assert log.latest("oai-log-0004").deleted and log.latest("oai-log-0003").kind == "update"
    assert log.sets["oai-log-0004"] == log.sets["oai-log-0007"]
