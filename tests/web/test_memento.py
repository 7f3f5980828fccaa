"""Memento (RFC 7089): a statement URI is its own TimeGate, each version a Memento, and
``/timemap/{id}`` lists them; checked with memento-client and with the RFC's own exchanges
(pattern 1.1, §4.1.1; TimeMap, §5) over raw HTTP against a live server.

The timeline of one statement: created (v1), edited (v2), deleted (v3), restored from v1
(v4), each write in a later second than the one before (Memento-Datetime has seconds).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests
from memento_client import MementoClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS
from requests.utils import parse_header_links

from tests.support import next_second, open_app, serving

RECORD = {"id": "water-statement", "title": "Statement on the right to water",
          "issuer": "Water Rights Coalition", "date": "2019-03-22", "language": "en",
          "text": "Water is a human right."}
EDITED = {**RECORD, "title": "Corrected statement on the right to water"}
URI = "http://localhost:5000/statements/water-statement"
TURTLE = {"Accept": "text/turtle"}


def when(version: Any) -> datetime:
    return version.time.astimezone(UTC).replace(microsecond=0)


def http(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


@pytest.fixture(scope="module")
def timeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A live server over one statement with four versions (see the module docstring)."""
    with open_app(tmp_path_factory.mktemp("memento")) as app:
        archive = app.extensions["archive"]
        archive.save([RECORD], agent="ann")
        next_second()
        archive.save([EDITED], agent="ann", replace=True)
        next_second()
        archive.delete(RECORD["id"], agent="ann")
        next_second()
        archive.restore(RECORD["id"], 1, agent="ann")
        versions = archive.history(RECORD["id"])
        with serving(app) as root:
            yield {"root": root, "uri_r": f"{root}statements/{RECORD['id']}",
                   "times": [when(v) for v in versions], "app": app}


def links(response: requests.Response) -> dict[str, dict[str, str]]:
    """The Link header parsed (requests' parser), by relation types as written."""
    return {link["rel"]: link for link in parse_header_links(response.headers["Link"])}


def by_rel(response: requests.Response, rel: str) -> list[dict[str, str]]:
    """Links whose relation types include ``rel``."""
    return [link for link in parse_header_links(response.headers["Link"])
            if rel in link["rel"].split()]


def test_versions_are_a_second_apart(timeline: dict[str, Any]) -> None:
    assert timeline["times"] == sorted(set(timeline["times"]))
    assert len(timeline["times"]) == 4


# memento-client --------------------------------------------------------------------------

def memento_client() -> MementoClient:
    """memento-client 0.6.1 asks the Original Resource for its TimeGate and gives up when
    it finds ``Vary: accept-datetime`` (a URI-R that is its own TimeGate, pattern 1.1), to
    fall back to the aggregator's ``timegate_uri + URI-R``. Its documented ``timegate_uri``
    option with an empty base makes that fallback the URI-R itself."""
    return MementoClient(timegate_uri="", check_native_timegate=False)


def test_memento_client_negotiates_each_moment(timeline: dict[str, Any]) -> None:
    uri_r, times = timeline["uri_r"], timeline["times"]
    client = memento_client()
    expected = {  # a moment → the version valid then
        times[0] - timedelta(days=400): 1, times[0]: 1, times[1] - timedelta(seconds=1): 1,
        times[1]: 2, times[2] - timedelta(seconds=1): 2, times[2]: 3, times[3]: 4,
        times[3] + timedelta(days=30): 4,
    }
    for moment, number in expected.items():
        info = client.get_memento_info(uri_r, moment.replace(tzinfo=None))
        closest = info["mementos"]["closest"]
        assert closest["uri"] == [f"{uri_r}/versions/{number}"], moment
        assert closest["datetime"] == times[number - 1].replace(tzinfo=None)
        assert closest["http_status_code"] == (410 if number == 3 else 200)
        assert info["mementos"]["first"]["uri"] == [f"{uri_r}/versions/1"]
        assert info["mementos"]["last"]["uri"] == [f"{uri_r}/versions/4"]
    info = client.get_memento_info(uri_r, times[1].replace(tzinfo=None))
    assert info["mementos"]["prev"]["uri"] == [f"{uri_r}/versions/1"]
    assert info["mementos"]["next"]["uri"] == [f"{uri_r}/versions/3"]


def test_memento_client_recognises_mementos_and_the_timegate(timeline: dict[str, Any]
                                                             ) -> None:
    uri_r = timeline["uri_r"]
    client = memento_client()
    assert client.get_original_uri(f"{uri_r}/versions/2") == uri_r
    assert MementoClient.is_memento(f"{uri_r}/versions/2")
    assert not MementoClient.is_memento(uri_r)
    assert MementoClient.is_timegate(uri_r, accept_datetime=http(timeline["times"][1]))


