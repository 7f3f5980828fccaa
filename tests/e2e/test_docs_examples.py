"""The documented examples, run on the bundled sample as written.

Read from the docs themselves, so an example that stops working (or a doc edited into
one that never did) fails here: the queries of the search tables (each must find
something, and its operators must do what the row says), every "`q` finds *word*",
"`a` finds the same statements as `b`" and "`q` gives `[…]`" claim, the search
addresses and curl commands of docs/researchers.md and docs/sparql.md, every SPARQL
block of docs/sparql.md, the write API session of docs/api.md (its shell blocks run in
order by bash against a live server), the `suggest` and `/reconcile` examples of
docs/archivists.md, and
every relative link and file the docs name.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support import ROOT, sample_module_app, serving

DOCS = ROOT / "docs"
SEARCH_DOCS = ("search.md", "researchers.md")
COMMAND = Path(sys.executable).parent / "rights-archive"


def text_of(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def fenced(name: str, language: str = "") -> list[str]:
    """The fenced blocks of ``name`` opened with ```language (exactly)."""
    pattern = rf"^```{re.escape(language)}\n(.*?)^```$"
    return re.findall(pattern, text_of(name), flags=re.MULTILINE | re.DOTALL)


def table_queries(name: str) -> list[tuple[str, str]]:
    """Backticked queries in the "you type" and "example" columns of the doc's tables,
    each with the row's other cells (what it promises)."""
    queries: list[tuple[str, str]] = []
    column = None
    for line in text_of(name).splitlines():
        if not line.startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if column is None:
            wanted = [i for i, c in enumerate(cells) if c in ("you type", "example")]
            column = wanted[0] if wanted else -1
            continue
        if column < 0 or set(cells[0]) <= {"-"} or len(cells) <= column:
            continue
        promise = " ".join(c for i, c in enumerate(cells) if i != column)
        queries += [(q, promise) for q in re.findall(r"`([^`]+)`", cells[column])]
    return queries


@pytest.fixture(scope="module")
def docs_app(request: pytest.FixtureRequest) -> Iterator[Any]:
    with sample_module_app(request, "oxigraph") as app:
        yield app


@pytest.fixture
def client(docs_app: Any) -> Any:
    return docs_app.test_client()


def search(client: Any, q: str = "", query_string: str | None = None, **args: Any
           ) -> dict[str, Any]:
    url = f"/api/search?{query_string}" if query_string is not None else "/api/search"
    response = client.get(url, query_string=None if query_string is not None
                          else {"q": q, "page_size": 100, **args})
    assert response.status_code == 200, (q, query_string, response.get_data(as_text=True))
    return response.get_json()


def all_table_queries() -> list[tuple[str, str, str]]:
    return [(name, q, promise) for name in SEARCH_DOCS for q, promise in table_queries(name)]


def test_the_tables_hold_the_examples_this_test_reads() -> None:
    queries = dict.fromkeys(q for _, q, _ in all_table_queries())
    for expected in ('"human rights council"', "place:fiji", 'event:"US withdrawal"',
                     "climate NOT paris", "torture OR detention"):
        assert expected in queries


@pytest.mark.parametrize("doc,q,promise", all_table_queries(), ids=lambda v: v[:40])
def test_every_query_of_the_search_tables_finds_statements(client: Any, doc: str, q: str,
                                                           promise: str) -> None:
    data = search(client, q)
    assert data["total"] > 0, f"{doc}: `{q}` finds nothing on the sample"
    assert data["notice"] is None, f"{doc}: `{q}`: {data['notice']}"
    total = data["total"]
    if " NOT " in q:
        left = q.split(" NOT ")[0].removesuffix(" AND")
        assert total < search(client, left)["total"], f"{doc}: NOT in `{q}` removes nothing"
    elif " OR " in q and "(" not in q:
        for side in q.split(" OR "):
            assert total >= search(client, side)["total"]
    elif "both words" in promise:  # all of them are required
        for word in q.split():
            assert total <= search(client, word)["total"]


def claims(pattern: str) -> list[tuple[str, ...]]:
    return [m for name in SEARCH_DOCS for m in re.findall(pattern, text_of(name))]


@pytest.mark.parametrize("q,word", claims(r"`([^`]+)` finds \*([^*]+)\*"))
def test_every_finds_claim_holds(client: Any, q: str, word: str) -> None:
    """Some result shows ``word`` in its title or in a marked passage of its snippet."""
    wanted = word.casefold()
    shown = [h["title"].casefold() for h in search(client, q)["results"]]
    shown += [m.casefold() for h in search(client, q)["results"]
              for m in re.findall(r"<mark>(.*?)</mark>", h["snippet"])]
    assert any(wanted in text for text in shown), f"`{q}` shows no *{word}*"


@pytest.mark.parametrize("one,other", claims(
    r"`([^`]+)`\s+finds the same statements as `([^`]+)`") + claims(
    r"^\| `([^`]+)` \|[^\n]*the same statements as `([^`]+)`"))
def test_every_same_statements_claim_holds(client: Any, one: str, other: str) -> None:
    first, second = search(client, one), search(client, other)
    assert first["total"] == second["total"] > 0, (one, other)
    assert {h["id"] for h in first["results"]} == {h["id"] for h in second["results"]}


@pytest.mark.parametrize("q,expected", claims(r"`([^`]+)` gives\s+`(\[[^`]*\])`"))
def test_every_matched_claim_holds(client: Any, q: str, expected: str) -> None:
    reasons = json.loads(expected)
    found = search(client, q)["results"]
    assert any(set(reasons) <= set(h["matched"]) for h in found), (q, reasons)


def test_stemming_and_accents_claims_are_read() -> None:
    found = dict(claims(r"`([^`]+)` finds \*([^*]+)\*"))
    assert found.get("stephane") == "Stéphane" and "title:droit" in found


def addresses() -> list[str]:
    lines = [line.strip() for block in fenced("researchers.md") for line in block.splitlines()]
    return [line for line in lines if line.startswith("/search?")]


@pytest.mark.parametrize("address", addresses())
def test_the_search_addresses_of_researchers_md_find_statements(client: Any,
                                                                address: str) -> None:
    query_string = urlsplit(address).query
    data = search(client, query_string=query_string)
    assert data["total"] > 0 and data["page"] <= data["pages"], address
    assert client.get(address).status_code == 200


def curls(name: str) -> list[list[str]]:
    """The words of each ``curl`` command in the shell blocks of a doc (a line ending in a
    backslash goes on on the next line, as in the shell)."""
    return [shlex.split(line) for block in fenced(name, "sh")
            for line in block.replace("\\\n", " ").splitlines() if line.startswith("curl ")]


def curl_headers(words: list[str]) -> dict[str, str]:
    return dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")


@pytest.mark.parametrize("words", curls("researchers.md"), ids=lambda w: " ".join(w[1:]))
def test_the_curl_commands_of_researchers_md(client: Any, words: list[str]) -> None:
    url = urlsplit(words[-1])
    assert url.netloc == "localhost:5000"
    response = client.get(f"{url.path}?{url.query}", headers=curl_headers(words),
                          follow_redirects="-L" in words)
    assert response.status_code == 200
    if url.path.endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert rows and rows[0]["id"]
    elif url.path.startswith("/api/search"):
        assert response.get_json()["total"] > 0
    else:
        wanted = curl_headers(words).get("Accept")
        assert not wanted or response.mimetype == wanted
        assert "us-human-rights-cities-alliance" in response.get_data(as_text=True) or \
            "ungdc-bgr-45-1990" in response.get_data(as_text=True)


def test_the_curl_example_of_sparql_md(client: Any) -> None:
    (words,) = curls("sparql.md")
    accept = words[words.index("-H") + 1].split(": ", 1)[1]
    query = words[words.index("--data-urlencode") + 1].removeprefix("query=")
    response = client.post(urlsplit(words[-1]).path, data={"query": query},
                           headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    assert len(response.get_data(as_text=True).strip().splitlines()) > 1  # a header and rows


def test_the_reconcile_example_of_archivists_md_answers_as_shown(client: Any) -> None:
    (words,) = [w for w in curls("archivists.md") if any("/reconcile" in word for word in w)]
    url = next(urlsplit(w) for w in words if w.startswith("http"))
    field, _, value = words[words.index("--data-urlencode") + 1].partition("=")
    response = client.post(url.path, data={field: value})
    assert response.status_code == 200
    shown = [json.loads(b) for b in fenced("archivists.md", "json") if '"q0"' in b]
    assert shown == [response.get_json()]


def python_queries() -> list[str]:
    """The queries the Python examples of docs/sparql.md send (``setQuery("…")``)."""
    return [q for block in fenced("sparql.md", "python")
            for q in re.findall(r'setQuery\("([^"]+)"\)', block)]


def test_sparql_md_has_a_python_example() -> None:
    assert python_queries()


@pytest.mark.parametrize("query", fenced("sparql.md", "sparql") + python_queries(),
                         ids=lambda q: " ".join(q.split())[:40])
def test_every_sparql_example_answers_rows(client: Any, query: str) -> None:
    if not re.match(r"\s*(PREFIX|SELECT|ASK|CONSTRUCT|DESCRIBE)\b", query):
        query = f"SELECT * WHERE {{ {query} }}"  # a pattern shown on its own
    response = client.post("/sparql", data={"query": query},
                           headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"]["bindings"], query


def test_the_write_api_session_of_api_md_runs_as_written(docs_app: Any, tmp_path: Path
                                                         ) -> None:
    """Every shell block of docs/api.md, in order, in one bash, against a live server."""
    script = "set -e\n" + "\n".join(fenced("api.md", "sh"))
    env = {**os.environ, "RIGHTS_ARCHIVE_DATA": str(docs_app.config["DATA_DIR"]),
           "PATH": f"{COMMAND.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("RIGHTS_ARCHIVE_BASE_URI", None)
    with serving(docs_app) as url:
        env["ARCHIVE"] = url.rstrip("/")
        done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, text=True,
                              capture_output=True, timeout=300)
    out = done.stdout
    assert done.returncode == 0, done.stderr
    assert "HTTP/1.1 201 CREATED" in out and 'ETag: "water-network-2024-03-22-v1"' in out
    assert "3 problems" in out  # the refusal lists every problem
    assert 'ETag: "water-network-2024-03-22-v2"' in out
    codes = [line for line in out.splitlines() if re.fullmatch(r"\d{3}", line)]
    assert codes == ["201", "412", "410"]  # the Turtle create, the stale edit, the delete
    history = json.loads(out.strip().splitlines()[-1])
    kinds = [v["kind"] for v in sorted(history, key=lambda v: v["version"])]
    assert kinds == ["create", "update", "delete", "restore"]


def test_the_suggest_example_of_archivists_md(tmp_path: Path) -> None:
    (block,) = [b for b in fenced("archivists.md", "sh") if "rights-archive suggest" in b]
    command, *shown = block.strip().splitlines()
    args = shlex.split(command.removeprefix("$ "))
    assert (ROOT / args[-1]).is_file(), f"{args[-1]} is not in a clone"
    env = {**os.environ, "RIGHTS_ARCHIVE_DATA": str(tmp_path / "data")}
    env.pop("RIGHTS_ARCHIVE_BASE_URI", None)
    done = subprocess.run([str(COMMAND), *args[1:]], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    printed = [" ".join(line.split()) for line in done.stdout.splitlines()]
    for line in shown:
        if line.strip() != "…":
            assert " ".join(line.split()) in printed, line


def test_the_docs_name_only_files_a_clone_has() -> None:
    for path in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        assert "INTERFACE.md" not in text and "../shared" not in text, path.name
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if not re.match(r"[a-z]+:", target) and not target.startswith("/"):
                assert (path.parent / target).exists(), f"{path.name} links {target}"

