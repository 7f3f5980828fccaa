"""OAI-PMH 2.0 at /oai: six verbs, oai_dc and rdf, sets by type, treaty and issuer.

Harvest order is change-log order. A resumption token holds (last sequence emitted, the
log's last sequence when the harvest began, set, from, until, prefix); a record's position
is its last change at or before that cutoff, so a token never expires and no record is
skipped or repeated while archivists edit. Changes after the cutoff belong to the next
incremental harvest. Deleted records stay as headers with status="deleted" (§2.5.1).
A page's records are read together (:mod:`web.oai_records`) and written without rdflib
(:mod:`web.oai_formats`).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from collections.abc import Callable
from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, current_app, request, url_for
from lxml import etree
from rdflib import URIRef

from archive import Archive
from archive.changelog import now
from web import oai_formats
from web.labels import label_of
from web.oai_formats import OAI_DC_NS, OAI_DC_SCHEMA, RDF_NS, XSI_NS
from web.oai_log import SET_KINDS, HarvestLog, harvest_log
from web.oai_records import RecordTriples, record_reader
from web.services import get_archive

bp = Blueprint("oai", __name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
#: metadataPrefix → (schema, metadataNamespace) (§4.4).
FORMATS: dict[str, tuple[str, str]] = {
    "oai_dc": (OAI_DC_SCHEMA, OAI_DC_NS),
    "rdf": ("http://www.openarchives.org/OAI/2.0/rdf.xsd", RDF_NS),
}
#: Verb → (required arguments, optional arguments) (§3.1.1, §4).
VERBS: dict[str, tuple[set[str], set[str]]] = {
    "Identify": (set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}),
    "ListSets": (set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set", "resumptionToken"}),
}
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"


class OaiError(Exception):
    """An OAI-PMH error condition (§3.6): its code and a message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# Resumption tokens -----------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    """Where a list request stands: it encodes a position in the change log (§3.5)."""

    prefix: str
    after: int
    cutoff: int
    set_spec: str | None
    start: str | None
    end: str | None

    def encode(self) -> str:
        raw = json.dumps(astuple(self), separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, log: HarvestLog) -> Token:
        """The token ``text`` stands for, or badResumptionToken: decided on the decoded
        structure, each field of exactly its type (a forged token never reaches a query)."""
        try:
            padded = text + "=" * (-len(text) % 4)
            values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
            raise OaiError("badResumptionToken", f"'{text}' is not a resumption token of "
                                                 "this repository") from None
        token = cls._from_values(values)
        if token is None:
            raise OaiError("badResumptionToken", f"'{text}' is not a resumption token of "
                                                 "this repository")
        if not 0 <= token.after <= token.cutoff <= len(log.changes):
            raise OaiError("badResumptionToken", f"the resumption token '{text}' does not "
                                                 "match this repository's change log")
        return token

    @classmethod
    def _from_values(cls, values: object) -> Token | None:
        """A token from its decoded JSON, if every field has the type it is written with."""
        if type(values) is not list or len(values) != 6:
            return None
        prefix, after, cutoff, set_spec, start, end = values
        if type(prefix) is not str or prefix not in FORMATS:
            return None
        if type(after) is not int or type(cutoff) is not int:
            return None
        if set_spec is not None and (type(set_spec) is not str or not legal_set(set_spec)):
            return None
        if not all(bound is None or _written_time(bound) for bound in (start, end)):
            return None
        return cls(prefix, after, cutoff, set_spec, start, end)


def _written_time(value: object) -> bool:
    """Whether ``value`` is a time as :class:`Token` writes it (ISO 8601, UTC)."""
    if type(value) is not str:
        return False
    try:
        time = datetime.fromisoformat(value)
    except ValueError:
        return False
    return time.utcoffset() == timedelta(0) and time.isoformat() == value


# Argument syntax (OAI-PMH.xsd) -----------------------------------------------------------

#: The characters of a metadataPrefix and of each part of a setSpec (OAI-PMH.xsd,
#: metadataPrefixType and setSpecType: unreserved characters of RFC 2396).
SPEC_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                            "0123456789-_.!~*'()")


def legal_prefix(prefix: str) -> bool:
    return bool(prefix) and set(prefix) <= SPEC_CHARACTERS


