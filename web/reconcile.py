"""``/reconcile``: the W3C Reconciliation Service API 0.2 over the archive's things.

Without parameters the endpoint answers the service manifest (§3.1); with ``queries``
(GET, or a POST form field) a result batch (§4.3). ``/reconcile/preview?id=…`` is the
preview service (§5), ``/reconcile/suggest/{entity,type,property}`` the suggest services
(§6). Every answer allows any origin (CORS, §3.3); JSONP is not offered. Queries are read
strictly: a malformed batch is refused whole with 400 and a message naming the query and
the field. Matching and scores: :mod:`archive.reconciliation` and :mod:`archive.matching`.
"""

from __future__ import annotations

import json
import math
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from archive.followers import Derived
from archive.reconciliation import (
    PROPERTIES,
    TYPES,
    Catalogue,
    Entity,
    Query,
    read_catalogue,
)
from vocab import RA
from web.services import get_archive, get_follower

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")

SERVICE_NAME = "Human Rights Statements Archive"
DEFAULT_LIMIT = 5
MAX_LIMIT = 100
MAX_QUERY_CHARS = 1000
MAX_BATCH_CHARS = 1_000_000
MAX_PROPERTY_VALUES = 20
SUGGEST_PAGE = 10
QUERY_FIELDS = ("query", "type", "limit", "properties", "type_strict")
TYPE_STRICT = ("any", "should", "all")
#: Class URIs a query may give as its type instead of the type's id.
CLASSES = {"issuer": RA.Issuer, "event": RA.Event, "treaty": RA.Instrument, "place": RA.Place}
PREVIEW_SIZE = {"width": 420, "height": 190}
#: The preview is shown in an <iframe> of another site (OpenRefine): framing allowed.
PREVIEW_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
               "form-action 'none'; frame-ancestors *")


