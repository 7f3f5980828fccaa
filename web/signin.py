"""Who is acting: web sign-in and sign-out, bearer tokens, and the role check for views.

:func:`current_agent` answers for a bearer token (``Authorization: Bearer ra_…``) or the
signed-in session; :func:`login_required` guards a view by role; :func:`audit` logs a write.
Other blueprints (the UI's edit forms, the write API) use these three.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from archive.errors import ArchiveError, Forbidden
from web.auth import Principal, Unauthorized
from web.i18n import term
from web.security import csrf_token
from web.services import get_auth

bp = Blueprint("signin", __name__)
View = TypeVar("View", bound=Callable[..., Any])


def current_agent() -> Principal | None:
    """Who makes this request: a bearer token, the signed-in session, or None (anonymous).

    A bearer token that is wrong, expired or revoked raises :class:`Unauthorized`.
    """
    if "principal" not in g:
        g.principal = _resolve()
    return g.principal


def _resolve() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>' with a token from "
                               "'rights-archive token create'")
        return get_auth().verify_token(token.strip())
    session_id = session.get("sid")
    if "agent" not in session:
        return None
    principal = get_auth().session_principal(session_id) if isinstance(session_id, str) \
        else None
    if principal is None:  # signed out elsewhere, too old, or revoked or disabled since
        session.pop("agent", None)
        session.pop("sid", None)
    return principal


def login_required(role: str = "editor") -> Callable[[View], View]:
    """Let the view run only for a principal holding ``role`` (or a higher one)."""
    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = current_agent()
            if principal is None:
                if _wants_page():
                    return redirect(url_for("signin.form", next=request.full_path))
                raise Unauthorized("this needs credentials: send 'Authorization: Bearer "
                                   "<token>' (see 'rights-archive token create') or sign in")
            if not principal.may(role):
                raise Forbidden(f"'{principal.name}' has the role {principal.role}; this needs "
                                f"the role {role}")
            return view(*args, **kwargs)
        return guarded  # type: ignore[return-value]
    return decorate


def _wants_page() -> bool:
    if request.path.startswith("/api/"):
        return False
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "text/html"


def audit(action: str, record_id: str | None, version: int | None,
          detail: str | None = None) -> None:
    """Log a write by the current agent in the audit log (call after the write succeeded)."""
    principal = current_agent()
    if principal is None:
        raise Forbidden("a write without an agent cannot be logged")
    get_auth().audit(principal, action, record_id, version, request.remote_addr, detail)


@bp.app_errorhandler(Unauthorized)
def _unauthorized(error: Unauthorized) -> Any:
    body = {"error": "Unauthorized", "message": str(error)}
    if _wants_page():
        response = current_app.make_response(
            (render_template("error.html", status=401, error=body), 401))
    else:
        response = jsonify(body)
        response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="rights-archive"'
    return response


# Sign-in pages -------------------------------------------------------------------------------

@bp.get("/signin")
def form() -> str:
    return render_template("signin.html", next=_safe_next(request.args.get("next")))


@bp.post("/signin")
def signin() -> Any:
    """Sign in with an account name and password, or with a token."""
    auth = get_auth()
    name = request.form.get("username", "").strip()
    try:
        if request.form.get("token", "").strip():
            principal = auth.verify_token(request.form["token"].strip())
        else:
            principal = auth.verify_password(name, request.form.get("password", ""))
    except ArchiveError as error:
        status = getattr(error, "status", 401)
        return render_template("signin.html", error=term(str(error)), username=name,
                               next=_safe_next(request.form.get("next"))), status
    session.clear()  # a new session on sign-in: no fixation
    session["agent"] = {"kind": principal.kind, "ref": principal.ref}
    session["sid"] = auth.start_session(principal)
    csrf_token()  # a fresh CSRF token for the new session
    return redirect(_safe_next(request.form.get("next")) or url_for("home.index"))


@bp.post("/signout")
def signout() -> Response:
    """End the session on the server too: a copy of the cookie no longer signs anyone in."""
    if isinstance(session.get("sid"), str):
        get_auth().end_session(session["sid"])
    session.clear()
    return redirect(url_for("home.index"))


def _safe_next(target: str | None) -> str | None:
    """The redirect target after sign-in, only if it is a path on this server; else None.

    Decided on the URL as a browser reads it (WHATWG URL Standard): tabs and line breaks
    are dropped wherever they are, leading and trailing controls and spaces stripped, and
    backslashes read as slashes, so "/", a tab, "/evil.example" is "//evil.example", a
    host. What is returned is that normalised form, the one checked.
    """
    if not target:
        return None
    cleaned = target.translate(_DROPPED).strip("".join(map(chr, range(0x21)))) \
        .replace("\\", "/")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in cleaned):
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    # "//…" (any number of slashes) is a network-path reference: a host (RFC 3986 §4.2)
    if parts.scheme or parts.netloc or not cleaned.startswith("/") or cleaned.startswith("//"):
        return None
    return cleaned


#: What browsers drop from anywhere in a URL before reading it.
_DROPPED = {ord("\t"): None, ord("\n"): None, ord("\r"): None}