def legal_set(spec: str) -> bool:
    """A setSpec: one or more parts of :data:`SPEC_CHARACTERS` joined by colons."""
    return all(legal_prefix(part) for part in spec.split(":"))


def xml_compatible(text: str) -> bool:
    """Whether ``text`` can be an XML 1.0 attribute value (Char production, §2.2)."""
    return all(char in "\t\n\r" or 0x20 <= ord(char) <= 0xD7FF
               or 0xE000 <= ord(char) <= 0xFFFD or 0x10000 <= ord(char) <= 0x10FFFF
               for char in text)


# Dates -----------------------------------------------------------------------------------

def stamp(time: datetime) -> str:
    """A UTC datestamp at seconds granularity."""
    return time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str, name: str, end: bool) -> tuple[datetime, str]:
    """A from/until argument as a UTC time and its granularity (§3.3.1)."""
    for fmt, granularity in (("%Y-%m-%dT%H:%M:%SZ", "seconds"), ("%Y-%m-%d", "day")):
        try:
            time = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
        if time.strftime(fmt) != text:  # strptime also takes 2020-1-1, which is not UTCdatetime
            continue
        if granularity == "day" and end:
            time += timedelta(days=1, seconds=-1)
        return time, granularity
    raise OaiError("badArgument", f"'{name}' must be a date as YYYY-MM-DD or "
                                  f"YYYY-MM-DDThh:mm:ssZ, not '{text}'")


# The endpoint ----------------------------------------------------------------------------

@bp.route("/oai", methods=["GET", "POST"])
def endpoint() -> Response:
    args = request.form if request.method == "POST" else request.args
    root, request_el = envelope()
    verb = args.get("verb")
    try:
        arguments = check_arguments(args)
        for key, value in arguments.items():
            request_el.set(key, value)
        HANDLERS[verb](root, arguments)
    except OaiError as error:
        if error.code in ("badVerb", "badArgument"):
            request_el.attrib.clear()  # §3.2: echo only the base URL then
        etree.SubElement(root, f"{{{OAI_NS}}}error", code=error.code).text = error.message
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    response = Response(body, mimetype="text/xml")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def envelope() -> tuple[etree._Element, etree._Element]:
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation",
             f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
    etree.SubElement(root, f"{{{OAI_NS}}}responseDate").text = stamp(now())
    request_el = etree.SubElement(root, f"{{{OAI_NS}}}request")
    request_el.text = base_url()
    return root, request_el


def base_url() -> str:
    return url_for("oai.endpoint", _external=True)


def check_arguments(args: object) -> dict[str, str]:
    """The request's arguments, or badVerb/badArgument (§3.1.1, §3.6)."""
    verbs = args.getlist("verb")  # type: ignore[attr-defined]
    if len(verbs) != 1 or verbs[0] not in VERBS:
        shown = ", ".join(verbs) if verbs else "none"
        raise OaiError("badVerb", f"the verb must be one of {', '.join(VERBS)} (got {shown})")
    required, optional = VERBS[verbs[0]]
    arguments = {}
    for key in args:  # type: ignore[attr-defined]
        values = args.getlist(key)  # type: ignore[attr-defined]
        if key == "verb":
            continue
        if key not in required | optional:
            raise OaiError("badArgument", f"{verbs[0]} does not take the argument '{key}'")
        if len(values) != 1:
            raise OaiError("badArgument", f"the argument '{key}' is repeated")
        arguments[key] = checked_syntax(key, values[0])
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        return arguments
    missing = sorted(required - set(arguments))
    if missing:
        raise OaiError("badArgument", f"{verbs[0]} requires {', '.join(missing)}")
    return arguments


def checked_syntax(key: str, value: str) -> str:
    """``value`` if it is well formed for argument ``key`` (what OAI-PMH.xsd lets the
    request element hold), else badArgument: such a value is never echoed (§3.2)."""
    if not value:
        raise OaiError("badArgument", f"the argument '{key}' is empty")
    if not xml_compatible(value):
        raise OaiError("badArgument", f"the argument '{key}' holds characters XML cannot "
                                      "carry")
    if key == "metadataPrefix" and not legal_prefix(value):
        raise OaiError("badArgument", "a metadataPrefix is letters, digits and - _ . ! ~ * "
                                      f"' ( ); this repository offers {', '.join(FORMATS)}")
    if key == "set" and not legal_set(value):
        raise OaiError("badArgument", "a set is one or more parts of letters, digits and "
                                      "- _ . ! ~ * ' ( ) joined by ':' (see ListSets)")
    if key in ("from", "until"):
        parse_stamp(value, key, end=key == "until")
    return value


