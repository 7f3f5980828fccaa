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

from flask_babel import gettext
from markupsafe import Markup, escape

from web.i18n import N_

TIMELINE_WIDTH, TIMELINE_HEIGHT = 640, 180
YEAR_LABEL_SPACE = 48  # a year is ~28 units wide at 12px, ~42 at 18px (phones), plus a gap
BAR_HEIGHT, BAR_LABEL_WIDTH, BAR_WIDTH = 22, 220, 360
GRAPH_MAX_NODES = 16
GRAPH_WIDTH, GRAPH_PAD, GRAPH_MIN_HEIGHT = 640, 12, 120
GRAPH_HEADING, GRAPH_ROW, GRAPH_LABEL = 20, 24, 27
#: x of the left dots, the centre box's left and right edges, the right dots.
GRAPH_X = (214, 248, 392, 426)
NARROW_WIDTH, NARROW_LABEL, NARROW_DOTS = 360, 22, (14, 188)
GRAPH_ORDER = ("issuers", "events", "types", "places", "see_also", "treaties", "topics")
Row = tuple[str, Mapping[str, Any] | None]  # (role, item); None: the role's heading
#: A role's heading in the relation graph, in the interface language where it is drawn.
ROLE_NAMES = {"issuers": N_("issuer"), "events": N_("responds to"), "treaties": N_("cites"),
              "topics": N_("topic"), "places": N_("place"), "types": N_("type"),
              "see_also": N_("see also")}


def _chart_id(kind: str, title: str) -> str:
    return f"{kind}-{hashlib.sha1(title.encode()).hexdigest()[:8]}"


def _open(kind: str, title: str, desc: str, width: int, height: int, role: str = "img"
          ) -> list[str]:
    """An <svg> drawn at its own size (CSS scales it down, never up), with title and desc.

    ``role`` is "group" when the chart holds links (an image may not).
    """
    ident = _chart_id(kind, title)
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" role="{role}" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'aria-labelledby="{ident}-t {ident}-d">',
            f'<title id="{ident}-t">{escape(title)}</title>',
            f'<desc id="{ident}-d">{escape(desc)}</desc>']


