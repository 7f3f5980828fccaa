"""The web app's limits and names, in one typed object beside the process settings.

Each field is a Flask config key (its name in capitals) and the variable
``RIGHTS_ARCHIVE_<KEY>``, read with the process settings (:func:`archive.settings.read_environ`,
the one reader of the environment); its default and meaning are in the field.
``create_app`` puts :meth:`WebSettings.config` into the app's config before any test
override, so no module keeps a default of its own: a module reads ``app.config[KEY]``.
docs/operators.md has the table (:func:`archive.settings.table` of this class; a test
checks it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from archive.settings import doc, read_environ

MIB = 1024 * 1024
ARCHIVE_NAME = "Human Rights Statements Archive"


@dataclass(frozen=True)
class WebSettings:
    """The web app's settings; an unset (or empty) variable leaves the default."""

    # Requests and searches
    max_content_length: int = field(default=20 * MIB, metadata=doc(
        "RIGHTS_ARCHIVE_MAX_CONTENT_LENGTH", "the most bytes of one request body (20 MiB); "
        "past it 413"))
    search_time_budget: float = field(default=5.0, metadata=doc(
        "RIGHTS_ARCHIVE_SEARCH_TIME_BUDGET", "seconds one search may take before it is "
        "stopped with 503 (`0`: no limit)"))
    follower_retry_seconds: float = field(default=5.0, metadata=doc(
        "RIGHTS_ARCHIVE_FOLLOWER_RETRY_SECONDS", "seconds before a follower of the change "
        "log that failed (the index, a cache) is tried again on a request"))
    proxies: int = field(default=0, metadata=doc(
        "RIGHTS_ARCHIVE_PROXIES", "reverse proxies in front whose `X-Forwarded-*` headers "
        "are believed (0: none; 1 for one nginx)"))
    session_cookie_secure: bool = field(default=False, metadata=doc(
        "RIGHTS_ARCHIVE_SESSION_COOKIE_SECURE", "`true`: the session cookie is always "
        "`Secure` (it already is for every request that arrived over HTTPS)"))
    # Rate limits (flask-limiter notation)
    ratelimit_enabled: bool = field(default=True, metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_ENABLED", "`false` turns every rate limit off"))
    ratelimit_api: str = field(default="300 per minute", metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_API", "`/api/*` per anonymous address"))
    ratelimit_search: str = field(default="120 per minute", metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_SEARCH", "`/search`, `/search.csv`, `/search.atom` per "
        "anonymous address (pages served from the page cache do not count)"))
    ratelimit_sparql: str = field(default="120 per minute", metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_SPARQL", "`/sparql` per anonymous address"))
    ratelimit_reconcile: str = field(default="300 per minute", metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_RECONCILE", "`/reconcile` and its preview and suggest "
        "services per anonymous address (OpenRefine sends 10 names a request)"))
    reconcile_batch_size: int = field(default=50, metadata=doc(
        "RIGHTS_ARCHIVE_RECONCILE_BATCH_SIZE", "queries one `/reconcile` request may hold "
        "(more: 413); the manifest's `batchSize`"))
    ratelimit_signin: str = field(default="10 per minute", metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_SIGNIN", "`POST /signin` per address, always"))
    ratelimit_token: str = field(default="1200 per minute", metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_TOKEN", "every limited request made with one token or "
        "signed-in account, from any address"))
    ratelimit_upload: str = field(default="10 per minute", metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_UPLOAD", "uploads one archivist may start"))
    ratelimit_storage_uri: str = field(default="memory://", metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_STORAGE_URI", "where the counts are kept (flask-limiter "
        "storage URI; `memory://`: per process)"))
    ratelimit_headers_enabled: bool = field(default=True, metadata=doc(
        "RIGHTS_ARCHIVE_RATELIMIT_HEADERS_ENABLED", "send `X-RateLimit-*` and `Retry-After` "
        "headers"))
    # Page cache
    page_cache: bool = field(default=True, metadata=doc(
        "RIGHTS_ARCHIVE_PAGE_CACHE", "`false` turns the page cache off"))
    page_cache_entries: int = field(default=5000, metadata=doc(
        "RIGHTS_ARCHIVE_PAGE_CACHE_ENTRIES", "most responses kept (least recently used go "
        "first)"))
    page_cache_bytes: int = field(default=64 * MIB, metadata=doc(
        "RIGHTS_ARCHIVE_PAGE_CACHE_BYTES", "most bytes kept (64 MiB)"))
    # SPARQL (docs/sparql.md)
    sparql_timeout: float = field(default=30.0, metadata=doc(
        "RIGHTS_ARCHIVE_SPARQL_TIMEOUT", "seconds one query may run"))
    sparql_max_rows: int = field(default=10_000, metadata=doc(
        "RIGHTS_ARCHIVE_SPARQL_MAX_ROWS", "rows (or triples) of one answer"))
    sparql_max_query_bytes: int = field(default=65_536, metadata=doc(
        "RIGHTS_ARCHIVE_SPARQL_MAX_QUERY_BYTES", "bytes of one query's text (UTF-8)"))
    sparql_worker_memory: int = field(default=1024, metadata=doc(
        "RIGHTS_ARCHIVE_SPARQL_WORKER_MEMORY", "MB of address space per query worker "
        "(0: unlimited)"))
    sparql_workers: int = field(default=2, metadata=doc(
        "RIGHTS_ARCHIVE_SPARQL_WORKERS", "query worker processes"))
    sparql_client_queries: int = field(default=1, metadata=doc(
        "RIGHTS_ARCHIVE_SPARQL_CLIENT_QUERIES", "queries one client may have running at "
        "once"))
    sparql_queue_wait: float = field(default=2.0, metadata=doc(
        "RIGHTS_ARCHIVE_SPARQL_QUEUE_WAIT", "seconds a query waits for its client's turn or "
        "a worker"))
    # Uploads
    upload_pending_max: int = field(default=5, metadata=doc(
        "RIGHTS_ARCHIVE_UPLOAD_PENDING_MAX", "uploads one archivist may have pending"))
    upload_pending_bytes: int = field(default=100 * MIB, metadata=doc(
        "RIGHTS_ARCHIVE_UPLOAD_PENDING_BYTES", "bytes of one archivist's pending uploads "
        "(100 MiB)"))
    upload_workers: int = field(default=2, metadata=doc(
        "RIGHTS_ARCHIVE_UPLOAD_WORKERS", "upload checks and saves run at once"))
    upload_sweep_seconds: float = field(default=600.0, metadata=doc(
        "RIGHTS_ARCHIVE_UPLOAD_SWEEP_SECONDS", "how often expired uploads are deleted"))
    # Harvesting and downloads
    dumps_dir: Path | None = field(default=None, metadata=doc(
        "RIGHTS_ARCHIVE_DUMPS_DIR", "where the dumps are written (default DATA/dumps)",
        kind=Path))
    dumps_first_wait: float = field(default=10.0, metadata=doc(
        "RIGHTS_ARCHIVE_DUMPS_FIRST_WAIT", "seconds a request waits for the very first "
        "dump before 503"))
    sitemap_limit: int = field(default=50_000, metadata=doc(
        "RIGHTS_ARCHIVE_SITEMAP_LIMIT", "URLs per sitemap file (the sitemaps.org limit)"))
    resourcesync_page_size: int = field(default=50_000, metadata=doc(
        "RIGHTS_ARCHIVE_RESOURCESYNC_PAGE_SIZE", "entries per ResourceSync resource or "
        "change list; past it each becomes an index of pages"))
    oai_page_size: int = field(default=100, metadata=doc(
        "RIGHTS_ARCHIVE_OAI_PAGE_SIZE", "records or headers per OAI-PMH list page"))
    # Names
    void_title: str = field(default=ARCHIVE_NAME, metadata=doc(
        "RIGHTS_ARCHIVE_VOID_TITLE", "the archive's name in VoID, feeds and citations"))
    oai_repository_name: str = field(default=ARCHIVE_NAME, metadata=doc(
        "RIGHTS_ARCHIVE_OAI_REPOSITORY_NAME", "`repositoryName` in OAI-PMH Identify"))
    oai_admin_email: str = field(default="archivists@example.org", metadata=doc(
        "RIGHTS_ARCHIVE_OAI_ADMIN_EMAIL", "`adminEmail` in OAI-PMH Identify"))
    oai_rights: str = field(
        default="Metadata: CC0 1.0; texts remain the property of their issuers.",
        metadata=doc("RIGHTS_ARCHIVE_OAI_RIGHTS", "`dc:rights` of every OAI-PMH record"))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> WebSettings:
        """The settings in ``environ`` (default: this process's environment)."""
        return read_environ(cls, environ)

    def config(self) -> dict[str, Any]:
        """The Flask config keys these settings are."""
        return {spec.name.upper(): getattr(self, spec.name) for spec in fields(self)}
