"""What a search returns: hits and result pages, each with its contract JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Hit:
    """One statement in a result list."""

    id: str
    uri: str
    title: str
    issuer: str
    date: str
    date_display: str
    snippet: str = ""
    score: float | None = None
    type: str = ""
    language: str = ""
    treaties: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    #: Why it matched when the snippet marks nothing ("cites CEDAW", "issuer: …").
    matched: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "uri": self.uri, "title": self.title, "issuer": self.issuer,
                "date": self.date, "date_display": self.date_display,
                "snippet": self.snippet, "matched": self.matched, "type": self.type,
                "language": self.language, "treaties": self.treaties, "topics": self.topics,
                "events": self.events}


@dataclass
class SearchResults:
    """One page of results with the facet counts of the whole result set."""

    total: int
    results: list[Hit]
    facets: dict[str, list[dict[str, Any]]]
    page: int
    pages: int
    suggestion: str | None = None
    notice: str | None = None
    query: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "results": [hit.to_json() for hit in self.results],
                "facets": self.facets, "suggestion": self.suggestion, "page": self.page,
                "pages": self.pages, "query": self.query, "notice": self.notice}
