"""A cache of whole responses for anonymous readers, valid while the change log stands still.

Every cached page is a function of the archive's content and the search index, and both
move only with the change log. So an anonymous ``GET`` (or ``HEAD``) of a page is answered
from memory when the same request was answered before at the same change-log position: the
same scheme, host, script root (``SCRIPT_NAME``), path and query string — everything that
routes it, not the URL they add up to, since ``SCRIPT_NAME=/topics`` with path ``/`` is
the home page at the URL of ``/topics/`` — and the same ``Accept``, ``Accept-Datetime``,
``Accept-Language``, ``Accept-Encoding`` and ``Cookie`` headers (a response that varies on
any other header is not kept), and the same interface language (web/i18n.py: a page in
French is never served to someone asking English, however the language was chosen).
Entries live in one LRU bounded in entries and in bytes, and all go when the position moves
(any write).

Never cached: requests with a session cookie or an ``Authorization`` header (signed-in
pages carry the user's name, forms and CSRF token), responses that set a cookie (but the
``lang`` cookie of a ``?lang=``, which is left out of the entry and set again from each
request, see :data:`REQUEST_COOKIES`), say
``no-store``/``private`` or vary on ``*``, anything but a complete ``200``, and every
endpoint not listed below (the API, SPARQL, OAI-PMH, feeds, forms). Settings
(web/settings.py): ``PAGE_CACHE`` (on), ``PAGE_CACHE_ENTRIES`` and ``PAGE_CACHE_BYTES``
(the budget).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, request, request_finished

from archive.followers import Follower
from web.i18n import chosen_language

#: Pages that depend only on the store (and the deployed code and vocabulary).
STORE_PAGES = frozenset({"things.statement", "things.version", "things.thing",
                         "things.vocabulary_index", "things.vocabulary", "home.about",
                         "memento.timemap"})
#: Pages that also read the search index.
INDEX_PAGES = frozenset({"search_views.page", "home.index", "browse.listing",
                         "things.similar"})
#: Cookies a kept response may set: each is set again from the request it answers (by an
#: ``after_request`` hook, which runs for a page served from memory too), so the entry
#: leaves them out. web/i18n.py sets ``lang`` from ``?lang=``, which is in the key.
REQUEST_COOKIES = frozenset({"lang"})
#: The request headers a key holds: every response kept varies on some of these only.
KEY_HEADERS = ("accept", "accept-datetime", "accept-encoding", "accept-language", "cookie")
Position = tuple[int, ...]
Key = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Entry:
    """One stored response: status, headers and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) + 4 for k, v in self.headers)

    def cost(self, key: Key) -> int:
        """Bytes counted against the budget: the response and its key."""
        return self.size + len(key[0]) + sum(len(value) for value in key[1])

    def response(self) -> Response:
        return Response(self.body, self.status, list(self.headers))


class PageCache:
    """An LRU of responses for one change-log position, bounded in entries and bytes.

    A key is what routes the request (:func:`routing`) and its :data:`KEY_HEADERS`.
    Thread-safe.
    """

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = self.misses = 0
        self._position: Position | None = None
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def key(url: str, headers: Mapping[str, str], language: str = "") -> Key:
        return url, (language, *(headers.get(name, "") for name in KEY_HEADERS))

    def get(self, position: Position, key: Key) -> Entry | None:
        """The response stored under ``key`` at ``position`` (None: none yet)."""
        with self._lock:
            self._move_to(position)
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, position: Position, key: Key, entry: Entry) -> bool:
        """Store ``entry`` unless the position moved on or it alone exceeds the budget."""
        cost = entry.cost(key)
        if cost > self.max_bytes or self.max_entries < 1:
            return False
        with self._lock:
            if position != self._position:
                return False
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.cost(key)
            self._entries[key] = entry
            self.bytes += cost
            while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
                evicted_key, evicted = self._entries.popitem(last=False)
                self.bytes -= evicted.cost(evicted_key)
            return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def _move_to(self, position: Position) -> None:
        if position != self._position:
            self._entries.clear()
            self.bytes = 0
            self._position = position


