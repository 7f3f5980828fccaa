"""The Whoosh internals the archive re-implements, fenced off from its own search logic.

Everything here stands in for a piece of Whoosh-Reloaded (its posting pool, postings
writer, segment files, matchers, scoring) and depends on that piece's private details, so
it is written against one Whoosh version (:data:`WRITTEN_AGAINST`, the one pyproject.toml
pins). ``README.md`` beside this file says what each module replaces, why, and the figures
that justify it.

Two of the pieces change Whoosh itself (compound segment files read in place, lazy OR and
phrase matchers); nothing does so on import. :func:`install` does, once per process, after
:func:`check_whoosh` has found the version it was written against; ``SearchIndex`` calls it
when it opens an index. The other modules are called explicitly (``open_writer``,
``matching``, ``all_scores``) and patch nothing.
"""

from __future__ import annotations

import threading
from importlib import metadata

from archive.errors import ArchiveError
from search.engine import lazy_matchers, segment_files

#: The Whoosh distribution these modules build on, and the version they were written against.
DISTRIBUTION = "whoosh-reloaded"
WRITTEN_AGAINST = "2.7.5"

_lock = threading.Lock()
_installed = False


class WhooshVersionMismatch(ArchiveError):
    """The installed Whoosh is not the version search/engine/ was written against."""


def installed_whoosh() -> str | None:
    """The version of Whoosh-Reloaded installed here (None: not installed)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def check_whoosh(expected: str = WRITTEN_AGAINST) -> None:
    """Raise :class:`WhooshVersionMismatch` unless Whoosh-Reloaded ``expected`` is installed."""
    found = installed_whoosh()
    if found == expected:
        return
    found_text = f"{found} is installed" if found else "is not installed"
    raise WhooshVersionMismatch(
        f"search/engine/ was written against Whoosh-Reloaded {expected}, but Whoosh-Reloaded "
        f"{found_text}; its replacements of Whoosh internals may read or write indexes "
        f"wrongly with another version. Install the pinned version (pip install "
        f"'whoosh-reloaded=={expected}', or ./scripts/setup), or port search/engine/ to "
        f"{found or 'the new version'} (search/engine/README.md says what each module "
        "replaces) and then raise WRITTEN_AGAINST")


def install() -> None:
    """Check the Whoosh version, then have Whoosh read segments in place and build lazy
    matchers from now on (idempotent; thread-safe)."""
    global _installed
    with _lock:
        if _installed:
            return
        check_whoosh()
        segment_files.install()  # read compound segments in place, not copied per searcher
        lazy_matchers.install()  # OR and phrase matchers read nothing until used
        _installed = True


def is_installed() -> bool:
    """Whether :func:`install` has run in this process."""
    return _installed
