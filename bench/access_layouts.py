"""Which store layout keeps non-public records out of anonymous SPARQL without slowing it:
the candidate layouts measured side by side on the same data and queries (issue 16).

    python bench/access_layouts.py --size 10000 [--size 100000] [--repeat 20] [--cap 30]

For each size it builds (or reuses, in ``--work``) an archive of generated statements
through the one write path (bench/generate.py, no search index), marks ``--share`` of them
non-public (drafts, restricted, embargoed: which does not matter to the layout), and copies
the store into the layouts:

- **today**: one store, the union default graph (every record visible: the baseline);
- **(a) graph list**: the same store, the public graphs listed as ``default_graph`` and
  ``named_graphs`` of each query;
- **(b)/(c) public store**: a second store holding the public records only (their statement
  and history graphs, their change-log entries, the resources they name, the vocabulary),
  queried with the union default graph. (b) writes it in the write path, (c) maintains it
  from the change log; both read the same;
- **(d) access graphs**: one store where every quad is also copied into one graph per access
  level (``{base}access/public``, ``{base}access/internal``), queried with
  ``default_graph=[access/public]`` (anonymous) or both (editors), ``named_graphs`` listed
  only when the query has a ``GRAPH`` pattern.

Every (layout, query) runs in a worker process of its own, the layouts taking turns on each
round (in an order that rotates) so that the shared machine's load falls on all of them
alike; a query that overruns ``--cap`` seconds is stopped and shown as "> cap", and a
layout whose runs of one query add up to more than ``--cap`` gets no more runs of it (the
table says how many). Then it times writes on each layout (1,000 new records; publishing
and un-publishing 100) and the disk each takes. Prints markdown tables (for
docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_search import folder_size, pct
from bench_sparql import QUERIES as BENCH_QUERIES
from generate import generate

from archive import Archive
from archive.store import Store
from web.sparql_engine import lexer

RA = "https://w3id.org/rights-archive/vocab#"
BATCH = 1000
MATCHES = ("women", "discrimination")  # what "women AND discrimination" finds, by hand

QUERIES = {**BENCH_QUERIES,
           "GRAPH ?g count": "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s a "
                             "ra:Statement } }"}


# The data ---------------------------------------------------------------------------------

def build_base(folder: Path, size: int, seed: int) -> float:
    """``size`` generated statements saved through the write path: seconds (0 if reused)."""
    done = folder / "complete"
    if done.exists():
        return 0.0
    archive = Archive(folder)
    records = list(generate(size, seed))
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        archive.save(records[start:start + BATCH], agent="bench")
        say(f"  base {size:,}: {start + BATCH:,} saved")
    archive.close()
    done.write_text("ok\n")
    return time.perf_counter() - started


@dataclass
class Plan:
    """Which graphs and change entries are public, from the base store's contents."""

    base: str
    hidden: set[str] = field(default_factory=set)  # statement URIs of non-public records
    public_graphs: list[str] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)
    hidden_changes: set[str] = field(default_factory=set)  # change-entry URIs

    @property
    def changes(self) -> str:
        return self.base + "changes"

    def level(self, quad: ox.Quad, public: set[str]) -> str:
        """The access graph a quad of the base store belongs to."""
        graph = quad.graph_name.value
        if graph == self.changes:
            return "internal" if quad.subject.value in self.hidden_changes else "public"
        return "public" if graph in public else "internal"


