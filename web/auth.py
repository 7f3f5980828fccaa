"""Accounts, write tokens and the audit log, kept in SQLite at ``DATA_DIR/auth.sqlite3``.

Tokens are shown once and stored only as a salted, peppered SHA-256 (a 32-byte random secret
needs no slow hash); passwords are hashed by werkzeug (scrypt). Roles rise reader < editor <
admin. The audit log has one row per write: who, when, what and from where. Web sessions
are rows too (only a hash of their id), so signing out ends a session for every copy of
its cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from archive.errors import ArchiveError, BadInput, Forbidden, NotFound
from archive.settings import settings

ROLES = ("reader", "editor", "admin")
TOKEN_PREFIX = "ra_"
MIN_PASSWORD = 10
NAME_LIMIT = 64
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
#: A web session ends this many days after sign-in, signed out or not.
SESSION_DAYS = 30
#: A hash to check against when the account does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-password-of-anyone")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, salt TEXT NOT NULL,
    hash TEXT NOT NULL, created TEXT NOT NULL, expires TEXT, revoked TEXT, last_used TEXT);
CREATE TABLE IF NOT EXISTS accounts (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    created TEXT NOT NULL, disabled TEXT);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, agent TEXT NOT NULL,
    via TEXT NOT NULL, action TEXT NOT NULL, record_id TEXT, version INTEGER,
    remote TEXT, detail TEXT);
"""


class Unauthorized(ArchiveError):
    """No credentials, or credentials that are wrong, expired or revoked (HTTP 401)."""

    status = 401
    exit_code = 5


@dataclass(frozen=True)
class Principal:
    """Who is acting: an account or a token, with its role."""

    name: str
    role: str
    kind: str  # "account" or "token"
    ref: str  # the account name or the token id

    def may(self, role: str) -> bool:
        """Whether this principal holds ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(role)


def _session_key(session_id: str) -> str:
    """What the database keeps of a session id (a copied database holds no live cookie)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise BadInput(f"'{role}' is not a role; choose one of {', '.join(ROLES)}")


def _check_name(name: str, what: str) -> str:
    """A name fit to be the PROV agent of changes (it becomes part of the agent's URI)."""
    name = name.strip()
    if not NAME_PATTERN.match(name):
        suggestion = re.sub(r"[^A-Za-z0-9._@-]+", "-", name).strip("-._@")[:NAME_LIMIT]
        raise BadInput(f"'{name}' cannot be {what} name: use 1 to {NAME_LIMIT} letters, "
                       "digits, '.', '_', '@' and '-', starting with a letter or digit"
                       + (f" (such as '{suggestion}')" if suggestion else ""))
    return name


