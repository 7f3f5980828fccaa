"""Full-text search over the archive: a Whoosh index that follows the store's change log.

``SearchIndex(path, archive)`` opens (or creates) the index and catches up; ``search``
answers queries with facets, snippets and spelling suggestions; :mod:`search.api` turns
query-string arguments into the ``/api/search`` JSON. No HTTP here. The Whoosh internals
the search re-implements for speed and memory are fenced off in :mod:`search.engine`
(written against one Whoosh version, installed when an index is opened).
"""

from search.indexer import IndexLocked, SearchIndex
from search.results import Hit, SearchResults

__all__ = ["Hit", "IndexLocked", "SearchIndex", "SearchResults"]