# The Flask side ----------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    """Answer cacheable requests from the cache and store their responses (if enabled).

    Register it before the other hooks: a page served from memory needs none of them (no
    cached endpoint is rate-limited, and with a shared store the pages that read the search
    index, which :mod:`web.followers` brings up to date per request, are not cached).
    """
    if not app.config["PAGE_CACHE"]:
        return
    cache = PageCache(int(app.config["PAGE_CACHE_ENTRIES"]), int(app.config["PAGE_CACHE_BYTES"]))
    app.extensions["page_cache"] = cache
    app.extensions["page_cache.generation"] = [0]
    app.before_request(_answer_from_cache)
    request_finished.connect(_store, app, weak=False)


class Pages(Follower):
    """The page cache as the last follower: emptied once the others have followed a change."""

    name = "pages"

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.sequence = app.extensions["archive"].last_sequence()

    def follow(self, sequence: int) -> None:
        self.app.extensions["page_cache.generation"][0] += 1
        self.app.extensions["page_cache"].clear()
        self.sequence = sequence

    def keep_up(self, sequence: int) -> None:
        """Another process wrote: the cache's :func:`position` holds the log's end, so its
        entries are already out of reach."""
        self.sequence = sequence


def follower(app: Flask) -> Pages | None:
    """The cache's follower (none when the cache is off)."""
    return Pages(app) if "page_cache" in app.extensions else None


def position() -> Position:
    """Where the change log stands for this process: every cached page depends on it.

    The generation moves after each write here, once the index has applied it; the store's
    and the index's sequence numbers move with writes made by other processes.
    """
    extensions = current_app.extensions
    return (extensions["page_cache.generation"][0], extensions["archive"].last_sequence(),
            extensions["index"].sequence)


def cacheable_request() -> bool:
    """An anonymous GET or HEAD of a page that depends only on the archive's content."""
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return False
    endpoint = request.endpoint
    if endpoint not in STORE_PAGES and endpoint not in INDEX_PAGES:
        return False
    if endpoint in INDEX_PAGES and current_app.extensions["archive"].remote:
        return False  # another process's write reaches this index between two requests
    if "Authorization" in request.headers:
        return False
    return current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def _answer_from_cache() -> Response | None:
    if not cacheable_request():
        return None
    cache: PageCache = current_app.extensions["page_cache"]
    g.page_cache_position = where = position()
    g.page_cache_key = key = cache.key(routing(), request.headers, chosen_language())
    entry = cache.get(where, key)
    if entry is None:
        return None
    g.page_cache_hit = True
    response = entry.response()
    if "If-None-Match" in request.headers or "If-Modified-Since" in request.headers:
        response.make_conditional(request)
    return response


def routing() -> str:
    """What routes this request (and may change the page): scheme, host, script root, path
    and query string, each in its own place (none can hold a line break)."""
    return "\n".join((request.scheme, request.host, request.script_root, request.path,
                      request.query_string.decode("latin-1")))


def _store(app: Flask, response: Response, **_: Any) -> None:
    """Keep a fresh response for the next reader (called once it is complete)."""
    where = g.get("page_cache_position")
    if where is None or g.get("page_cache_hit") or request.method != "GET":
        return
    if not storable(response) or position() != where:
        return
    headers = tuple((name, value) for name, value in response.headers.items()
                    if name.lower() != "set-cookie")
    entry = Entry(response.status_code, headers, response.get_data())
    app.extensions["page_cache"].put(where, g.page_cache_key, entry)


def storable(response: Response) -> bool:
    """Whether ``response`` may be kept for other readers: a complete 200 that sets no
    cookie but those of :data:`REQUEST_COOKIES`, is neither private nor no-store, and varies
    on no header outside the key."""
    if response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return False
    if any(cookie.split("=", 1)[0].strip() not in REQUEST_COOKIES
           for cookie in response.headers.getlist("Set-Cookie")):
        return False
    control = response.cache_control
    if control.no_store or control.private:
        return False
    return all(name.strip().lower() in KEY_HEADERS for name in response.vary)