def verb_element(root: etree._Element, name: str) -> etree._Element:
    return etree.SubElement(root, f"{{{OAI_NS}}}{name}")


def sub(parent: etree._Element, name: str, text: str | None = None, ns: str = OAI_NS,
        **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}", **attributes)
    if text is not None:
        element.text = text
    return element


def identify(root: etree._Element, _: dict[str, str]) -> None:
    log = harvest_log()
    config = current_app.config
    element = verb_element(root, "Identify")
    sub(element, "repositoryName", config["OAI_REPOSITORY_NAME"])
    sub(element, "baseURL", base_url())
    sub(element, "protocolVersion", "2.0")
    sub(element, "adminEmail", config["OAI_ADMIN_EMAIL"])
    earliest = log.changes[0].time if log.changes else now()
    sub(element, "earliestDatestamp", stamp(earliest))
    sub(element, "deletedRecord", "persistent")
    sub(element, "granularity", GRANULARITY)


def list_metadata_formats(root: etree._Element, arguments: dict[str, str]) -> None:
    if "identifier" in arguments:
        record_id = resolve_identifier(harvest_log(), arguments["identifier"])
        if harvest_log().latest(record_id).deleted:
            raise OaiError("noMetadataFormats", f"'{arguments['identifier']}' was deleted; "
                                                "no metadata is disseminated for it")
    element = verb_element(root, "ListMetadataFormats")
    for prefix, (schema, namespace) in FORMATS.items():
        entry = sub(element, "metadataFormat")
        sub(entry, "metadataPrefix", prefix)
        sub(entry, "schema", schema)
        sub(entry, "metadataNamespace", namespace)


def list_sets(root: etree._Element, arguments: dict[str, str]) -> None:
    if "resumptionToken" in arguments:
        raise OaiError("badResumptionToken", "ListSets answers in one response; this "
                                             "repository issued no token for it")
    log = harvest_log()
    used = log.used_sets()
    if not used:
        raise OaiError("noSetHierarchy", "the repository holds no records yet, so it has no "
                                         "sets")
    element = verb_element(root, "ListSets")
    archive = get_archive()
    for prefix, (_, _, name) in SET_KINDS.items():
        entry = sub(element, "set")
        sub(entry, "setSpec", prefix)
        sub(entry, "setName", name)
    for spec in used:
        prefix, slug = spec.split(":", 1)
        uri = archive.uris.thing(SET_KINDS[prefix][0], slug)
        entry = sub(element, "set")
        sub(entry, "setSpec", spec)
        sub(entry, "setName", set_label(archive, uri))


def set_label(archive: Archive, uri: URIRef) -> str:
    return label_of(archive.read.labels(uri), uri)


def resolve_identifier(log: HarvestLog, identifier: str) -> str:
    """The record id of an OAI identifier (the statement's URI), or idDoesNotExist."""
    record_id = get_archive().uris.record_id(identifier)
    if record_id is None or record_id not in log.by_record:
        raise OaiError("idDoesNotExist", f"'{identifier}' is not an identifier in this "
                                         "repository; identifiers are statement URIs")
    return record_id


def get_record(root: etree._Element, arguments: dict[str, str]) -> None:
    log = harvest_log()
    prefix = checked_prefix(arguments["metadataPrefix"])
    record_id = resolve_identifier(log, arguments["identifier"])
    element = verb_element(root, "GetRecord")
    records = read_current(log, [record_id], prefix)
    add_record(element, log, record_id, prefix, with_metadata=True,
               record=records.get(record_id))


def checked_prefix(prefix: str) -> str:
    if prefix not in FORMATS:
        raise OaiError("cannotDisseminateFormat", f"'{prefix}' is not a metadata format of "
                                                  f"this repository ({', '.join(FORMATS)})")
    return prefix


def list_records(root: etree._Element, arguments: dict[str, str]) -> None:
    list_items(root, arguments, "ListRecords", with_metadata=True)


def list_identifiers(root: etree._Element, arguments: dict[str, str]) -> None:
    list_items(root, arguments, "ListIdentifiers", with_metadata=False)