class Refused(Exception):
    """A request this service does not answer, with its status and message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def follower(app: Flask) -> Derived[Catalogue]:
    """The catalogue of the app's archive, read again at its first use after the change
    log moved."""
    return Derived("reconcile", lambda: read_catalogue(app.extensions["archive"]))


def catalogue() -> Catalogue:
    """The catalogue of the app's archive as of the change log's position now."""
    kept: Derived[Catalogue] = get_follower("reconcile")  # type: ignore[assignment]
    return kept.get()


@bp.after_request
def _cors(response: Response) -> Response:
    # §3.3: every endpoint of the service, uniformly, for any origin (it only reads).
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    return response


@bp.errorhandler(Refused)
def _refused(error: Refused) -> tuple[Response, int]:
    names = {400: "Bad Request", 404: "Not Found", 413: "Payload Too Large"}
    return jsonify({"error": names.get(error.status, "Error"), "message": str(error)}), \
        error.status


# The endpoint: manifest or result batch --------------------------------------------

@bp.route("", methods=["GET", "POST"])
def endpoint() -> Response:
    params = request.values  # the query string, and a POSTed form (§4.3)
    if "extend" in params:
        raise Refused("this service does not offer data extension (no 'extend' in its "
                      "manifest); send 'queries' to reconcile")
    raw = params.get("queries")
    if raw is None:
        return jsonify(manifest())
    batch = read_batch(raw, int(current_app.config["RECONCILE_BATCH_SIZE"]))
    found = catalogue()
    return jsonify({key: {"result": [candidate_json(c) for c in found.candidates(query)]}
                    for key, query in batch.items()})


def manifest() -> dict[str, Any]:
    """The service manifest (§3.1): where the entities' ids live and what is offered."""
    root = request.url_root
    service = f"{root}reconcile"
    try:
        software = version("rights-archive")
    except PackageNotFoundError:  # run from a source tree that was never installed
        software = "unknown"
    return {
        "versions": ["0.1", "0.2"],
        "name": SERVICE_NAME,
        "identifierSpace": get_archive().base,
        "schemaSpace": str(RA),
        "serviceVersion": software,
        "defaultTypes": [type_json(type_id) for type_id in TYPES],
        "view": {"url": f"{root}{{{{id}}}}"},
        "preview": {"url": f"{service}/preview?id={{{{id}}}}", **PREVIEW_SIZE},
        "suggest": {kind: {"service_url": service, "service_path": f"/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "batchSize": int(current_app.config["RECONCILE_BATCH_SIZE"]),
    }


def type_json(type_id: str) -> dict[str, str]:
    return {"id": type_id, "name": TYPES[type_id][1]}


def candidate_json(candidate: Any) -> dict[str, Any]:
    """One candidate (§4.2): id, name, type, score, match and the features behind them."""
    entity: Entity = candidate.entity
    features = [{"id": "name_score", "value": candidate.comparison.score},
                {"id": "name_exact", "value": candidate.comparison.exact}]
    features += [{"id": f"property_{pid}", "value": agreed}
                 for pid, agreed in candidate.agreed.items()]
    body: dict[str, Any] = {"id": entity.id, "name": entity.name}
    if entity.description:
        body["description"] = entity.description
    body.update({"type": [type_json(entity.type)], "score": candidate.score,
                 "match": candidate.match, "features": features})
    return body


# Reading a query batch -----------------------------------------------------------------

def read_batch(raw: str, most: int) -> dict[str, Query]:
    """The queries of a batch (§4.1), each checked; the first problem refuses the batch."""
    if len(raw) > MAX_BATCH_CHARS:
        raise Refused(f"'queries' is longer than {MAX_BATCH_CHARS:,} characters; send fewer "
                      "queries at a time", 413)
    try:
        batch = json.loads(raw)
    except RecursionError:
        raise Refused("'queries' is nested too deeply to read; send an object of queries "
                      "such as {\"q0\": {\"query\": \"Ghana\"}}") from None
    except ValueError as error:
        raise Refused(f"'queries' is not JSON ({error}); send an object of queries such as "
                      '{"q0": {"query": "Amnesty International", "type": "issuer"}}') from None
    if not isinstance(batch, dict):
        raise Refused("'queries' must be a JSON object mapping each query's key to the "
                      "query, such as {\"q0\": {\"query\": \"Ghana\"}}")
    if len(batch) > most:
        raise Refused(f"this batch holds {len(batch)} queries; send at most {most} at a time "
                      "(the manifest's batchSize)", 413)
    return {str(key): read_query(str(key), value) for key, value in batch.items()}


def read_query(key: str, raw: Any) -> Query:
    where = f"query '{key}'"
    if not isinstance(raw, dict):
        raise Refused(f"{where} must be an object with 'query' (and 'type', 'limit', "
                      "'properties')")
    unknown = [name for name in raw if name not in QUERY_FIELDS]
    if unknown:
        raise Refused(f"{where} has an unknown field '{unknown[0]}'; a query may have "
                      f"{', '.join(QUERY_FIELDS)}")
    text = raw.get("query")
    if text is not None:
        if not isinstance(text, str) or not text.strip():
            raise Refused(f"{where}: 'query' must be a non-empty string")
        if len(text) > MAX_QUERY_CHARS:
            raise Refused(f"{where}: 'query' is longer than {MAX_QUERY_CHARS} characters")
        text = text.strip()
    properties = read_properties(where, raw.get("properties"))
    if text is None and not properties:
        raise Refused(f"{where} needs a 'query' string or at least one property")
    strict = raw.get("type_strict")
    if strict is not None and strict not in TYPE_STRICT:
        raise Refused(f"{where}: 'type_strict' must be one of {', '.join(TYPE_STRICT)}")
    return Query(text, read_types(where, raw.get("type")), properties,
                 read_limit(where, raw.get("limit")))


def read_types(where: str, raw: Any) -> tuple[str, ...]:
    values = raw if isinstance(raw, list) else [] if raw is None else [raw]
    types = []
    for value in values:
        type_id = type_of(value) if isinstance(value, str) else None
        if type_id is None:
            raise Refused(f"{where}: there is no type {json.dumps(value)}; the types are "
                          f"{', '.join(TYPES)}")
        types.append(type_id)
    return tuple(dict.fromkeys(types))


def type_of(value: str) -> str | None:
    """The type id a query names: "issuer", its plural ("issuers") or its class URI."""
    for type_id, (kind, _, _) in TYPES.items():
        if value.strip().casefold() in (type_id, kind) or value == str(CLASSES.get(type_id)):
            return type_id
    return None


def read_limit(where: str, raw: Any) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) \
            or raw != int(raw) or not 1 <= raw <= MAX_LIMIT:
        raise Refused(f"{where}: 'limit' must be a whole number from 1 to {MAX_LIMIT}, not "
                      f"{json.dumps(raw)}")
    return int(raw)


def read_properties(where: str, raw: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise Refused(f"{where}: 'properties' must be a list of {{\"pid\": …, \"v\": …}}")
    found = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"pid", "v"} or "pid" not in item \
                or "v" not in item:
            raise Refused(f"{where}: each property must be an object with 'pid' and 'v', "
                          f"not {json.dumps(item)[:80]}")
        pid = item["pid"]
        if pid not in PROPERTIES:
            raise Refused(f"{where}: there is no property {json.dumps(pid)}; the properties "
                          f"are {', '.join(PROPERTIES)}")
        values = item["v"] if isinstance(item["v"], list) else [item["v"]]
        if len(values) > MAX_PROPERTY_VALUES:
            raise Refused(f"{where}: property '{pid}' has more than {MAX_PROPERTY_VALUES} "
                          "values")
        texts = tuple(t for v in values for t in property_texts(where, pid, v) if t)
        if texts:  # an empty cell names no value: the property is left out
            found.append((pid, texts))
    return tuple(found)


def property_texts(where: str, pid: str, value: Any) -> list[str]:
    """A property value as the texts it may equal: a string, a number or a truth value as
    written, an entity (§2.4) by its id and name."""
    if isinstance(value, dict):
        if not isinstance(value.get("id"), str):
            raise Refused(f"{where}: an entity value of '{pid}' needs an 'id' string")
        name = value.get("name")
        return [value["id"].strip(), name.strip() if isinstance(name, str) else ""]
    if isinstance(value, bool):
        return [str(value).lower()]
    if isinstance(value, str | int | float):
        return [str(value).strip()[:MAX_QUERY_CHARS]]
    raise Refused(f"{where}: '{pid}' values must be strings, numbers, truth values or "
                  "entities ({\"id\": …})")


# Preview and suggest ---------------------------------------------------------------------

@bp.get("/preview")
def preview() -> Response:
    """A small page about one entity, for an <iframe> of the client (§5)."""
    entity = catalogue().entity(request.args.get("id", ""))
    status = 200 if entity is not None else 404
    page = render_template("reconcile/preview.html", entity=entity,
                           type_name=TYPES[entity.type][1] if entity else None,
                           href=f"{request.url_root}{entity.id}" if entity else None,
                           wanted=request.args.get("id", ""))
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    return response


def suggest_args() -> tuple[str, int]:
    prefix = request.args.get("prefix")
    if prefix is None:
        raise Refused("a suggest query needs 'prefix' (what was typed so far)")
    try:
        cursor = int(request.args.get("cursor") or 0)
    except ValueError:
        raise Refused("'cursor' must be a whole number (suggestions to skip)") from None
    if cursor < 0:
        raise Refused("'cursor' must be 0 or more")
    return prefix.strip()[:MAX_QUERY_CHARS], cursor


@bp.get("/suggest/entity")
def suggest_entity() -> Response:
    prefix, cursor = suggest_args()
    types = read_types("this suggest query", request.args.getlist("type") or None)
    found = catalogue().suggest(prefix, types, cursor, SUGGEST_PAGE) if prefix else []
    return jsonify({"result": [
        {"id": e.id, "name": e.name, **({"description": e.description} if e.description else {}),
         "notable": [type_json(e.type)]} for e in found]})


@bp.get("/suggest/type")
def suggest_type() -> Response:
    prefix, cursor = suggest_args()
    found = [t for t in TYPES if _starts(prefix, t, TYPES[t][1])]
    return jsonify({"result": [{**type_json(t), "description": TYPES[t][2]}
                               for t in found[cursor:cursor + SUGGEST_PAGE]]})


@bp.get("/suggest/property")
def suggest_property() -> Response:
    prefix, cursor = suggest_args()
    found = [p for p in PROPERTIES if _starts(prefix, p, PROPERTIES[p][0])]
    return jsonify({"result": [{"id": p, "name": PROPERTIES[p][0], "description": PROPERTIES[p][1]}
                               for p in found[cursor:cursor + SUGGEST_PAGE]]})


def _starts(prefix: str, *names: str) -> bool:
    wanted = prefix.casefold()
    return any(word.startswith(wanted) for name in names
               for word in [name.casefold(), *name.casefold().replace("_", " ").split()])