def plan(store: ox.Store, base: str, share: float, seed: int) -> Plan:
    """Mark ``share`` of the statements non-public; list what stays public: statement and
    history graphs of public records, resources a public record names (and what those
    name in turn), the vocabulary; and the change entries of non-public records."""
    result = Plan(base)
    graphs = sorted(g.value for g in store.named_graphs())
    result.statements = [g for g in graphs if g.startswith(base + "statements/")]
    rng = random.Random(seed)
    result.hidden = set(rng.sample(result.statements, round(share * len(result.statements))))
    resources = (base + "issuers/", base + "events/", base + "places/")
    reached: set[str] = set()
    todo = [s for s in result.statements if s not in result.hidden]
    while todo:
        graph = todo.pop()
        for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
            target = quad.object
            if isinstance(target, ox.NamedNode) and target.value.startswith(resources) \
                    and target.value not in reached:
                reached.add(target.value)
                todo.append(target.value)
    hidden_ids = {s.rsplit("/", 1)[1] for s in result.hidden}
    for graph in graphs:
        kind = graph[len(base):].split("/", 1)[0]
        if kind == "statements" and graph in result.hidden:
            continue
        if kind == "history" and graph.rsplit("/", 1)[1] in hidden_ids:
            continue
        if graph.startswith(resources) and graph not in reached:
            continue
        if graph == result.changes:
            continue  # one graph holding every entry: a list cannot take part of it
        result.public_graphs.append(graph)
    changed = ox.NamedNode(RA + "changedRecord")
    for quad in store.quads_for_pattern(None, changed, None, ox.NamedNode(result.changes)):
        if quad.object.value in result.hidden:
            result.hidden_changes.add(quad.subject.value)
    return result


def public_quads(store: ox.Store, p: Plan) -> Iterator[ox.Quad]:
    for graph in p.public_graphs:
        yield from store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(p.changes)):
        if quad.subject.value not in p.hidden_changes:
            yield quad


def level_quads(store: ox.Store, p: Plan) -> Iterator[ox.Quad]:
    """Every quad, and its copy in its access graph."""
    public = set(p.public_graphs)
    graphs = {name: ox.NamedNode(f"{p.base}access/{name}") for name in ("public", "internal")}
    for quad in store.quads_for_pattern(None, None, None, None):
        if not isinstance(quad.graph_name, ox.NamedNode):
            continue
        yield quad
        yield ox.Quad(quad.subject, quad.predicate, quad.object, graphs[p.level(quad, public)])


def copy_store(path: Path, quads: Iterable[ox.Quad]) -> None:
    shutil.rmtree(path, ignore_errors=True)  # the writes changed the last run's copies
    store = ox.Store(str(path))
    store.bulk_extend(quads)
    store.flush()
    store.optimize()
    del store


# Reading ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Layout:
    name: str
    store: str  # folder name
    dataset: str  # "union", "list", "access", "access-all"
    sees_all: bool = False  # an editor's view: ra:matches finds non-public records too


def options_for(dataset: str, query: str, p: Plan) -> dict[str, Any]:
    if dataset == "union":
        return {"use_default_graph_as_union": True}
    graphs = [ox.NamedNode(g) for g in p.public_graphs]
    if dataset == "list":
        return {"default_graph": graphs, "named_graphs": graphs}
    levels = ["public"] if dataset == "access" else ["public", "internal"]
    options: dict[str, Any] = {"default_graph": [ox.NamedNode(f"{p.base}access/{name}")
                                                 for name in levels]}
    if "GRAPH" in query and dataset == "access":
        options["named_graphs"] = graphs
    return options


def matches_lookup(store: ox.Store, p: Plan, public_only: bool) -> list[str]:
    """The statements whose text holds every word of MATCHES (what the index would find;
    for an anonymous query the index is asked for public records only)."""
    found = []
    for quad in store.quads_for_pattern(None, ox.NamedNode(RA + "text"), None, None):
        text = quad.object.value.lower()
        if quad.graph_name.value != quad.subject.value or (
                public_only and quad.subject.value in p.hidden):
            continue
        if all(word in text for word in MATCHES):
            found.append(quad.subject.value)
    return sorted(set(found))


