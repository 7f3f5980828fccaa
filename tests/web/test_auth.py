"""Accounts, tokens, sign-in, CSRF, security headers and rate limits."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archive import BadInput, Forbidden, NotFound
from tests.support import open_app
from web.auth import AuthStore, Unauthorized
from web.cli import cli
from web.security import CSP

RECORD = {"id": "auth-statement", "title": "Statement on free assembly",
          "issuer": "Assembly Watch", "date": "2023-05-01"}


@pytest.fixture
def auth_store(tmp_path: Path) -> AuthStore:
    return AuthStore(tmp_path / "auth.sqlite3")


@pytest.fixture
def auth_factory(tmp_path: Path) -> Iterator[Any]:
    """Makes a real app over an empty archive, with config overrides."""
    with ExitStack() as opened:
        yield lambda **config: opened.enter_context(open_app(tmp_path / "data", **config))


@pytest.fixture
def auth_app(auth_factory: Any) -> Any:
    return auth_factory()


LOW_LIMITS = {"RATELIMIT_API": "3 per minute", "RATELIMIT_SIGNIN": "2 per minute",
              "RATELIMIT_SPARQL": "2 per minute"}


def _expire(store: AuthStore, token_id: str) -> None:
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE tokens SET expires = '2000-01-01T00:00:00+00:00' WHERE id = ?",
                   (token_id,))


def test_tokens_are_stored_only_as_hashes(auth_store: AuthStore) -> None:
    token_id, token = auth_store.create_token("dana", "editor")
    raw = auth_store.path.read_bytes()
    secret = token.split("_", 2)[2]
    assert secret.encode() not in raw and token.encode() not in raw
    principal = auth_store.verify_token(token)
    assert (principal.name, principal.role, principal.ref) == ("dana", "editor", token_id)
    assert "hash" not in auth_store.tokens()[0]


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda t: "", "not one this archive issued"),
    (lambda t: "hello", "not one this archive issued"),
    (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "wrong"),
    (lambda t: "ra_000000000000_" + t.rsplit("_", 1)[-1], "wrong"),
])
def test_wrong_tokens_are_refused_with_a_reason(auth_store: AuthStore, mangle: Any,
                                                message: str) -> None:
    _, token = auth_store.create_token("dana", "editor")
    with pytest.raises(Unauthorized, match=message):
        auth_store.verify_token(mangle(token))


def test_expired_and_revoked_tokens(auth_store: AuthStore) -> None:
    expiring_id, expiring = auth_store.create_token("eve", "editor", expires_days=30)
    assert auth_store.verify_token(expiring).name == "eve"
    _expire(auth_store, expiring_id)
    with pytest.raises(Unauthorized, match="expired"):
        auth_store.verify_token(expiring)
    revoked_id, revoked = auth_store.create_token("fay", "editor")
    auth_store.revoke_token(revoked_id)
    with pytest.raises(Unauthorized, match="revoked"):
        auth_store.verify_token(revoked)
    with pytest.raises(NotFound):
        auth_store.revoke_token("no-such-id")


@pytest.mark.parametrize("name", ["Ana Lima (laptop)", "a/b", "", "x" * 65, "-dash", "é"])
def test_names_must_be_fit_for_an_agent_uri(auth_store: AuthStore, name: str) -> None:
    with pytest.raises(BadInput, match="cannot be a token name"):
        auth_store.create_token(name, "editor")
    with pytest.raises(BadInput, match="cannot be an account name"):
        auth_store.create_account(name, "editor", "long enough password")


def test_accounts(auth_store: AuthStore) -> None:
    with pytest.raises(BadInput, match="at least"):
        auth_store.create_account("gil", "editor", "short")
    with pytest.raises(BadInput, match="not a role"):
        auth_store.create_account("gil", "owner", "long enough password")
    auth_store.create_account("gil", "editor", "long enough password")
    assert b"long enough password" not in auth_store.path.read_bytes()
    assert auth_store.verify_password("gil", "long enough password").role == "editor"
    with pytest.raises(Unauthorized, match="wrong account name or password"):
        auth_store.verify_password("gil", "not the password")
    with pytest.raises(Unauthorized, match="wrong account name or password"):
        auth_store.verify_password("nobody", "long enough password")
    auth_store.disable_account("gil")
    with pytest.raises(Forbidden, match="disabled"):
        auth_store.verify_password("gil", "long enough password")


def test_cli_token_and_account_commands(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    runner = CliRunner()
    created = runner.invoke(cli, ["--data", str(folder), "token", "create", "--role", "editor",
                                  "--name", "hana", "--expires-days", "7"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    store = AuthStore(folder / "auth.sqlite3")
    principal = store.verify_token(token)
    listed = runner.invoke(cli, ["--data", str(folder), "token", "list"])
    assert principal.ref in listed.output and "hana" in listed.output
    assert token not in listed.output
    revoked = runner.invoke(cli, ["--data", str(folder), "token", "revoke", principal.ref])
    assert revoked.exit_code == 0
    with pytest.raises(Unauthorized, match="revoked"):
        store.verify_token(token)
    account = runner.invoke(cli, ["--data", str(folder), "account", "create", "ivan", "--role",
                                  "admin", "--password-stdin"], input="a fine long password\n")
    assert account.exit_code == 0, account.output
    assert store.verify_password("ivan", "a fine long password").role == "admin"
    runner.invoke(cli, ["--data", str(folder), "account", "disable", "ivan"])
    assert "disabled" in runner.invoke(cli, ["--data", str(folder), "account", "list"]).output


def test_api_refuses_missing_wrong_expired_and_revoked_tokens(auth_app: Any) -> None:
    auth = auth_app.extensions["auth"]
    client = auth_app.test_client()
    expired_id, expired = auth.create_token("old", "editor", expires_days=1)
    _expire(auth, expired_id)
    revoked_id, revoked = auth.create_token("gone", "editor")
    auth.revoke_token(revoked_id)
    cases = {None: "needs credentials", "Basic dXNlcjpwYXNz": "Bearer",
             "Bearer ra_abc_def": "wrong", f"Bearer {expired}": "expired",
             f"Bearer {revoked}": "revoked"}
    for header, message in cases.items():
        headers = {"Authorization": header} if header else {}
        response = client.post("/api/statements", json=RECORD, headers=headers)
        assert response.status_code == 401, header
        assert message in response.get_json()["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert auth_app.extensions["archive"].state("auth-statement") is None


def test_signin_signout_and_csrf(auth_app: Any) -> None:
    auth = auth_app.extensions["auth"]
    auth.create_account("jo", "editor", "jo's long password")
    client = auth_app.test_client()
    no_token = client.post("/signin", data={"username": "jo", "password": "jo's long password"})
    assert no_token.status_code == 403
    page = client.get("/signin?next=/api/statements/x")
    html = page.get_data(as_text=True)
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    wrong = client.post("/signin", data={"username": "jo", "password": "nope",
                                         "csrf_token": token})
    assert wrong.status_code == 401
    assert "wrong account name or password" in wrong.get_data(as_text=True)
    good = client.post("/signin", data={"username": "jo", "password": "jo's long password",
                                        "csrf_token": token, "next": "//evil.example/"})
    assert good.status_code == 302
    assert good.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session["agent"] == {"kind": "account", "ref": "jo"}
        fresh = session["csrf_token"]
    assert fresh != token, "a new session gets a new CSRF token"
    assert client.post("/signout").status_code == 403
    assert client.post("/signout", data={"csrf_token": fresh}).status_code == 302
    with client.session_transaction() as session:
        assert "agent" not in session


def test_disabled_account_loses_its_session(auth_app: Any) -> None:
    auth = auth_app.extensions["auth"]
    auth.create_account("kim", "editor", "kim's long password")
    client = auth_app.test_client()
    client.get("/signin")
    with client.session_transaction() as session:
        token = session["csrf_token"]
    client.post("/signin", data={"username": "kim", "password": "kim's long password",
                                 "csrf_token": token})
    with client.session_transaction() as session:
        csrf = session["csrf_token"]
    auth.disable_account("kim")
    response = client.post("/api/statements", json=RECORD, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 401


def test_security_headers_on_pages_json_and_errors(auth_app: Any) -> None:
    client = auth_app.test_client()
    for path in ("/signin", "/api/statements/none", "/no/such/page"):
        response = client.get(path)
        assert response.headers["Content-Security-Policy"] == CSP, path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP


def test_rate_limits_answer_429_with_retry_after(auth_factory: Any) -> None:
    client = auth_factory(**LOW_LIMITS).test_client()
    statuses = [client.get("/api/statements/none").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    limited = client.get("/api/statements/none")
    assert int(limited.headers["Retry-After"]) > 0
    assert "too many api requests" in limited.get_json()["message"]
    signins = [client.post("/signin", data={"username": "x", "password": "y"}).status_code
               for _ in range(3)]
    assert signins[-1] == 429
    assert client.get("/signin").status_code == 200, "only POST /signin is limited"


def _signin_from(client: Any, address: str) -> int:
    return client.post("/signin", data={"username": "x", "password": "y"},
                       headers={"X-Forwarded-For": address}).status_code


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(auth_factory: Any) -> None:
    client = auth_factory(**LOW_LIMITS, PROXIES=1).test_client()
    assert [_signin_from(client, "203.0.113.7") for _ in range(3)][-1] == 429
    assert _signin_from(client, "198.51.100.20") != 429, "another client behind the proxy"


def test_forwarded_addresses_are_not_believed_without_the_setting(auth_factory: Any) -> None:
    """Anyone can send X-Forwarded-For: with no proxy declared, it cannot buy a new budget."""
    client = auth_factory(**LOW_LIMITS).test_client()
    statuses = [_signin_from(client, f"203.0.113.{n}") for n in range(3)]
    assert statuses[-1] == 429


def test_the_audit_log_names_the_client_behind_the_proxy(auth_factory: Any,
                                                          seed_record: dict[str, Any]) -> None:
    app = auth_factory(PROXIES=1)
    _, token = app.extensions["auth"].create_token("proxied", "editor")
    response = app.test_client().post(
        "/api/statements", json={**seed_record, "see_also": []},
        headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 201, response.data
    assert app.extensions["auth"].audit_log()[-1]["remote"] == "203.0.113.9"


def test_sparql_is_rate_limited(auth_factory: Any) -> None:
    client = auth_factory(**LOW_LIMITS).test_client()
    query = {"query": "ASK {}"}
    assert client.get("/sparql", query_string=query).status_code == 200
    statuses = [client.get("/sparql", query_string=query).status_code for _ in range(2)]
    assert statuses[-1] == 429
