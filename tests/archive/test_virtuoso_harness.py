"""The private Virtuoso of the tests (tests/virtuoso.py) starts only when it owns its ports:
a port another process holds moves it to free ones, and the other process is never spoken
to: polling the port, as the helper once did, could reach a server that is not ours (the
likeliest reading of a CI run whose second setup call could no longer connect)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import requests
from requests.auth import HTTPDigestAuth

from tests.support import require_package
from tests.virtuoso import Virtuoso, installed


@pytest.mark.parametrize("taken", ["sql_port", "http_port"])
def test_a_taken_port_moves_the_server_to_free_ones(tmp_path: Path, taken: str) -> None:
    require_package(installed(), "virtuoso-opensource")
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        server = Virtuoso(tmp_path / "virtuoso")
        setattr(server, taken, squatter.getsockname()[1])
        with server:
            assert getattr(server, taken) != squatter.getsockname()[1]
            assert "Failed" in (tmp_path / "virtuoso" / "virtuoso.log").read_text()
            answer = requests.get(server.url, params={"query": "ASK { }"}, timeout=10,
                                  auth=HTTPDigestAuth(server.user, server.password),
                                  headers={"Accept": "application/sparql-results+json"})
            assert answer.json()["boolean"] is True  # the empty pattern matches
        squatter.setblocking(False)
        with pytest.raises(BlockingIOError):
            squatter.accept()  # nobody connected to the process holding the port