def worker(connection: Any, path: str, dataset: str, p: Plan, matches: list[str]) -> None:
    """Answer (query name) with (milliseconds, results) until told to stop."""
    store = ox.Store.read_only(path)
    cache: dict[str, tuple[str, dict[str, Any]]] = {}
    while True:
        name = connection.recv()
        if name is None:
            return
        if name not in cache:
            text = lexer.rewrite_matches(QUERIES[name], lambda _: matches)[0]
            cache[name] = text, options_for(dataset, text, p)
        text, options = cache[name]
        started = time.perf_counter()
        result = store.query(text, prefixes=lexer.PREFIXES, base_iri=p.base, **options)
        count = sum(1 for _ in result)  # type: ignore[attr-defined]
        connection.send(((time.perf_counter() - started) * 1000, count))


class Runner:
    """One worker process per layout, restarted after a query overran the cap."""

    def __init__(self, layout: Layout, folder: Path, p: Plan, matches: list[str]) -> None:
        self.layout, self.folder, self.plan, self.matches = layout, folder, p, matches
        self.process: Any = None
        self.connection: Any = None

    def start(self) -> None:
        parent, child = mp.get_context("fork").Pipe()
        self.process = mp.get_context("fork").Process(
            target=worker, args=(child, str(self.folder / self.layout.store),
                                 self.layout.dataset, self.plan, self.matches), daemon=True)
        self.process.start()
        self.connection = parent

    def run(self, name: str, cap: float) -> tuple[float, int] | None:
        if self.process is None:
            self.start()
        self.connection.send(name)
        if self.connection.poll(cap):
            return self.connection.recv()
        self.stop(kill=True)
        return None

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.connection.send(None)
        self.process.join(30)
        self.process = None


def read_figures(folder: Path, p: Plan, layouts: list[Layout], repeat: int, cap: float
                 ) -> dict[str, dict[str, Any]]:
    """Per query and layout: p50, p95 (ms) and the result count, or "> cap"."""
    base = ox.Store.read_only(str(folder / "today"))
    everyone, public = matches_lookup(base, p, False), matches_lookup(base, p, True)
    del base
    runners = {lay.name: Runner(lay, folder, p, everyone if lay.sees_all else public)
               for lay in layouts}
    figures: dict[str, dict[str, Any]] = {}
    for name in QUERIES:
        samples: dict[str, list[float]] = {lay.name: [] for lay in layouts}
        counts: dict[str, int] = {}
        over: set[str] = set()  # overran the cap once: stopped
        spent = dict.fromkeys(samples, 0.0)
        for round_ in range(repeat + 1):  # round 0 warms up
            for lay in layouts[round_ % len(layouts):] + layouts[:round_ % len(layouts)]:
                if lay.name in over or (round_ > 1 and spent[lay.name] > cap * 1000):
                    continue  # past the cap in all: the runs so far stand
                answer = runners[lay.name].run(name, cap)
                if answer is None:
                    over.add(lay.name)
                    continue
                counts[lay.name] = answer[1]
                spent[lay.name] += answer[0]
                if round_:
                    samples[lay.name].append(answer[0])
        figures[name] = {lay.name: (None if lay.name in over or not samples[lay.name] else
                                    (pct(samples[lay.name], .5), pct(samples[lay.name], .95),
                                     counts[lay.name], len(samples[lay.name])))
                         for lay in layouts}
        say(f"  {name}: " + ", ".join(
            f"{k} {'> cap' if v is None else f'{v[1]:.1f} ms'}"
            for k, v in figures[name].items()))
    for runner in runners.values():
        runner.stop()
    return figures


# Writing ----------------------------------------------------------------------------------

def renamed(quads: Iterable[ox.Quad], suffix: str, base: str) -> list[ox.Quad]:
    """Quads of some records as those of new records (ids and change entries renamed)."""
    def term(t: Any) -> Any:
        if isinstance(t, ox.NamedNode) and t.value.startswith(
                (base + "statements/", base + "history/", base + "changes/")):
            return ox.NamedNode(t.value + suffix)
        return t
    return [ox.Quad(term(q.subject), q.predicate, term(q.object), term(q.graph_name))
            for q in quads]


