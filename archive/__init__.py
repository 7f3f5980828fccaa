"""The archive: records, their RDF form, the store, the one write path, import and export.

This package never imports flask, whoosh, ``search`` or ``web``; they build on it.
"""

from archive.core import Archive
from archive.errors import (
    ArchiveError,
    BadInput,
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    Problem,
    StoreLocked,
)

__all__ = [
    "Archive", "ArchiveError", "BadInput", "Conflict", "Forbidden", "Gone", "NotFound",
    "Problem", "StoreLocked",
]
