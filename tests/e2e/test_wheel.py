"""The package as users get it: a wheel, installed in a fresh virtual environment.

The rest of the suite runs from the source tree (an editable install), where a module or
data file the package leaves out is still found. Here the wheel is built from a copy of the
tree, installed with pip into a new environment outside it (no system site-packages; the
dependencies pinned to the versions of the test environment, so that pip's cache serves
them), and its ``rights-archive`` command creates the sample archive and serves it from a
folder that is not the source tree, answering the home page (also in French and Arabic, from
the compiled catalogues in the wheel), SPARQL and the search API.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.support import ROOT, free_port

pytestmark = pytest.mark.slow

#: Not part of a clean clone; never copied into the build.
_NOT_SOURCE = (".venv", ".git", "__pycache__", "*.egg-info", "build", "dist", "data",
               ".pytest_cache", ".ruff_cache", "test-artifacts")


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600
         ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def _clean_env(bin_dir: Path | None = None) -> dict[str, str]:
    """The environment without this test run's paths, settings and archive variables."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("RIGHTS_ARCHIVE_", "PYTHON", "VIRTUAL_ENV", "PYTEST"))}
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(bin_dir.parent)
    return env


def _pins(folder: Path) -> Path:
    """The versions installed here, as pip constraints (the archive itself left out)."""
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout
    lines = [line for line in frozen.splitlines()
             if line and not line.startswith(("#", "-e", "rights-archive", "rights_archive"))
             and " @ " not in line]
    path = folder / "pins.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def _install(work: Path) -> Path:
    """The ``bin`` folder of a new environment with the wheel (and its dependencies) in it."""
    work.mkdir(parents=True, exist_ok=True)
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    wheels = work / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels),
          str(source)], cwd=work, env=_clean_env())
    (wheel,) = wheels.glob("rights_archive-*.whl")
    environment = work / "env"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(environment)
    bin_dir = environment / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "-c",
          str(_pins(work)), str(wheel)], cwd=work, env=_clean_env(bin_dir))
    return bin_dir


def _check_contents(installed: Path) -> None:
    """Each module and data file of the tree is in the installed package; tests are not."""
    code = ("import importlib.util, json, sys, pathlib\n"
            "tops = ['archive', 'search', 'vocab', 'web']\n"
            "print(json.dumps({t: str(pathlib.Path(importlib.util.find_spec(t).origin).parent)"
            " for t in tops}))")
    where = _run([str(installed / "python"), "-c", code], cwd=installed.parent,
                 env=_clean_env(installed)).stdout

    missing = []
    for top, folder in json.loads(where).items():
        assert "site-packages" in folder, f"{top} imported from {folder}, not the install"
        tree = ROOT / top
        for path in tree.rglob("*"):
            if path.is_dir() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            if not (Path(folder) / path.relative_to(tree)).exists():
                missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"left out of the wheel: {missing}"
    assert not list(installed.parent.glob("lib/python*/site-packages/tests")), \
        "the tests were installed as a package"


@contextmanager
def _serving(installed: Path, elsewhere: Path) -> Iterator[str]:
    """The installed command's sample archive, served on a free port (cwd: not the tree)."""
    data = elsewhere / "archive-data"
    env = _clean_env(installed)
    created = _run([str(installed / "rights-archive"), "--data", str(data), "create",
                    "--sample"], cwd=elsewhere, env=env)
    assert "archive ready" in created.stdout
    port = free_port()
    log = (elsewhere / "serve.log").open("w")
    server = subprocess.Popen([str(installed / "rights-archive"), "--data", str(data), "serve",
                               "--port", str(port)], cwd=elsewhere, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(url, server, elsewhere / "serve.log")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Until the server answers (it failing to start fails the test with its log)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"rights-archive serve exited {server.returncode}:\n{log.read_text()}")
        try:
            requests.get(url + "health", timeout=5)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"rights-archive serve did not answer in 120 s:\n{log.read_text()}")


def test_the_installed_package_creates_serves_and_answers(tmp_path: Path) -> None:
    """One test, not several over a shared fixture: under xdist each would build its own."""
    installed = _install(tmp_path / "wheel")
    _check_contents(installed)
    (tmp_path / "elsewhere").mkdir()
    with _serving(installed, tmp_path / "elsewhere") as served:
        _answers(served)


def _answers(served: str) -> None:
    home = requests.get(served, timeout=60)
    assert home.status_code == 200, home.text[:500]
    assert "<html" in home.text.lower()
    french = requests.get(served, params={"lang": "fr"}, timeout=60)
    assert '<html lang="fr" dir="ltr">' in french.text
    assert "Rechercher dans le texte intégral de chaque déclaration" in french.text
    arabic = requests.get(served + "about", headers={"Accept-Language": "ar"}, timeout=60)
    assert '<html lang="ar" dir="rtl">' in arabic.text and "حول هذا الأرشيف" in arabic.text
    sparql = requests.get(served + "sparql", params={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a ?type } }"},
        headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert sparql.status_code == 200, sparql.text[:500]
    assert int(sparql.json()["results"]["bindings"][0]["n"]["value"]) == 1042  # the sample
    search = requests.get(served + "api/search", params={"q": "human rights"}, timeout=60)
    assert search.status_code == 200, search.text[:500]
    assert search.json()["total"] == 146
