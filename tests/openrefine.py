"""A private OpenRefine for the tests (Debian's ``openrefine``), driven through its HTTP API.

Installs nothing: it runs the installed ``openrefine`` headless on 127.0.0.1 on a free port
with its own workspace folder, in a process group of its own (the launcher is a shell script
that starts Java), and stops that group by its id. The API calls are those of OpenRefine's
own web client (``/command/core/…``), each unsafe one with the CSRF token it hands out.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

LAUNCHER = "openrefine"
ENGINE = json.dumps({"facets": [], "mode": "row-based"})


def installed() -> bool:
    return shutil.which(LAUNCHER) is not None


class OpenRefine:
    """One headless OpenRefine on a loopback port, its workspace in ``folder``."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.http = requests.Session()

    def start(self, timeout: float = 180) -> OpenRefine:
        workspace = self.folder / "workspace"
        workspace.mkdir(parents=True, exist_ok=True)
        self.log = (self.folder / "openrefine.log").open("wb")
        self.process = subprocess.Popen(
            [LAUNCHER, "-i", "127.0.0.1", "-p", str(self.port), "-d", str(workspace),
             "-m", "768M", "-x", "refine.headless=true"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, cwd=self.folder)
        try:
            self._wait(timeout)
        except BaseException:  # never leave it running behind a failed start
            self.stop()
            raise
        return self

    def _wait(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"OpenRefine stopped at start:\n{self.log_tail()}")
            try:
                if self.http.get(f"{self.url}/command/core/get-version", timeout=10).ok:
                    return
            except (requests.ConnectionError, requests.Timeout):  # not listening, or starting
                pass
            time.sleep(0.5)
        raise RuntimeError(f"OpenRefine did not answer in {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        path = self.folder / "openrefine.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self, timeout: float = 30) -> None:
        """Stop the launcher's process group (the shell scripts and Java), by its id."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except ProcessLookupError:  # already gone
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None
        self.log.close()

    # The API ---------------------------------------------------------------------------

    def token(self) -> str:
        return self.http.get(f"{self.url}/command/core/get-csrf-token", timeout=10
                             ).json()["token"]

    def command(self, name: str, params: dict[str, Any] | None = None, **form: Any) -> Any:
        """POST a core command with a fresh CSRF token; its JSON answer."""
        response = self.http.post(f"{self.url}/command/core/{name}",
                                  params={**(params or {}), "csrf_token": self.token()},
                                  data=form, timeout=60)
        response.raise_for_status()
        return response.json()

    def create_project(self, name: str, csv_text: str) -> int:
        """A project from CSV text with one header line; its id."""
        options = {"separator": ",", "headerLines": 1, "ignoreLines": -1, "skipDataLines": 0,
                   "limit": -1, "guessCellValueTypes": False, "processQuotes": True,
                   "storeBlankRows": True, "storeBlankCellsAsNulls": True,
                   "includeFileSources": False, "encoding": "UTF-8"}
        response = self.http.post(
            f"{self.url}/command/core/create-project-from-upload",
            params={"csrf_token": self.token()},
            files={"project-file": ("names.csv", csv_text.encode("utf-8"), "text/csv")},
            data={"project-name": name, "format": "text/line-based/*sv",
                  "options": json.dumps(options)},
            allow_redirects=False, timeout=60)
        location = response.headers.get("Location", "")
        if response.status_code != 302 or "project=" not in location:
            raise RuntimeError(f"no project made ({response.status_code}): {response.text[:500]}")
        return int(location.rsplit("project=", 1)[1])

    def guess_types(self, project: int, column: str, service: str) -> list[dict[str, Any]]:
        """The types OpenRefine guesses for a column by asking the service about its cells."""
        return self.command("guess-types-of-column", {"project": project},
                            columnName=column, service=service)["types"]

    def reconcile(self, project: int, column: str, manifest: dict[str, Any], service: str,
                  type_id: str, type_name: str, details: dict[str, str] | None = None,
                  timeout: float = 120) -> None:
        """Reconcile ``column`` against ``service`` as the reconcile dialog does, auto-matching
        the candidates the service marks as matches, and wait until it is done; ``details``
        maps other columns to the service's property ids ("use relevant details")."""
        config = {"mode": "standard-service", "service": service,
                  "identifierSpace": manifest["identifierSpace"],
                  "schemaSpace": manifest["schemaSpace"],
                  "type": {"id": type_id, "name": type_name},
                  "autoMatch": True, "limit": 0,
                  "columnDetails": [{"column": column_name, "propertyName": pid, "propertyID": pid}
                                    for column_name, pid in (details or {}).items()]}
        answer = self.command("reconcile", {"project": project}, columnName=column,
                              config=json.dumps(config), engine=ENGINE)
        if answer.get("code") not in ("ok", "pending"):
            raise RuntimeError(f"OpenRefine refused to reconcile: {answer}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            processes = self.http.get(f"{self.url}/command/core/get-processes",
                                      params={"project": project}, timeout=10).json()
            if not processes.get("processes"):
                return
            time.sleep(0.25)
        raise RuntimeError(f"reconciliation still running after {timeout:.0f} s")

    def rows(self, project: int, limit: int = 1000) -> list[list[dict[str, Any] | None]]:
        """The cells of every row, as OpenRefine keeps them (with their ``r`` recon)."""
        response = self.http.post(f"{self.url}/command/core/get-rows",
                                  params={"project": project, "start": 0, "limit": limit,
                                          "csrf_token": self.token()},
                                  data={"engine": ENGINE}, timeout=60)
        response.raise_for_status()
        data = response.json()
        recons = {int(k): v for k, v in data.get("pool", {}).get("recons", {}).items()}
        rows = []
        for row in data["rows"]:
            cells = []
            for cell in row["cells"]:
                if cell and "r" in cell and not isinstance(cell["r"], dict):
                    cell = {**cell, "r": recons[int(cell["r"])]}
                cells.append(cell)
            rows.append(cells)
        return rows
