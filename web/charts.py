"""Charts drawn on the server as inline SVG: a timeline, horizontal bars, a relation graph.

No script and no style attributes (the Content-Security-Policy forbids them): shapes carry
class names styled in static/charts.css. Each chart has a <title> and <desc> for screen
readers and real text labels.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

TIMELINE_WIDTH, TIMELINE_HEIGHT = 640, 180
BAR_HEIGHT, BAR_LABEL_WIDTH, BAR_WIDTH = 22, 220, 360
GRAPH_SIZE, GRAPH_MAX_NODES = 520, 16
ROLE_NAMES = {"issuers": "issuer", "events": "responds to", "treaties": "cites",
              "topics": "topic", "places": "place", "types": "type", "see_also": "see also"}


def _chart_id(kind: str, title: str) -> str:
    return f"{kind}-{hashlib.sha1(title.encode()).hexdigest()[:8]}"


def _open(kind: str, title: str, desc: str, width: int, height: int) -> list[str]:
    ident = _chart_id(kind, title)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="img" '
            f'viewBox="0 0 {width} {height}" aria-labelledby="{ident}-t {ident}-d">',
            f'<title id="{ident}-t">{escape(title)}</title>',
            f'<desc id="{ident}-d">{escape(desc)}</desc>']


def timeline(counts: Mapping[int, int], title: str) -> Markup:
    """Vertical bars of counts per year, every year between the first and last shown."""
    if not counts:
        return Markup("")
    first, last = min(counts), max(counts)
    years = list(range(first, last + 1))
    peak = max(counts.values())
    desc = "; ".join(f"{year}: {counts[year]}" for year in sorted(counts))
    parts = _open("timeline", title, desc, TIMELINE_WIDTH, TIMELINE_HEIGHT)
    slot = (TIMELINE_WIDTH - 40) / len(years)
    plot = TIMELINE_HEIGHT - 40
    step = max(1, math.ceil(len(years) / 12))
    for i, year in enumerate(years):
        count = counts.get(year, 0)
        height = plot * count / peak
        x = 30 + i * slot
        parts.append(f'<rect class="bar" x="{x + slot * 0.1:.1f}" y="{10 + plot - height:.1f}" '
                     f'width="{max(slot * 0.8, 1):.1f}" height="{height:.1f}">'
                     f'<title>{year}: {count}</title></rect>')
        if i % step == 0 or year == last:
            parts.append(f'<text class="axis" x="{x + slot / 2:.1f}" y="{TIMELINE_HEIGHT - 12}" '
                         f'text-anchor="middle">{year}</text>')
    parts.append(f'<text class="axis" x="4" y="18">{peak}</text>')
    parts.append(f'<line class="baseline" x1="30" y1="{10 + plot}" x2="{TIMELINE_WIDTH - 10}" '
                 f'y2="{10 + plot}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(items: Sequence[tuple[str, int, str | None]], title: str) -> Markup:
    """Horizontal bars of (label, count, link) with the label and count as text."""
    if not items:
        return Markup("")
    peak = max(count for _, count, _ in items)
    height = BAR_HEIGHT * len(items) + 10
    width = BAR_LABEL_WIDTH + BAR_WIDTH + 60
    desc = "; ".join(f"{label}: {count}" for label, count, _ in items)
    parts = _open("bars", title, desc, width, height)
    for i, (label, count, href) in enumerate(items):
        y = 5 + i * BAR_HEIGHT
        length = BAR_WIDTH * count / peak
        text = (f'<text class="label" x="{BAR_LABEL_WIDTH - 6}" y="{y + 15}" '
                f'text-anchor="end">{escape(_short(label, 32))}</text>')
        parts.append(f'<a href="{escape(href)}">{text}</a>' if href else text)
        parts.append(f'<rect class="bar" x="{BAR_LABEL_WIDTH}" y="{y + 3}" '
                     f'width="{max(length, 1):.1f}" height="{BAR_HEIGHT - 6}">'
                     f'<title>{escape(label)}: {count}</title></rect>')
        parts.append(f'<text class="count" x="{BAR_LABEL_WIDTH + length + 6:.1f}" '
                     f'y="{y + 15}">{count}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def relation_graph(title: str, relations: Mapping[str, Sequence[Mapping[str, Any]]]) -> Markup:
    """The statement in the middle, the things it links to around it; nodes are links."""
    nodes = [(role, item) for role, items in relations.items() for item in items]
    nodes = nodes[:GRAPH_MAX_NODES]
    if not nodes:
        return Markup("")
    centre = GRAPH_SIZE / 2
    radius = GRAPH_SIZE / 2 - 70
    desc = "; ".join(f"{ROLE_NAMES.get(role, role)}: {item['label']}" for role, item in nodes)
    parts = _open("graph", f"Relations of “{title}”", desc, GRAPH_SIZE, GRAPH_SIZE)
    placed = []
    for i, (role, item) in enumerate(nodes):
        angle = 2 * math.pi * i / len(nodes) - math.pi / 2
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        placed.append((role, item, x, y))
        parts.append(f'<line class="edge edge-{role}" x1="{centre:.0f}" y1="{centre:.0f}" '
                     f'x2="{x:.1f}" y2="{y:.1f}"/>')
    parts.append(f'<circle class="node node-self" cx="{centre:.0f}" cy="{centre:.0f}" r="34"/>'
                 f'<text class="node-label" x="{centre:.0f}" y="{centre + 4:.0f}" '
                 f'text-anchor="middle">{escape(_short(title, 18))}</text>')
    for role, item, x, y in placed:
        node = (f'<circle class="node node-{role}" cx="{x:.1f}" cy="{y:.1f}" r="9"/>'
                f'<text class="role" x="{x:.1f}" y="{y - 14:.1f}" text-anchor="middle">'
                f'{escape(ROLE_NAMES.get(role, role))}</text>'
                f'<text class="node-label" x="{x:.1f}" y="{y + 24:.1f}" text-anchor="middle">'
                f'{escape(_short(item["label"], 26))}<title>{escape(item["label"])}</title>'
                f'</text>')
        href = item.get("href") or item.get("uri")
        parts.append(f'<a href="{escape(href)}">{node}</a>' if href else node)
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
