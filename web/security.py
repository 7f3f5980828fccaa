"""The defences every response and request goes through, set up in one place.

Response headers (a strict Content-Security-Policy, nosniff, Referrer-Policy), CSRF tokens on
every unsafe request that is not a bearer-token API call, rate limits (Flask-Limiter,
in memory) on /sparql, /api/*, the search pages and sign-in, a clear 413 past
``MAX_CONTENT_LENGTH``, and the session cookie (its secret, ``SameSite``, ``Secure``
over HTTPS). Anonymous requests count against their client address (the one a trusted
proxy passes on, with ``PROXIES``); requests with a valid token or session against that
token's or account's own budget, so one limited address behind a NAT does not stop an
archivist. See docs/security.md for what each one covers.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    has_request_context,
    jsonify,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limit, Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from archive.settings import settings
from web.auth import Principal, Unauthorized

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
#: Fixed configuration, not settings: unsafe methods on these paths are read-only protocol
#: requests (SPARQL 1.1 Protocol §2.1.2 query via POST, OAI-PMH 2.0 §3.1.1.2 POST,
#: Reconciliation API 0.2 §4.3 POST), where no session acts, so no CSRF token; and no
#: script reads the session cookie.
FIXED: dict[str, Any] = {
    "CSRF_EXEMPT_PATHS": ("/sparql", "/oai", "/reconcile"),
    "SESSION_COOKIE_HTTPONLY": True,
}
#: Set when the configuration leaves them unset (Flask defines these keys, as None or False).
COOKIE_DEFAULTS: dict[str, Any] = {"SESSION_COOKIE_SAMESITE": "Lax"}
#: The limited request families; ``signin`` always counts per address.
BUCKETS = ("sparql", "api", "search", "reconcile", "signin")
SEARCH_PATHS = ("/search", "/search.csv", "/search.atom", "/search.ris", "/search.bib",
                "/search.csl")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def init_app(app: Flask) -> None:
    """Install the headers, CSRF check, rate limits, size limit and session secret."""
    app.config.update(FIXED)
    for key, value in COOKIE_DEFAULTS.items():
        if app.config.get(key) is None:
            app.config[key] = value
    app.session_interface = HttpsAwareSessions()
    proxies = int(app.config["PROXIES"])
    if proxies:  # the client's address for the limits and the audit log, not the proxy's
        fixed = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,
                         x_port=proxies)
        app.wsgi_app = fixed  # type: ignore[method-assign]
    if not app.secret_key:
        app.secret_key = _secret_key(Path(app.config["DATA_DIR"]))
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.after_request(_add_headers)  # before the limiter's: after-request hooks run last first
    _limiter(app)  # before the CSRF check: refused requests count against the limits too
    app.before_request(_check_csrf)
    app.register_error_handler(RequestEntityTooLarge, _too_large)


class HttpsAwareSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with a ``Secure`` cookie whenever the request came
    over HTTPS (directly, or through a trusted proxy's ``X-Forwarded-Proto: https``), or
    always with ``SESSION_COOKIE_SECURE``."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or \
            (has_request_context() and request.is_secure)


def _secret_key(folder: Path) -> bytes:
    """The session-signing key: from $RIGHTS_ARCHIVE_SECRET_KEY, else kept in the data folder."""
    explicit = settings().secret_key
    if explicit:
        return explicit.encode()
    path = folder / "secret_key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        key = secrets.token_bytes(32)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_bytes()
        except OSError:  # read-only data folder: sessions last as long as the process
            return key
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(key)
        return key


def _add_headers(response: Response) -> Response:
    # A view that sets its own CSP with frame-ancestors (the reconciliation preview, shown
    # in a client's iframe) decides who may frame it: no X-Frame-Options DENY beside it.
    framable = "frame-ancestors 'none'" not in response.headers.get("Content-Security-Policy",
                                                                      CSP)
    for key, value in HEADERS.items():
        if not (framable and key == "X-Frame-Options"):
            response.headers.setdefault(key, value)
    if response.status_code not in (429, 503):  # Flask-Limiter sends it on every answer
        response.headers.pop("Retry-After", None)
    return response


# CSRF --------------------------------------------------------------------------------------

def csrf_token() -> str:
    """This session's CSRF token (made on first use); put it in every form as ``csrf_token``."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def _check_csrf() -> None:
    """Refuse an unsafe request that acts through the session without the session's token."""
    if request.method not in UNSAFE or _is_bearer() or _exempt(request.path):
        return
    if request.path.startswith("/api/") and "agent" not in session:
        return  # no session to ride on: the API answers 401 itself
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD)
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        abort(403, description="the form's security token (CSRF) is missing or out of date; "
                               "reload the page and send the form again")


def _is_bearer() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def _exempt(path: str) -> bool:
    return any(path == p or path.startswith(p + "/")
               for p in current_app.config["CSRF_EXEMPT_PATHS"])


# Size limit --------------------------------------------------------------------------------

def _too_large(error: RequestEntityTooLarge) -> Any:
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    body = {"error": "Request Entity Too Large",
            "message": f"the request body is larger than this archive accepts "
                       f"({limit:,} bytes); send fewer records per request"}
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(body), 413
    return render_template("error.html", status=413, error=body), 413


# Rate limits -------------------------------------------------------------------------------

def _bucket() -> str | None:
    """Which rate limit a request counts against (None: not limited)."""
    path = request.path
    if path == "/sparql" or path.startswith("/sparql/"):
        return "sparql"
    if path.startswith("/api/"):
        return "api"
    if path in SEARCH_PATHS:
        return "search"
    if path == "/reconcile" or path.startswith("/reconcile/"):
        return "reconcile"
    if path == "/signin" and request.method == "POST":
        return "signin"
    return None


def authenticated() -> Principal | None:
    """The token or account a request validly carries (None: anonymous or wrong
    credentials, which count against the address like any anonymous request)."""
    from web.signin import current_agent  # web.signin imports this module

    try:
        return current_agent()
    except Unauthorized:
        return None


def _principal_key() -> str:
    principal = authenticated()
    return f"{principal.kind}:{principal.ref}" if principal else get_remote_address()


def _by_address(bucket: str) -> Limit:
    def exempt() -> bool:
        return _bucket() != bucket or (bucket != "signin" and authenticated() is not None)

    return Limit(lambda: current_app.config[f"RATELIMIT_{bucket.upper()}"], scope=bucket,
                 shared=True, exempt_when=exempt,
                 error_message=f"too many {bucket} requests from your address; wait and retry "
                               "(see Retry-After)")


def _by_principal() -> Limit:
    def exempt() -> bool:
        return _bucket() in (None, "signin") or authenticated() is None

    def message() -> str:
        principal = authenticated()
        return (f"too many requests made as '{principal.name if principal else '?'}' "
                "(RATELIMIT_TOKEN); wait and retry (see Retry-After)")

    return Limit(lambda: current_app.config["RATELIMIT_TOKEN"], key_function=_principal_key,
                 scope="token", shared=True, exempt_when=exempt, error_message=message)


def _limiter(app: Flask) -> Limiter:
    limiter = Limiter(get_remote_address, app=app,
                      default_limits=[*(_by_address(b) for b in BUCKETS), _by_principal()],
                      storage_uri=app.config["RATELIMIT_STORAGE_URI"])
    limiter.request_filter(lambda: _bucket() is None)  # pages skip parsing every limit
    app.extensions["security.limiter"] = limiter
    return limiter