def list_items(root: etree._Element, arguments: dict[str, str], verb: str,
               with_metadata: bool) -> None:
    log = harvest_log()
    token = (Token.decode(arguments["resumptionToken"], log) if "resumptionToken" in arguments
             else first_token(log, arguments))
    start = datetime.fromisoformat(token.start) if token.start else None
    end = datetime.fromisoformat(token.end) if token.end else None
    matches = log.matching(token.cutoff, token.set_spec, start, end)
    if not matches:
        raise OaiError("noRecordsMatch", "no record matches these arguments")
    cursor = bisect.bisect_right(matches, token.after)
    size = int(current_app.config["OAI_PAGE_SIZE"])
    page = matches[cursor:cursor + size]
    element = verb_element(root, verb)
    record_ids = [log.record_id(sequence) for sequence in page]
    records = read_current(log, record_ids, token.prefix) if with_metadata else {}
    for record_id in record_ids:
        add_record(element, log, record_id, token.prefix, with_metadata,
                   record=records.get(record_id))
    if "resumptionToken" not in arguments and len(page) == len(matches):
        return  # a complete list in one response needs no token (§3.5)
    more = cursor + len(page) < len(matches)
    following = Token(token.prefix, page[-1], token.cutoff, token.set_spec, token.start,
                      token.end) if more and page else None
    sub(element, "resumptionToken", following.encode() if following else None,
        completeListSize=str(len(matches)), cursor=str(cursor))


def first_token(log: HarvestLog, arguments: dict[str, str]) -> Token:
    prefix = checked_prefix(arguments["metadataPrefix"])
    start = end = None
    if "from" in arguments:
        start, start_granularity = parse_stamp(arguments["from"], "from", end=False)
    if "until" in arguments:
        end, end_granularity = parse_stamp(arguments["until"], "until", end=True)
    if start and end:
        if start_granularity != end_granularity:
            raise OaiError("badArgument", "'from' and 'until' must have the same granularity")
        if start > end:
            raise OaiError("badArgument", "'from' is later than 'until'")
    set_spec = arguments.get("set")
    if set_spec is not None and not log.sets.any():
        raise OaiError("noSetHierarchy", "the repository holds no records yet, so it has no "
                                         "sets")
    return Token(prefix, 0, len(log.changes), set_spec,
                 start.isoformat() if start else None, end.isoformat() if end else None)


def read_current(log: HarvestLog, record_ids: list[str], prefix: str
                 ) -> dict[str, RecordTriples]:
    """The graphs of the records not deleted in the log, read together (none for a record
    deleted since this request caught up with the log)."""
    current = [record_id for record_id in record_ids if not log.latest(record_id).deleted]
    return record_reader().read(current, with_text=prefix != "oai_dc")


def add_record(parent: etree._Element, log: HarvestLog, record_id: str, prefix: str,
               with_metadata: bool, record: RecordTriples | None = None) -> None:
    """A header (ListIdentifiers) or a record with its metadata (§2.5)."""
    archive = get_archive()
    change = log.latest(record_id)
    uri = archive.uris.statement(record_id)
    holder = sub(parent, "record") if with_metadata else parent
    header = sub(holder, "header")
    if change.deleted or (with_metadata and record is None):
        header.set("status", "deleted")
    sub(header, "identifier", str(uri))
    sub(header, "datestamp", stamp(change.time))
    for spec in sorted(log.sets.get(record_id, ())):
        sub(header, "setSpec", spec)
    if with_metadata and record is not None:
        sub(holder, "metadata").append(METADATA[prefix](record, str(uri)))


# Metadata formats (written by web.oai_formats) -------------------------------------------

def oai_dc(record: RecordTriples, uri: str) -> etree._Element:
    rights = current_app.config["OAI_RIGHTS"]
    return oai_formats.oai_dc(record, uri, rights, record_reader().concepts)


def rdf(record: RecordTriples, uri: str) -> etree._Element:
    return oai_formats.rdf(record)


METADATA: dict[str, Callable[[RecordTriples, str], etree._Element]] = {
    "oai_dc": oai_dc, "rdf": rdf,
}
HANDLERS: dict[str, Callable[[etree._Element, dict[str, str]], None]] = {
    "Identify": identify, "ListMetadataFormats": list_metadata_formats, "ListSets": list_sets,
    "GetRecord": get_record, "ListIdentifiers": list_identifiers, "ListRecords": list_records,
}
