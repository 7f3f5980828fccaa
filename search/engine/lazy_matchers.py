"""Whoosh matchers that read nothing until first used.

Two Whoosh matchers do work as they are built: ``ArrayUnionMatcher`` (an OR on a segment of
at most 5,000 documents) reads and scores, in Python, the first 2,048 documents of every
word; a phrase's ``SpanNear2Matcher`` steps to its first match, decoding positions. A
search builds a matcher for every segment before it reads any. :mod:`search.engine.scoring`
evaluates an unused one in bulk instead (on an index of many small segments building them
was a third of a search). Used the Whoosh way, each is the same matcher, started on its
first use: every method but the comparisons Whoosh sorts matchers with starts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import whoosh.matching
from whoosh.matching import mcore
from whoosh.matching.binary import IntersectionMatcher
from whoosh.matching.combo import ArrayUnionMatcher, CombinationMatcher
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.query import SpanNear2
from whoosh.query.spans import SpanWrappingMatcher
from whoosh.util import make_binary_tree

_SpanNear2Matcher = SpanNear2.SpanNear2Matcher  # Whoosh's own, before install()

#: Methods that need no started matcher (Whoosh orders matchers by class alone).
_UNSTARTED = {"__init__", "__new__", "__eq__", "__ne__", "__lt__", "__gt__", "__le__",
              "__ge__", "__hash__", "__getattribute__", "__setattr__", "__delattr__",
              "__init_subclass__", "__subclasshook__", "start"}


def _starting(cls: type, bases: tuple[type, ...]) -> type:
    """Wrap every method ``cls`` inherits from ``bases`` so that it starts the matcher."""

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            self.start()
            return method(self, *args, **kwargs)

        call.__name__ = method.__name__
        return call

    for base in bases:
        for name, value in vars(base).items():
            if callable(value) and name not in _UNSTARTED and name not in vars(cls):
                setattr(cls, name, wrap(getattr(bases[0], name)))
    return cls


class LazyArrayUnion(ArrayUnionMatcher):
    """``ArrayUnionMatcher``, reading nothing until first used."""

    def __init__(self, submatchers: list, doccount: int, boost: float = 1.0,
                 scored: bool = True, partsize: int = 2048) -> None:
        CombinationMatcher.__init__(self, submatchers, boost=boost)
        self._scored = scored
        self._arguments = (submatchers, doccount, boost, scored, partsize)
        self.started = False

    def start(self) -> None:
        if not self.started:
            self.started = True
            ArrayUnionMatcher.__init__(self, *self._arguments)


class LazySpanNear2(_SpanNear2Matcher):
    """A phrase's ``SpanNear2Matcher``, not stepping to its first match until used."""

    def __init__(self, ms: list, slop: int = 1, ordered: bool = True, mindist: int = 1
                 ) -> None:
        self.ms, self.slop, self.ordered, self.mindist = ms, slop, ordered, mindist
        self.boost = 1.0
        self.started = False

    def start(self) -> None:
        # Whoosh's __init__ after its first lines (its super() would find this class).
        if not self.started:
            self.started = True
            SpanWrappingMatcher.__init__(self, make_binary_tree(IntersectionMatcher, self.ms))


_starting(LazyArrayUnion, (ArrayUnionMatcher, CombinationMatcher, mcore.Matcher))
_starting(LazySpanNear2, (_SpanNear2Matcher, SpanWrappingMatcher, WrappingMatcher,
                          mcore.Matcher))


def install() -> None:
    """Have Whoosh build these from now on (idempotent)."""
    whoosh.matching.ArrayUnionMatcher = LazyArrayUnion
    SpanNear2.SpanNear2Matcher = LazySpanNear2