class AuthStore:
    """The accounts, tokens and audit log of one data folder."""

    def __init__(self, path: Path, pepper: str | None = None) -> None:
        self.path = path
        self.pepper = (pepper if pepper is not None
                       else settings().token_pepper).encode()
        self._ready = False

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = sqlite3.connect(self.path, timeout=15)
        except sqlite3.Error as error:
            raise ArchiveError(f"cannot open the accounts database {self.path}: {error}") from None
        try:
            connection.row_factory = sqlite3.Row
            if not self._ready:
                connection.executescript(_SCHEMA)
                self._ready = True
            with connection:
                yield connection
        except sqlite3.OperationalError as error:
            raise ArchiveError(f"the accounts database {self.path} refused the change "
                               f"({error}); check that the data folder is writable") from None
        finally:
            connection.close()

    # Tokens ------------------------------------------------------------------------------

    def _digest(self, salt: str, secret: str) -> str:
        return hmac.new(self.pepper or b"rights-archive", (salt + secret).encode(),
                        hashlib.sha256).hexdigest()

    def create_token(self, name: str, role: str, expires_days: int | None = None
                     ) -> tuple[str, str]:
        """A new token: ``(id, token)``; the token itself is never stored or shown again."""
        name, _ = _check_name(name, "a token"), _check_role(role)
        if expires_days is not None and expires_days < 1:
            raise BadInput("--expires-days must be at least 1")
        token_id, secret, salt = secrets.token_hex(6), secrets.token_urlsafe(32), \
            secrets.token_hex(16)
        created = _now()
        expires = created + timedelta(days=expires_days) if expires_days else None
        with self._db() as db:
            db.execute("INSERT INTO tokens (id, name, role, salt, hash, created, expires) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (token_id, name, role, salt, self._digest(salt, secret),
                        created.isoformat(), expires.isoformat() if expires else None))
        return token_id, f"{TOKEN_PREFIX}{token_id}_{secret}"

    def verify_token(self, token: str) -> Principal:
        """The principal a bearer token stands for, or :class:`Unauthorized` saying why not."""
        token_id, _, secret = token.removeprefix(TOKEN_PREFIX).partition("_")
        if not token.startswith(TOKEN_PREFIX) or not secret:
            raise Unauthorized("the bearer token is not one this archive issued "
                               "(tokens look like ra_<id>_<secret>)")
        with self._db() as db:
            row = db.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
            if row is None or not hmac.compare_digest(row["hash"],
                                                      self._digest(row["salt"], secret)):
                raise Unauthorized("the bearer token is wrong: no such token")
            if row["revoked"]:
                raise Unauthorized(f"the bearer token '{row['name']}' was revoked on "
                                   f"{row['revoked']}")
            if row["expires"] and datetime.fromisoformat(row["expires"]) <= _now():
                raise Unauthorized(f"the bearer token '{row['name']}' expired on "
                                   f"{row['expires']}")
            db.execute("UPDATE tokens SET last_used = ? WHERE id = ?",
                       (_now().isoformat(), token_id))
        return Principal(row["name"], row["role"], "token", token_id)

    def token(self, token_id: str) -> Principal | None:
        """The principal of a token still valid (not revoked, not expired), by its id."""
        with self._db() as db:
            row = db.execute("SELECT * FROM tokens WHERE id = ? AND revoked IS NULL",
                             (token_id,)).fetchone()
        if row is None or (row["expires"] and datetime.fromisoformat(row["expires"]) <= _now()):
            return None
        return Principal(row["name"], row["role"], "token", token_id)

    def tokens(self) -> list[dict[str, Any]]:
        """Every token (never its secret), newest first."""
        with self._db() as db:
            rows = db.execute("SELECT id, name, role, created, expires, revoked, last_used "
                              "FROM tokens ORDER BY created DESC, id").fetchall()
        return [dict(row) for row in rows]

    def revoke_token(self, token_id: str) -> None:
        """Revoke a token at once; NotFound for an unknown id."""
        with self._db() as db:
            done = db.execute("UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL",
                              (_now().isoformat(), token_id)).rowcount
            if not done:
                exists = db.execute("SELECT 1 FROM tokens WHERE id = ?", (token_id,)).fetchone()
                if exists is None:
                    raise NotFound(f"there is no token with id '{token_id}' "
                                   "(see 'rights-archive token list')")

    # Accounts ----------------------------------------------------------------------------

    def create_account(self, name: str, role: str, password: str) -> None:
        """A new account for web sign-in (BadInput if the name is taken or the password short)."""
        name, _ = _check_name(name, "an account"), _check_role(role)
        if len(password) < MIN_PASSWORD:
            raise BadInput(f"the password must have at least {MIN_PASSWORD} characters")
        with self._db() as db:
            if db.execute("SELECT 1 FROM accounts WHERE name = ?", (name,)).fetchone():
                raise BadInput(f"there is already an account named '{name}'")
            db.execute("INSERT INTO accounts (name, role, password_hash, created) "
                       "VALUES (?, ?, ?, ?)",
                       (name, role, generate_password_hash(password), _now().isoformat()))

    def verify_password(self, name: str, password: str) -> Principal:
        """The account for a name and password, or Unauthorized (same message either way)."""
        with self._db() as db:
            row = db.execute("SELECT * FROM accounts WHERE name = ?", (name,)).fetchone()
        stored = row["password_hash"] if row is not None else _DUMMY_HASH
        if not check_password_hash(stored, password) or row is None:
            raise Unauthorized("wrong account name or password")
        if row["disabled"]:
            raise Forbidden(f"the account '{name}' is disabled")
        return Principal(row["name"], row["role"], "account", row["name"])

    def account(self, name: str) -> Principal | None:
        """The active account ``name`` (None if unknown or disabled)."""
        with self._db() as db:
            row = db.execute("SELECT * FROM accounts WHERE name = ? AND disabled IS NULL",
                             (name,)).fetchone()
        return Principal(row["name"], row["role"], "account", row["name"]) if row else None

    def accounts(self) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT name, role, created, disabled FROM accounts "
                              "ORDER BY name").fetchall()
        return [dict(row) for row in rows]

    def disable_account(self, name: str) -> None:
        with self._db() as db:
            done = db.execute("UPDATE accounts SET disabled = ? WHERE name = ?",
                              (_now().isoformat(), name)).rowcount
        if not done:
            raise NotFound(f"there is no account named '{name}'")

    # Web sessions ------------------------------------------------------------------------

    def start_session(self, principal: Principal) -> str:
        """A new server-side session for ``principal``: its id, for the signed cookie.

        Sessions older than :data:`SESSION_DAYS` are dropped on the way (they have ended).
        """
        session_id = secrets.token_urlsafe(32)
        created = _now()
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE created < ?",
                       ((created - timedelta(days=SESSION_DAYS)).isoformat(),))
            db.execute("INSERT INTO sessions (id, kind, ref, created) VALUES (?, ?, ?, ?)",
                       (_session_key(session_id), principal.kind, principal.ref,
                        created.isoformat()))
        return session_id

    def session_principal(self, session_id: str) -> Principal | None:
        """Who a live session stands for (None: signed out, too old, or its account or
        token is no longer valid)."""
        with self._db() as db:
            row = db.execute("SELECT kind, ref, created FROM sessions WHERE id = ?",
                             (_session_key(session_id),)).fetchone()
        if row is None or datetime.fromisoformat(row["created"]) \
                <= _now() - timedelta(days=SESSION_DAYS):
            return None
        return self.token(row["ref"]) if row["kind"] == "token" else self.account(row["ref"])

    def end_session(self, session_id: str) -> None:
        """Sign out: the session ends for every copy of its cookie."""
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE id = ?", (_session_key(session_id),))

    # Audit log ---------------------------------------------------------------------------

    def audit(self, principal: Principal, action: str, record_id: str | None,
              version: int | None, remote: str | None, detail: str | None = None) -> None:
        """Log one write."""
        with self._db() as db:
            db.execute("INSERT INTO audit (time, agent, via, action, record_id, version, remote, "
                       "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (datetime.now(UTC).isoformat(), principal.name,
                        f"{principal.kind}:{principal.ref}", action, record_id, version,
                        remote, detail))

    def audit_log(self, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Audit entries after entry ``after``, oldest first."""
        with self._db() as db:
            rows = db.execute("SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                              (after, limit)).fetchall()
        return [dict(row) for row in rows]
