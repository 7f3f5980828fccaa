"""The fence around search/engine/: the Whoosh version it needs, its one install step.

The engine re-implements Whoosh internals, so it refuses another Whoosh version with a
message that names both; it changes Whoosh only when :func:`search.engine.install` runs
(opening a ``SearchIndex`` does), never on import, and a second install changes nothing.
Whether Whoosh is patched is process state, so that part runs in a fresh interpreter.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from search import engine
from search.engine import WhooshVersionMismatch, check_whoosh

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "search" / "engine"


def test_written_against_is_the_pinned_version() -> None:
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert f"{engine.DISTRIBUTION}=={engine.WRITTEN_AGAINST}" in pins
    check_whoosh()  # the installed one is the pinned one: no error
    assert engine.installed_whoosh() == engine.WRITTEN_AGAINST


def test_another_whoosh_version_is_refused_naming_both() -> None:
    installed = engine.installed_whoosh()
    with pytest.raises(WhooshVersionMismatch) as refused:
        check_whoosh(expected="2.7.4")
    message = str(refused.value)
    assert message.startswith("search/engine/ was written against Whoosh-Reloaded 2.7.4, "
                              f"but Whoosh-Reloaded {installed} is installed;")
    assert "pip install 'whoosh-reloaded==2.7.4'" in message
    assert "search/engine/README.md" in message


@pytest.mark.parametrize("command_line", [["create"], ["serve", "--port", "1"]])
def test_a_command_opening_the_index_stops_on_another_whoosh(tmp_path: Path,
                                                            command_line: list[str]) -> None:
    """Another Whoosh-Reloaded found first on the path (its metadata, as pip installs it):
    the command stops where it opens the index — ``serve`` before it starts gunicorn,
    whose worker would bury the message in its log — with the message and exit status 1."""
    found_first = tmp_path / "site"
    dist_info = found_first / "whoosh_reloaded-9.9.9.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: Whoosh-Reloaded\nVersion: 9.9.9\n")
    command = Path(sys.executable).with_name("rights-archive")
    done = subprocess.run([str(command), "--data", str(tmp_path / "data"), *command_line],
                          env={**os.environ, "PYTHONPATH": str(found_first)}, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(
        f"error: search/engine/ was written against Whoosh-Reloaded {engine.WRITTEN_AGAINST}, "
        "but Whoosh-Reloaded 9.9.9 is installed;")
    assert not (tmp_path / "data" / "index").exists()


_PROBE = """
import json, sys
from pathlib import Path

import whoosh.matching
from whoosh.filedb.compound import CompoundStorage
from whoosh.query import SpanNear2

import search  # the whole package: indexer, searching, engine
from archive import Archive
from search import SearchIndex, engine

ORIGINAL = (whoosh.matching.ArrayUnionMatcher, SpanNear2.SpanNear2Matcher,
            CompoundStorage.open_file)

def state():
    now = (whoosh.matching.ArrayUnionMatcher, SpanNear2.SpanNear2Matcher,
           CompoundStorage.open_file)
    return {"installed": engine.is_installed(),
            "patched": [a is not b for a, b in zip(now, ORIGINAL)],
            "names": [getattr(x, "__qualname__", "") for x in now]}

steps = {"imported": state()}
folder = Path(sys.argv[1])
archive = Archive(folder / "data")
index = SearchIndex(folder / "data" / "index", archive)
steps["index opened"] = state()
engine.install()
engine.install()
steps["installed twice"] = state()
index.close()
archive.close()
print(json.dumps(steps))
"""


def test_whoosh_is_patched_by_install_alone_and_only_once(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout.splitlines()[-1])
    assert steps["imported"] == {
        "installed": False, "patched": [False, False, False],
        "names": ["ArrayUnionMatcher", "SpanNear2.SpanNear2Matcher",
                  "CompoundStorage.open_file"]}
    ours = {"installed": True, "patched": [True, True, True],
            "names": ["LazyArrayUnion", "LazySpanNear2", "_open_file"]}
    assert steps["index opened"] == ours
    assert steps["installed twice"] == ours


#: What engine modules may import besides the standard library and themselves.
ALLOWED = ("whoosh", "search.engine", "search.budget", "search.formats", "archive.errors")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_engine_imports_only_whoosh_and_its_few_neighbours() -> None:
    modules = sorted(ENGINE.glob("*.py"))
    assert {p.stem for p in modules} == {
        "__init__", "bitsets", "lazy_matchers", "matches", "pool", "postings", "scoring",
        "segment_files", "writer"}
    outside = {}
    for path in modules:
        for name in _imports(path):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            if not any(name == a or name.startswith(a + ".") for a in ALLOWED):
                outside.setdefault(path.name, []).append(name)
    assert outside == {}
    readme = (ENGINE / "README.md").read_text()
    for path in modules:
        if path.stem != "__init__":
            assert re.search(rf"^## `{path.name}`", readme, re.M), f"{path.name} not in README"