def timeline(counts: Mapping[int, int], title: str, width: int = TIMELINE_WIDTH) -> Markup:
    """Vertical bars of counts per year, every year between the first and last shown."""
    if not counts:
        return Markup("")
    first, last = min(counts), max(counts)
    years = list(range(first, last + 1))
    peak = max(counts.values())
    desc = "; ".join(f"{year}: {counts[year]}" for year in sorted(counts))
    parts = _open("timeline", title, desc, width, TIMELINE_HEIGHT)
    slot = (width - 40) / len(years)
    plot = TIMELINE_HEIGHT - 40
    step = label_step(slot)
    for i, year in enumerate(years):
        count = counts.get(year, 0)
        height = plot * count / peak
        x = 30 + i * slot
        bar = min(max(slot * 0.8, 1), 48)  # a few years must not make slabs
        parts.append(f'<rect class="bar" x="{x + (slot - bar) / 2:.1f}" '
                     f'y="{10 + plot - height:.1f}" width="{bar:.1f}" height="{height:.1f}">'
                     f'<title>{year}: {count}</title></rect>')
        if year % step == 0:
            parts.append(f'<text class="axis" x="{x + slot / 2:.1f}" y="{TIMELINE_HEIGHT - 12}" '
                         f'text-anchor="middle">{year}</text>')
    parts.append(f'<text class="axis" x="4" y="18">{peak}</text>')
    parts.append(f'<line class="baseline" x1="30" y1="{10 + plot}" x2="{width - 10}" '
                 f'y2="{10 + plot}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def label_step(slot: float) -> int:
    """Label every Nth year (N = 1, 2, 5, 10, 20, 25, 50, …) so year labels never overlap."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if step * slot >= YEAR_LABEL_SPACE:
            return step
    return math.ceil(YEAR_LABEL_SPACE / slot)


def bars(items: Sequence[tuple[str, int, str | None]], title: str) -> Markup:
    """Horizontal bars of (label, count, link) with the label and count as text."""
    if not items:
        return Markup("")
    peak = max(count for _, count, _ in items)
    height = BAR_HEIGHT * len(items) + 10
    width = BAR_LABEL_WIDTH + BAR_WIDTH + 60
    desc = "; ".join(f"{label}: {count}" for label, count, _ in items)
    parts = _open("bars", title, desc, width, height,
                  "group" if any(href for _, _, href in items) else "img")
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
    """The statement and the things it links to, in two columns of role groups.

    Two drawings, one shown by CSS at a time: wide (the statement between the columns) and
    narrow for phones (the statement above them), so labels stay legible at either width.
    Each is a group of links, not an image (role="group": an image may not hold links); each
    link is named by its full label and role, and long labels are shortened with the full
    text in <title>.
    """
    nodes = [(role, item) for role in GRAPH_ORDER for item in relations.get(role, ())]
    if not nodes:
        return Markup("")
    columns = _graph_columns(nodes[:GRAPH_MAX_NODES])
    hidden = len(nodes) - GRAPH_MAX_NODES
    desc = "; ".join(f"{ROLE_NAMES.get(role, role)}: {item['label']}" for role, item in nodes)
    return Markup(_wide_graph(title, desc, columns, hidden)
                  + _narrow_graph(title, desc, columns, hidden))


def _wide_graph(title: str, desc: str, columns: list[list[Row]], hidden: int) -> str:
    """640 wide: left column, the statement, right column; curved edges to the statement."""
    height = max(max(_column_height(column) for column in columns) + 2 * GRAPH_PAD
                 + (GRAPH_ROW if hidden > 0 else 0), GRAPH_MIN_HEIGHT)
    middle = height / 2
    dots, ends = (GRAPH_X[0], GRAPH_X[3]), (GRAPH_X[1], GRAPH_X[2])
    edges, nodes = [], []
    for side, column in enumerate(columns):
        dot = dots[side]
        text_x, anchor = (dot - 10, "end") if side == 0 else (dot + 10, "start")
        top = middle - _column_height(column) / 2
        parts, ys = _graph_rows(column, dot, text_x, anchor, top, GRAPH_LABEL)
        nodes += parts
        bend = (dot + ends[side]) / 2
        edges += [f'<path class="edge" d="M{dot},{y:.0f} C{bend:.0f},{y:.0f} {bend:.0f},'
                  f'{middle:.0f} {ends[side]},{middle:.0f}"/>' for y in ys]
    lines = _wrap(title, 17, 4)
    box = len(lines) * 16 + 20
    centre = _graph_box(title, lines, GRAPH_X[1], GRAPH_X[2], middle - box / 2, box)
    return _graph_svg("wide", title, desc, GRAPH_WIDTH, height,
                      [*edges, *centre, *nodes, *_graph_more(hidden, GRAPH_WIDTH, height)])


def _narrow_graph(title: str, desc: str, columns: list[list[Row]], hidden: int) -> str:
    """360 wide, for phones: the statement on top, the two columns below it."""
    lines = _wrap(title, 42, 2)
    box = len(lines) * 16 + 20
    top = GRAPH_PAD + box + 12
    height = (top + max(_column_height(column) for column in columns) + GRAPH_PAD
              + (GRAPH_ROW if hidden > 0 else 0))
    edges, nodes = [], []
    for dot, column in zip(NARROW_DOTS, columns, strict=True):
        parts, ys = _graph_rows(column, dot, dot + 9, "start", top, NARROW_LABEL)
        nodes += parts
        if ys:
            edges.append(f'<path class="edge" d="M{dot},{GRAPH_PAD + box} V{ys[-1]:.0f}"/>')
    centre = _graph_box(title, lines, 6, NARROW_WIDTH - 6, GRAPH_PAD, box)
    return _graph_svg("narrow", title, desc, NARROW_WIDTH, height,
                      [*edges, *centre, *nodes, *_graph_more(hidden, NARROW_WIDTH, height)])


def _graph_svg(layout: str, title: str, desc: str, width: int, height: float,
               parts: list[str]) -> str:
    ident = _chart_id(f"graph-{layout}", title)
    return "".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-graph graph-{layout}" '
        f'role="group" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" aria-labelledby="{ident}-t" '
        f'aria-describedby="{ident}-d">',
        f'<title id="{ident}-t">{escape(gettext("Relations of “%(title)s”", title=title))}'
        '</title>',
        f'<desc id="{ident}-d">{escape(desc)}</desc>', *parts, "</svg>"])


def _graph_more(hidden: int, width: int, height: float) -> list[str]:
    if hidden <= 0:
        return []
    return [f'<text class="more" x="{width / 2:.0f}" y="{height - 10:.0f}" '
            f'text-anchor="middle">'
            f'{escape(gettext("and %(num)s more, listed above", num=hidden))}</text>']


def _graph_columns(nodes: Sequence[tuple[str, Mapping[str, Any]]]) -> list[list[Row]]:
    """Rows (role headings and items) in two columns of about equal height, splitting a
    role group between the columns only when that balances them much better."""
    rows: list[Row] = []
    for role, item in nodes:
        if not rows or rows[-1][0] != role:
            rows.append((role, None))
        rows.append((role, item))
    best: tuple[float, list[list[Row]]] | None = None
    for index in range(1, len(rows) + 1):
        left, right = rows[:index], rows[index:]
        if left[-1][1] is None:
            continue  # a heading must not end a column
        inside = bool(right) and right[0][1] is not None
        if inside:
            right = [(right[0][0], None), *right]
        cost = max(_column_height(left), _column_height(right)) + (GRAPH_ROW * 1.5 if inside
                                                                   else 0)
        if best is None or cost < best[0]:
            best = (cost, [left, right])
    return best[1] if best else [rows, []]


def _column_height(rows: Sequence[Row]) -> int:
    return sum(GRAPH_ROW if item is not None else GRAPH_HEADING for _, item in rows)


def _graph_rows(rows: Sequence[Row], dot: float, text_x: float, anchor: str, top: float,
                limit: int) -> tuple[list[str], list[float]]:
    """A column's role headings and linked labels from ``top`` down, and its dots' y."""
    parts, ys, y = [], [], top
    for role, item in rows:
        if item is None:
            parts.append(f'<text class="role" x="{text_x}" y="{y + 14:.0f}" '
                         f'text-anchor="{anchor}">{escape(gettext(ROLE_NAMES.get(role, role)))}'
                         '</text>')
            y += GRAPH_HEADING
            continue
        cy = y + GRAPH_ROW / 2
        ys.append(cy)
        name = f"{item['label']} ({ROLE_NAMES.get(role, role)})"  # visible text comes first
        node = (f'<title>{escape(name)}</title>'
                f'<circle class="node node-{role}" cx="{dot}" cy="{cy:.0f}" r="5"/>'
                f'<text class="node-label" x="{text_x}" y="{cy + 4:.0f}" text-anchor="{anchor}">'
                f'{escape(_short_words(item["label"], limit))}</text>')
        href = item.get("href") or item.get("uri")
        parts.append(f'<a href="{escape(href)}" aria-label="{escape(name)}">{node}</a>'
                     if href else f'<g>{node}</g>')
        y += GRAPH_ROW
    return parts, ys


def _graph_box(title: str, lines: list[str], left: float, right: float, top: float,
               height: float) -> list[str]:
    """The statement itself: its title in a box (it is this page, so no link)."""
    parts = [f'<g class="self"><title>{escape(title)}</title>'
             f'<rect class="node-self" x="{left}" y="{top:.0f}" width="{right - left}" '
             f'height="{height}" rx="8"/>']
    for i, line in enumerate(lines):
        parts.append(f'<text class="self-label" x="{(left + right) / 2:.0f}" '
                     f'y="{top + 24 + i * 16:.0f}" text-anchor="middle">{escape(line)}</text>')
    parts.append("</g>")
    return parts


def _wrap(text: str, width: int, most: int) -> list[str]:
    """Words in lines of at most ``width`` characters, at most ``most`` lines (then "…")."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(_short(word, width))
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _short_words(text: str, limit: int) -> str:
    """Shortened at a word boundary, so the visible text stays whole words of the full one
    (a link's accessible name must contain its visible text)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    boundary = max(cut.rfind(mark) for mark in " /-.")
    if boundary > limit // 3:
        cut = cut[:boundary]
    return cut.rstrip(" /-.,:;") + "…"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
