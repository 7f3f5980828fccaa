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
from archive.rdf_guards import install as _refuse_document_loading

_refuse_document_loading()  # no JSON-LD parse in a process that uses the archive loads a context

__all__ = [
    "Archive", "ArchiveError", "BadInput", "Conflict", "Forbidden", "Gone", "NotFound",
    "Problem", "StoreLocked",
]
