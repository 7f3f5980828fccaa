"""A private Virtuoso Open Source server for the tests (Debian's ``virtuoso-opensource``).

Installs nothing: it runs the installed ``virtuoso-t`` on 127.0.0.1 on free ports with its
own data folder and a generated virtuoso.ini, replaces the factory dba/dba password,
creates an ``archive`` user allowed to update over ``/sparql-auth`` (HTTP Digest) and stops
the server by its PID. Nothing is granted to the anonymous ``SPARQL`` user, and the
listeners are bound to loopback only.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

SERVER = "virtuoso-t"
ISQL = "isql-vt"
USER = "archive"

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 20
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
AllowOSCalls = 0
DirsAllowed = ., {db}
NumberOfBuffers = 10000
MaxDirtyBuffers = 7500
MaxQueryMem = 500M
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 4

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}
MaxClientConnections = 20
ServerThreads = 20
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 120
DefaultGraph =
"""


def installed() -> bool:
    """Whether Debian's virtuoso-opensource is installed here."""
    return shutil.which(SERVER) is not None and shutil.which(ISQL) is not None


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports free at this moment (all held until all are found)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class PortTaken(RuntimeError):
    """Another process bound one of the server's ports before it could."""


class Virtuoso:
    """One Virtuoso server in ``folder``: ``start()``, then ``url``/``user``/``password``."""

    def __init__(self, folder: Path, *, user: str = USER, password: str | None = None) -> None:
        self.folder = folder
        self.sql_port, self.http_port = free_ports(2)
        self.user = user
        self.password = password or secrets.token_urlsafe(16)
        self._dba_password = "dba"
        self._log_start = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The authenticated SPARQL 1.1 Query + Update endpoint (HTTP Digest)."""
        return f"http://127.0.0.1:{self.http_port}/sparql-auth"

    @property
    def environment(self) -> dict[str, str]:
        """The variables that point the archive at this server."""
        return {"RIGHTS_ARCHIVE_STORE": self.url, "RIGHTS_ARCHIVE_STORE_USER": self.user,
                "RIGHTS_ARCHIVE_STORE_PASSWORD": self.password}

    def start(self, timeout: float = 90, attempts: int = 4) -> Virtuoso:
        """Start the server, on new ports when another process took one first; only a
        server whose own log says it listens on our ports is ever spoken to."""
        for attempt in range(attempts):
            try:
                self._launch()
                self._wait_online(timeout)
                break
            except PortTaken:
                self.stop()
                if attempt == attempts - 1:
                    raise
                self.sql_port, self.http_port = free_ports(2)
            except BaseException:
                self.stop()
                raise
        try:
            self._secure()
            self._wait_http(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        ini.write_text(INI.format(db=self.folder, sql_port=self.sql_port,
                                  http_port=self.http_port))
        log = self.folder / "virtuoso.log"
        self._log_start = log.stat().st_size if log.exists() else 0
        with (self.folder / "server.out").open("wb") as log:
            self.process = subprocess.Popen(
                [SERVER, "+foreground", "+configfile", str(ini)], cwd=self.folder,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def _wait_online(self, timeout: float) -> None:
        """Wait for this process's "Server online" line: polling the port instead could
        reach another process that holds it while ours has not bound it yet."""
        assert self.process is not None
        online = f"Server online at 127.0.0.1:{self.sql_port} (pid {self.process.pid})"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            log = self._log_since_launch()
            if "Failed to start listening" in log or "Failed HTTP listen" in log:
                raise PortTaken(log[-500:])
            if online in log and f"HTTP server online at 127.0.0.1:{self.http_port}" in log:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}: "
                                   f"{self.log_tail()}")
            time.sleep(0.2)
        raise TimeoutError(f"Virtuoso did not come online: {self.log_tail()}")

    def _wait_http(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                response = requests.get(f"http://127.0.0.1:{self.http_port}/sparql",
                                        params={"query": "ASK {}"}, timeout=5)
                if response.ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"Virtuoso's SPARQL endpoint did not answer: {self.log_tail()}")

    def _secure(self) -> None:
        """Replace dba/dba; a user that may update through /sparql-auth, nothing anonymous."""
        dba = secrets.token_urlsafe(16)
        self._isql(f"USER_CHANGE_PASSWORD('dba', 'dba', '{dba}');")
        self._dba_password = dba
        self._isql(f"DB.DBA.USER_CREATE('{self.user}', '{self.password}'); "
                   f"GRANT SPARQL_UPDATE TO \"{self.user}\"; "
                   f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{self.user}', 3);")

    def _isql(self, sql: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
        for attempt in range(5):  # a refused connect (CL033) runs nothing: try again
            result = subprocess.run(
                [ISQL, f"127.0.0.1:{self.sql_port}", "dba", self._dba_password,
                 f"exec={sql}"], capture_output=True, text=True, timeout=60, cwd=self.folder)
            if "CL033" not in result.stdout + result.stderr or attempt == 4:
                break
            time.sleep(1)
        failed = result.returncode != 0 or "*** Error" in result.stdout + result.stderr
        if check and failed:
            raise RuntimeError(f"isql failed on {sql.split('(')[0]}: "
                               f"{result.stdout[-500:]} {result.stderr[-500:]}")
        if failed:
            result.returncode = result.returncode or 1
        return result

    def _log_since_launch(self) -> str:
        log = self.folder / "virtuoso.log"
        if not log.exists():
            return ""
        with log.open("rb") as stream:
            stream.seek(self._log_start)
            return stream.read().decode(errors="replace")

    def log_tail(self) -> str:
        for name in ("virtuoso.log", "server.out"):
            path = self.folder / name
            if path.exists():
                return path.read_text(errors="replace")[-1500:]
        return "(no log)"

    def stop(self, timeout: float = 30) -> None:
        """Stop the server by its PID (TERM, then KILL if it does not exit)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def __enter__(self) -> Virtuoso:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