def record_quads(store: ox.Store, p: Plan, statement: str) -> list[ox.Quad]:
    """A record's statement and history graphs and its change entries."""
    record_id = statement.rsplit("/", 1)[1]
    quads = [*store.quads_for_pattern(None, None, None, ox.NamedNode(statement)),
             *store.quads_for_pattern(None, None, None,
                                      ox.NamedNode(f"{p.base}history/{record_id}"))]
    changed = ox.NamedNode(RA + "changedRecord")
    for entry in store.quads_for_pattern(None, changed, ox.NamedNode(statement),
                                         ox.NamedNode(p.changes)):
        quads += store.quads_for_pattern(entry.subject, None, None, ox.NamedNode(p.changes))
    return quads


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def as_level(quads: Iterable[ox.Quad], base: str, level: str) -> list[ox.Quad]:
    graph = ox.NamedNode(f"{base}access/{level}")
    return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]


def write_figures(folder: Path, p: Plan) -> dict[str, dict[str, float]]:
    """Milliseconds per write kind and layout, on the layouts' own stores."""
    stores = {name: Store(folder / name) for name in ("today", "public", "access")}
    full = stores["today"]._ox
    public = [s for s in p.statements if s not in p.hidden]
    source = [q for s in public[:BATCH] for q in record_quads(full, p, s)]
    new = renamed(source, "-w", p.base)
    out: dict[str, dict[str, float]] = {}
    # 1,000 new public records.
    out["1,000 new records"] = {
        "today": timed(lambda: stores["today"].apply(new)),
        "(b) in the write path": timed(lambda: stores["public"].apply(new)),
        "(d) access graphs": timed(lambda: stores["access"].apply(
            [*renamed(source, "-w", p.base), *as_level(new, p.base, "public")])),
    }
    out["1,000 new records"]["(b) in the write path"] += out["1,000 new records"]["today"]
    # (c): the follower reads each changed record back from the full store after the write.
    fresh = renamed(source, "-x", p.base)
    stores["today"].apply(fresh)
    subjects = sorted({q.subject.value for q in fresh if q.graph_name.value == q.subject.value})
    out["1,000 new records"]["(c) follower, after the write"] = timed(
        lambda: stores["public"].apply([q for s in subjects for q in record_quads(full, p, s)]))
    # Publishing 100 hidden records and taking 100 public ones back.
    hidden = sorted(p.hidden)[:100]
    shown = public[BATCH:BATCH + 100]
    for label, moving, to_public in (("publish 100", hidden, True),
                                     ("un-publish 100", shown, False)):
        quads = [q for s in moving for q in record_quads(full, p, s)]
        # What every layout writes: the status triple in each statement's graph.
        status = [ox.Quad(ox.NamedNode(s), ox.NamedNode(RA + "publicationStatus"),
                          ox.Literal("draft"), ox.NamedNode(s)) for s in moving]
        out[label] = {
            "today": timed(lambda q=status, up=to_public: stores["today"].apply(
                [] if up else q, remove=q if up else [])),
            "(b) in the write path": timed(lambda q=quads, up=to_public: stores["public"].apply(
                q if up else [], remove=[] if up else q)),
            "(d) access graphs": timed(lambda q=quads, up=to_public: stores["access"].apply(
                as_level(q, p.base, "public" if up else "internal"),
                remove=as_level(q, p.base, "internal" if up else "public"))),
        }
        out[label]["(b) in the write path"] += out[label]["today"]
        out[label]["(d) access graphs"] += out[label]["today"]
        out[label]["(c) follower, after the write"] = out[label]["(b) in the write path"]
    for store in stores.values():
        store.close()
    return out


# The run ----------------------------------------------------------------------------------

LAYOUTS = [
    Layout("today (all records)", "today", "union", True),
    Layout("(a) graph list", "today", "list"),
    Layout("(b)/(c) public store", "public", "union"),
    Layout("(d) access graph", "access", "access"),
    Layout("(d) editors: 2 access graphs", "access", "access-all", True),
]