# The RFC's exchanges over raw HTTP -------------------------------------------------------

def test_original_resource_is_its_own_timegate(timeline: dict[str, Any]) -> None:
    """§4.1.1 Figure 5: 302, Vary: accept-datetime, Location of the URI-M, Link original,
    timegate, timemap and the Mementos around it."""
    uri_r, times = timeline["uri_r"], timeline["times"]
    response = requests.head(uri_r, headers={"Accept-Datetime": http(times[1])},
                             allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert "accept-datetime" in [v.strip().lower() for v in response.headers["Vary"].split(",")]
    assert response.headers["Location"] == f"{uri_r}/versions/2"
    found = links(response)
    assert found["original timegate"]["url"] == uri_r
    timemap = found["timemap"]
    assert timemap["url"] == f"{timeline['root']}timemap/{RECORD['id']}"
    assert timemap["type"] == "application/link-format"
    assert parsedate_to_datetime(timemap["from"]) == times[0]
    assert parsedate_to_datetime(timemap["until"]) == times[3]
    assert found["first prev memento"]["url"] == f"{uri_r}/versions/1"
    assert found["memento"]["url"] == f"{uri_r}/versions/2"
    assert parsedate_to_datetime(found["memento"]["datetime"]) == times[1]
    assert found["next memento"]["url"] == f"{uri_r}/versions/3"
    assert found["last memento"]["url"] == f"{uri_r}/versions/4"


def test_original_resource_without_accept_datetime(timeline: dict[str, Any]) -> None:
    """The current answer, varying on Accept-Datetime and naming its TimeGate and TimeMap."""
    uri_r = timeline["uri_r"]
    response = requests.get(uri_r, timeout=10)
    assert response.status_code == 200
    assert "accept-datetime" in response.headers["Vary"].lower()
    assert "Memento-Datetime" not in response.headers
    assert by_rel(response, "timegate")[0]["url"] == uri_r
    assert by_rel(response, "timemap")[0]["type"] == "application/link-format"
    assert "Statement on the right to water" in response.text


def test_each_memento_carries_its_datetime_links_and_content(timeline: dict[str, Any]
                                                             ) -> None:
    """§4.1.1 Figure 7, for every version, in HTML and Turtle."""
    uri_r, times = timeline["uri_r"], timeline["times"]
    titles = {1: "Statement on the right to water",
              2: "Corrected statement on the right to water",
              4: "Statement on the right to water"}
    for number, moment in enumerate(times, start=1):
        response = requests.get(f"{uri_r}/versions/{number}", timeout=10)
        assert response.status_code == (410 if number == 3 else 200)
        stamp = response.headers["Memento-Datetime"]
        assert stamp == http(moment) and parsedate_to_datetime(stamp) == moment
        assert by_rel(response, "original")[0]["url"] == uri_r
        assert by_rel(response, "timegate")[0]["url"] == uri_r
        assert by_rel(response, "timemap")[0]["url"].endswith(f"/timemap/{RECORD['id']}")
        prev, following = by_rel(response, "prev"), by_rel(response, "next")
        assert [link["url"] for link in prev] == (
            [f"{uri_r}/versions/{number - 1}"] if number > 1 else [])
        assert [link["url"] for link in following] == (
            [f"{uri_r}/versions/{number + 1}"] if number < 4 else [])
        if number == 3:
            assert "This statement was deleted" in response.text
            continue
        assert titles[number] in response.text
        turtle = requests.get(f"{uri_r}/versions/{number}", headers=TURTLE, timeout=10)
        assert turtle.headers["Content-Type"].startswith("text/turtle")
        assert "Memento-Datetime" in turtle.headers
        graph = Graph().parse(data=turtle.text, format="turtle")
        assert str(graph.value(URIRef(URI), DCTERMS.title)) == titles[number]


def test_timegate_keeps_the_asked_format(timeline: dict[str, Any]) -> None:
    uri_r, times = timeline["uri_r"], timeline["times"]
    moment = {"Accept-Datetime": http(times[1])}
    asked = requests.get(f"{uri_r}?format=ttl", headers=moment, allow_redirects=False,
                         timeout=10)
    assert asked.headers["Location"] == f"{uri_r}/versions/2?format=ttl"
    followed = requests.get(uri_r, headers={**moment, **TURTLE}, timeout=10)
    assert followed.url == f"{uri_r}/versions/2"
    graph = Graph().parse(data=followed.text, format="turtle")
    assert str(graph.value(URIRef(URI), DCTERMS.title)) == \
        "Corrected statement on the right to water"


def test_timemap_lists_every_memento(timeline: dict[str, Any]) -> None:
    """§5.1.1: original, timegate, self with type/from/until, each memento with datetime."""
    uri_r, times = timeline["uri_r"], timeline["times"]
    url = f"{timeline['root']}timemap/{RECORD['id']}"
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/link-format")
    parsed = MementoClient.parse_link_header(response.text)
    assert parsed[uri_r]["rel"] == ["original", "timegate"]
    assert parsed[url]["rel"] == ["self"]
    assert parsed[url]["type"] == ["application/link-format"]
    assert [parsedate_to_datetime(parsed[url][k][0]) for k in ("from", "until")] == \
        [times[0], times[3]]
    mementos = {uri: value for uri, value in parsed.items() if "memento" in value["rel"]}
    assert list(mementos) == [f"{uri_r}/versions/{n}" for n in (1, 2, 3, 4)]
    assert [parsedate_to_datetime(m["datetime"][0]) for m in mementos.values()] == times
    assert mementos[f"{uri_r}/versions/1"]["rel"] == ["first", "memento"]
    assert mementos[f"{uri_r}/versions/4"]["rel"] == ["last", "memento"]


def test_malformed_accept_datetime_is_400_naming_the_form(timeline: dict[str, Any]) -> None:
    for value in ("2019-03-22", "Thu, 31 May 2007 20:35:00 UTC", "Thu, 31 Foo 2007 20:35:00 GMT",
                  "Thu, 31 Feb 2007 20:35:00 GMT", "yesterday", "Thu, 31 May 2007 20:35 GMT"):
        response = requests.get(timeline["uri_r"], headers={"Accept-Datetime": value},
                                allow_redirects=False, timeout=10)
        assert response.status_code == 400, value
        assert '"Thu, 31 May 2007 20:35:00 GMT"' in response.text
        assert "RFC 1123" in response.text


def test_unknown_statement_has_no_timegate_or_timemap(timeline: dict[str, Any]) -> None:
    root = timeline["root"]
    headers = {"Accept-Datetime": "Thu, 31 May 2007 20:35:00 GMT"}
    assert requests.get(f"{root}statements/nothing-here", headers=headers,
                        allow_redirects=False, timeout=10).status_code == 404
    assert requests.get(f"{root}timemap/nothing-here", timeout=10).status_code == 404
    assert requests.get(f"{timeline['uri_r']}/versions/9", timeout=10).status_code == 404


def test_deleted_statement_is_410_but_still_negotiates(make_app: Any) -> None:
    """§4.5.2: a URI-R that no longer exists answers 410, names its TimeGate, and the
    TimeGate still leads to the versions before the delete. A delete withdraws the content:
    until a restore those versions answer the tombstone (410, still Mementos), except to an
    editor, who reads them to decide on restoring."""
    app = make_app([RECORD])
    archive = app.extensions["archive"]
    created = when(archive.history(RECORD["id"])[0])
    next_second()
    archive.delete(RECORD["id"], agent="ann")
    client = app.test_client()
    gone = client.get(f"/statements/{RECORD['id']}")
    assert gone.status_code == 410
    assert "accept-datetime" in gone.headers["Vary"].lower()
    assert any("timegate" in link["rel"].split()
               for link in parse_header_links(gone.headers["Link"]))
    redirect = client.get(f"/statements/{RECORD['id']}",
                          headers={"Accept-Datetime": http(created)})
    assert redirect.status_code == 302
    assert redirect.headers["Location"].endswith(f"/statements/{RECORD['id']}/versions/1")
    withdrawn = client.get(f"/statements/{RECORD['id']}/versions/1")
    assert withdrawn.status_code == 410
    assert "Memento-Datetime" in withdrawn.headers
    assert "Statement on the right to water" not in withdrawn.get_data(as_text=True)
    _, token = app.extensions["auth"].create_token("restorer", "editor")
    memento = client.get(f"/statements/{RECORD['id']}/versions/1",
                         headers={"Authorization": f"Bearer {token}"})
    assert memento.status_code == 200
    page = memento.get_data(as_text=True)
    assert "Statement on the right to water" in page and "was deleted on" in page
    assert f'href="/statements/{RECORD["id"]}/versions/2" rel="next"' in page


def test_page_cache_never_answers_a_timegate_request_with_the_current_page(make_app: Any
                                                                          ) -> None:
    app = make_app([RECORD])
    client = app.test_client()
    assert client.get(f"/statements/{RECORD['id']}").status_code == 200
    assert client.get(f"/statements/{RECORD['id']}").status_code == 200  # from the cache
    assert app.extensions["page_cache"].hits == 1
    moment = client.get(f"/statements/{RECORD['id']}",
                        headers={"Accept-Datetime": "Thu, 31 May 2007 20:35:00 GMT"})
    assert moment.status_code == 302