def measure(work: Path, size: int, args: argparse.Namespace) -> dict[str, Any]:
    folder = work / f"size-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    seconds = build_base(folder / "base", size, args.seed)
    base_store = ox.Store.read_only(str(folder / "base" / "store"))
    base = json.loads((folder / "base" / "archive.json").read_text())["base_uri"]
    p = plan(base_store, base, args.share, args.seed)
    say(f"size {size:,}: {len(p.statements):,} statements, {len(p.hidden):,} non-public, "
        f"{len(p.public_graphs):,} public graphs")
    built: dict[str, float] = {}
    for name, quads in (("today", base_store.quads_for_pattern(None, None, None, None)),
                        ("public", public_quads(base_store, p)),
                        ("access", level_quads(base_store, p))):
        built[name] = timed(lambda n=name, q=quads: copy_store(folder / n, q)) / 1000
    quads = {name: len(ox.Store.read_only(str(folder / name))) for name in built}
    disk = {name: folder_size(folder / name) / 1e6 for name in built}
    del base_store
    layouts = [lay for lay in LAYOUTS if args.skip_list is False or lay.dataset != "list"]
    reads = read_figures(folder, p, layouts, args.repeat, args.cap)
    writes = write_figures(folder, p) if args.writes else {}
    return {"size": size, "plan": p, "seconds": seconds, "reads": reads, "writes": writes,
            "disk": disk, "quads": quads, "built": built, "layouts": layouts,
            "repeat": args.repeat}


def report(r: dict[str, Any], cap: float) -> str:
    p: Plan = r["plan"]
    lines = [f"### {r['size']:,} statements, {len(p.hidden):,} of them non-public", "",
             f"{len(p.public_graphs):,} public graphs (statement and history graphs, "
             "resources, vocabulary). SPARQL p50 / p95 ms (results); the ratio is p95 "
             "against today's.", ""]
    names = [lay.name for lay in r["layouts"]]
    lines += ["| query | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for query, row in r["reads"].items():
        today = row[names[0]]
        cells = []
        for name in names:
            value = row[name]
            if value is None:
                cells.append(f"> {cap:g} s (stopped)")
                continue
            ratio = f", ×{value[1] / today[1]:.2f}" if today and name != names[0] and \
                today[1] else ""
            runs = f", {value[3]} runs" if value[3] < r["repeat"] else ""
            cells.append(f"{value[0]:,.1f} / {value[1]:,.1f} ({value[2]:,}{ratio}{runs})")
        lines.append(f"| {query} | " + " | ".join(cells) + " |")
    lines += ["", "| store | quads | disk MB | built in s |", "|---|---:|---:|---:|"]
    labels = {"today": "today (one store)", "public": "(b)/(c) public store (beside today's)",
              "access": "(d) one store with access graphs"}
    for name, label in labels.items():
        lines.append(f"| {label} | {r['quads'][name]:,} | {r['disk'][name]:,.1f} | "
                     f"{r['built'][name]:,.1f} |")
    if r["writes"]:
        columns = ["today", "(b) in the write path", "(c) follower, after the write",
                   "(d) access graphs"]
        lines += ["", "| store write, ms | " + " | ".join(columns) + " |",
                  "|---|" + "---:|" * len(columns)]
        for kind, row in r["writes"].items():
            lines.append(f"| {kind} | " + " | ".join(f"{row[c]:,.0f}" for c in columns) + " |")
    return "\n".join(lines) + "\n"


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, action="append", help="statements (repeatable)")
    parser.add_argument("--share", type=float, default=0.1, help="non-public share")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--cap", type=float, default=30, help="seconds per query at most")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path("/tmp/access-layouts"),
                        help="where the stores are built (kept and reused)")
    parser.add_argument("--skip-list", action="store_true", help="leave out layout (a)")
    parser.add_argument("--no-writes", dest="writes", action="store_false")
    args = parser.parse_args()
    for size in args.size or [10_000]:
        print(report(measure(args.work, size, args), args.cap), flush=True)


if __name__ == "__main__":
    main()
