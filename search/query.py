"""Query strings to Whoosh queries: field prefixes, languages, treaty synonyms, fallbacks.

Unfielded words search every language's title, summary and text fields plus the
metadata; a prefix such as ``issuer:`` searches that field's analyzed twin. A run of words
or a phrase that names a treaty also matches records that reference or mention it (such
a run of words is read as the phrase it forms).
Malformed syntax never raises: :func:`parse` falls back to the plain words and says so.

Patterns (``democra*``, ``wom?n``) and fuzzy words (``recruitmemt~``) are bounded like
this: each reaches at most :data:`PATTERN_EXPANSIONS` (:data:`FUZZY_EXPANSIONS`) index
words, the most frequent, found among at most :data:`PATTERN_SCAN` words sharing its
literal start; a query holds at most :data:`MAX_PATTERNS` of them; a pattern must start
with a letter or digit (``*x*`` would read every word of every field). What breaks these
rules is refused with :class:`QueryRefused`, saying which rule.
"""

from __future__ import annotations

import fnmatch
import functools
import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import QueryParser, syntax
from whoosh.qparser.plugins import FieldsPlugin, FuzzyTermPlugin, PhrasePlugin, Plugin
from whoosh.reading import IndexReader

from search import budget
from search.analysis import fold
from search.documents import Vocabulary
from search.languages import HAN_CHAR
from search.schema import DEFAULT_FIELDS, PREFIXES
from search.treaties import words_of

OPERATORS = ("AND", "OR", "NOT", "ANDNOT", "ANDMAYBE")
_FIELD = re.compile(r"\b(" + "|".join(PREFIXES) + r"):", re.IGNORECASE)
TREATY_BOOST = 2.0
#: The weight of the query's own language's fields when a ``lang`` names it.
LANGUAGE_BOOST = 2.0
FUZZY_EXPANSIONS = 30
PATTERN_EXPANSIONS = 50
PATTERN_SCAN = 20_000
MAX_PATTERNS = 8
WILDCARDS = "*?"
#: Fields holding exact values, whose own terms a pattern is matched against.
EXACT_FIELDS = ("year", "id", "language")


class QueryRefused(ValueError):
    """A query the search will not run, with the reason in words (for the ``q`` parameter)."""


class Unreadable(ValueError):
    """Syntax the search reads as plain words instead, with the reason in words."""


class _YearRanges(Plugin):
    """``year:[2000 TO 2010]``; a range on words (``[a TO z]``) is a syntax problem: it
    would read every word between its ends (run once field names are attached, at 100)."""

    MESSAGE = "a range [… TO …], which only works on year: (such as year:[2000 TO 2010])"

    def filters(self, parser: QueryParser) -> list:
        return [(self.do_ranges, 110)]

    def do_ranges(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        for node in group:
            if isinstance(node, syntax.GroupNode):
                self.do_ranges(parser, node)
            elif isinstance(node, syntax.RangeNode) and node.fieldname != "year":
                raise Unreadable(self.MESSAGE)
        return group


class TreatyNode(syntax.SyntaxNode):
    """Records that reference or name one treaty (added beside the words that named it)."""

    def __init__(self, notation: str, startchar: int | None, endchar: int | None) -> None:
        self.notation = notation
        self.boost = 1.0
        self.startchar, self.endchar = startchar, endchar

    def r(self) -> str:
        return f"Treaty {self.notation!r}"

    def query(self, parser: QueryParser) -> wq.Query:
        return treaty_query(self.notation)


def treaty_query(notation: str) -> wq.Query:
    return wq.Or([wq.Term("treaty", notation, boost=TREATY_BOOST),
                  wq.Term("treaty_mentions", notation, boost=TREATY_BOOST)])


class TreatyPlugin(Plugin):
    """Expands runs of unfielded words and phrases that name a treaty (after whitespace
    removal at priority 500, before operators are grouped at 600)."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab

    def filters(self, parser: QueryParser) -> list:
        return [(self.do_treaties, 520)]

    def do_treaties(self, parser: QueryParser, group: syntax.GroupNode) -> syntax.GroupNode:
        nodes = [self.do_treaties(parser, n) if isinstance(n, syntax.GroupNode) else n
                 for n in group]
        out = group.empty_copy()
        i = 0
        while i < len(nodes):
            node = nodes[i]
            if _plain_phrase(node):
                notation = self.vocab.finder.resolve_query(node.text)
                treaty = TreatyNode(notation, node.startchar, node.endchar) if notation else None
                out.append(syntax.OrGroup([node, treaty]) if treaty else node)
                i += 1
                continue
            j = i
            while j < len(nodes) and _plain_word(nodes[j]):
                j += 1
            if j == i:
                out.append(node)
                i += 1
                continue
            out.extend(self._expand_run(nodes[i:j]))
            i = j
        return out

    def _expand_run(self, run: list[syntax.SyntaxNode]) -> list[syntax.SyntaxNode]:
        words, owner, firsts = [], [], set()
        for k, node in enumerate(run):
            firsts.add(len(words))
            for word in words_of(node.text):
                words.append(word)
                owner.append(k)
        ends = {len(words)} | firsts
        spans = [(owner[a], owner[b - 1] + 1, n)
                 for a, b, n in self.vocab.finder.scan(words, in_query=True)
                 if a in firsts and b in ends]
        out: list[syntax.SyntaxNode] = []
        k = 0
        for first, last, notation in spans:
            out.extend(run[k:first])
            treaty = TreatyNode(notation, run[first].startchar, run[last - 1].endchar)
            out.append(syntax.OrGroup([_as_phrase(run[first:last]), treaty]))
            k = last
        out.extend(run[k:])
        return out


def _as_phrase(words: list[syntax.SyntaxNode]) -> syntax.SyntaxNode:
    """Words that name a treaty, as the phrase they form: typed unquoted, the full name of
    CEDAW means CEDAW, not statements that hold its words anywhere (as ICERD's do)."""
    if len(words) == 1:
        return words[0]
    phrase = PhrasePlugin.PhraseNode(" ".join(w.text for w in words), words[0].startchar)
    phrase.startchar, phrase.endchar = words[0].startchar, words[-1].endchar
    return phrase


def _plain_word(node: syntax.SyntaxNode) -> bool:
    return type(node) is syntax.WordNode and node.fieldname is None


def _plain_phrase(node: syntax.SyntaxNode) -> bool:
    return type(node).__name__ == "PhraseNode" and node.fieldname is None


class _Fuzzy(FuzzyTermPlugin):
    """``word~`` / ``word~2``: the edit distance reaches every field the word searches."""

    class FuzzyTermNode(FuzzyTermPlugin.FuzzyTermNode):
        def query(self, parser: QueryParser) -> wq.Query:
            termclass = functools.partial(wq.FuzzyTerm, maxdist=self.maxdist,
                                          prefixlength=self.prefixlength)
            fieldname = self.fieldname or parser.fieldname
            return syntax.attach(parser.term_query(fieldname, self.text, termclass,
                                                   boost=self.boost), self)


class ArchiveParser(QueryParser):
    """The parser behind the search box (one per searcher: it knows the fields in use)."""

    def __init__(self, schema: Schema, vocab: Vocabulary, present: Iterable[str],
                 reader: IndexReader | None = None, lang: str | None = None) -> None:
        super().__init__("_all", schema, phraseclass=self._phrase)
        self.vocab = vocab
        #: The query's language ("ru"): its fields weigh :data:`LANGUAGE_BOOST` times more.
        self.preferred = tuple(f"{kind}_{lang}" for kind in ("title", "summary", "text")) \
            if lang else ()
        self.reader = reader
        self.present = frozenset(present)
        self.remove_plugin_class(FieldsPlugin)
        names = "|".join(sorted(PREFIXES, key=len, reverse=True))
        self.add_plugin(FieldsPlugin(expr=rf"(?P<text>{names}):", remove_unknown=False))
        self.add_plugin(_Fuzzy())
        self.add_plugin(_YearRanges())
        self.add_plugin(TreatyPlugin(vocab))
        self.patterns = 0  # patterns and fuzzy words in the query being parsed

    def targets(self, fieldname: str) -> tuple[str, ...]:
        if fieldname == "_all":
            return tuple(f for f in DEFAULT_FIELDS if f in self.present)
        return tuple(f for f in PREFIXES.get(fieldname, (fieldname,)) if f in self.schema)

    def _prefer(self, target: str, q: wq.Query) -> wq.Query:
        """``q`` on ``target``, weighed up when ``target`` is in the query's language."""
        if target in self.preferred:
            for leaf in q.leaves():
                leaf.boost *= LANGUAGE_BOOST
        return q

    def _extra(self, fieldname: str, text: str) -> list[wq.Query]:
        """Exact-value matches for ``treaty:``, ``topic:`` and ``type:`` via the thesauri."""
        if fieldname == "treaty" and (n := self.vocab.finder.resolve_query(text)):
            return [treaty_query(n)]
        if fieldname in ("topic", "type"):
            thesaurus = self.vocab.topics if fieldname == "topic" else self.vocab.types
            if concept := thesaurus.resolve(text):
                return [wq.Term(fieldname, concept.label(), boost=TREATY_BOOST)]
        return []

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True,
                   removestops=True):
        fieldname = fieldname or self.fieldname
        base = getattr(termclass, "func", termclass)
        if base in (wq.FuzzyTerm, wq.Prefix, wq.Wildcard):
            self._count_pattern(text + ("*" if base is wq.Prefix else ""))
        if base is wq.FuzzyTerm and self.reader is not None:
            return self._fuzzy(fieldname, text, termclass, boost)
        if base in (wq.Prefix, wq.Wildcard) and self.reader is not None:
            return self._pattern(fieldname, text, base is wq.Prefix, boost)
        queries: list[wq.Query] = []
        for target in self.targets(fieldname):
            if base in (wq.Prefix, wq.Wildcard):
                queries.append(termclass(target, fold(text), boost=boost))
            elif target in ("language",):
                queries.append(wq.Term(target, text.lower(), boost=boost))
            elif target in ("year", "id"):
                queries.append(termclass(target, text, boost=boost))
            else:
                q = super().term_query(target, text, termclass, boost, tokenize, removestops)
                if q is None:
                    # A stop word in one language is dropped from every field, or the
                    # fields of the other languages would have to contain it.
                    return _any(self._extra(fieldname, text))
                queries.append(self._prefer(target, q))
        queries += self._extra(fieldname, text)
        return _any(queries)

    def _fuzzy(self, fieldname: str, text: str, termclass, boost: float) -> wq.Query | None:
        """``word~``: the words as written (unstemmed) within the edit distance, each then
        searched like a typed word, so the typo's stem need not be near the right stem."""
        options = getattr(termclass, "keywords", {})
        # The first letter is taken as typed: it keeps the automaton walk short.
        words = list(self.reader.terms_within("words", fold(text), options.get("maxdist", 1),
                                              prefix=max(1, options.get("prefixlength", 0))))
        queries = [self.term_query(fieldname, word, wq.Term, boost=boost)
                   for word in sorted(words)[:FUZZY_EXPANSIONS]]
        return _any([q for q in queries if q is not None]) or wq.NullQuery

    def _count_pattern(self, written: str) -> None:
        self.patterns += 1
        if self.patterns > MAX_PATTERNS:
            raise QueryRefused(f"the query has more than {MAX_PATTERNS} wildcard or fuzzy "
                               "words (*, ?, ~); use fewer")
        if written[:1] in WILDCARDS:
            raise QueryRefused(f"'{written}' starts with a wildcard, which would read every "
                               "word in the archive; start it with at least one letter "
                               "(such as 'educat*')")

    def _pattern(self, fieldname: str, text: str, prefix: bool, boost: float) -> wq.Query:
        """``word*`` / ``w?rd*``: the index words the pattern matches (folded, unstemmed:
        "democra*" must reach "democracy"), each then searched like a typed word; exact
        fields (``year:201*``) match the pattern against their own values."""
        pattern = fold(text) + ("*" if prefix else "")
        exact = [t for t in self.targets(fieldname) if t in EXACT_FIELDS]
        if exact:
            return _any([wq.Term(target, word, boost=boost) for target in exact
                         for word in self.expand(target, pattern)]) or wq.NullQuery
        queries = [self.term_query(fieldname, word, wq.Term, boost=boost)
                   for word in self.expand("words", pattern)]
        return _any([q for q in queries if q is not None]) or wq.NullQuery

    def expand(self, fieldname: str, pattern: str) -> list[str]:
        """The at most :data:`PATTERN_EXPANSIONS` most frequent words of ``fieldname``
        matching ``pattern`` (``*`` any characters, ``?`` one), in alphabetical order."""
        literal = pattern[:min((pattern.find(c) for c in WILDCARDS if c in pattern),
                               default=len(pattern))]
        matcher = re.compile(fnmatch.translate(pattern))
        found: list[tuple[int, str]] = []
        for scanned, (term, info) in enumerate(self.reader.iter_prefix(fieldname, literal)):
            if scanned >= PATTERN_SCAN:
                break
            if scanned % 512 == 0:
                budget.check()
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            if matcher.match(word):
                found.append((-info.doc_frequency(), word))
        return sorted(word for _, word in heapq.nsmallest(PATTERN_EXPANSIONS, found))

    def _phrase(self, fieldname: str, words: list[str], slop: int = 1, boost: float = 1.0,
                char_ranges: list | None = None) -> wq.Query:
        text = " ".join(words)
        queries: list[wq.Query] = []
        for target in self.targets(fieldname):
            analyzer = self.schema[target].analyzer
            tokens = [t.text for t in analyzer(text, mode="query")]
            if len(tokens) == 1:
                queries.append(self._prefer(target, wq.Term(target, tokens[0], boost=boost)))
            elif tokens:
                queries.append(self._prefer(target, wq.Phrase(target, tokens, slop=slop,
                                                              boost=boost)))
        queries += self._extra(fieldname, text)
        return _any(queries) or wq.NullQuery


def _any(queries: list[wq.Query]) -> wq.Query | None:
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.Or(queries)


# Malformed syntax ------------------------------------------------------------------------


def syntax_problem(text: str) -> str | None:
    """What is wrong with the query syntax, in words, or None if it is well formed."""
    if text.count('"') % 2:
        return "an unclosed quotation mark"
    depth, bracket = 0, 0
    outside = re.sub(r'"[^"]*"', " ", text)
    for char in outside:
        depth += {"(": 1, ")": -1}.get(char, 0)
        bracket += {"[": 1, "]": -1, "{": 1, "}": -1}.get(char, 0)
        if depth < 0 or bracket < 0:
            break
    if depth:
        return "unbalanced parentheses"
    if bracket:
        return "an unclosed range bracket"
    tokens = re.findall(r"[()]|[^\s()]+", outside)
    for k, token in enumerate(tokens):
        if token not in OPERATORS:
            continue
        before = tokens[k - 1] if k else None
        after = tokens[k + 1] if k + 1 < len(tokens) else None
        lone = after in (None, ")") or (after in OPERATORS and after != "NOT")
        if token != "NOT":
            lone = lone or before in (None, "(")
        if lone:
            return f"an operator {token} with nothing to combine"
    for match in _FIELD.finditer(text):
        rest = text[match.end():]
        if not rest or rest[0].isspace() or rest[0] == ")":
            return f"a field prefix {match.group()} with nothing after it"
    return None


def plain_words(text: str) -> str:
    """The words of ``text`` without any syntax: operators, prefixes, quotes, brackets."""
    text = _FIELD.sub(" ", text)
    words = [w for w in re.findall(r"\w+(?:['’]\w+)*", text) if w not in OPERATORS]
    return " ".join(words)


@dataclass
class Parsed:
    query: wq.Query | None
    notice: str | None = None


def parse(parser: ArchiveParser, text: str) -> Parsed:
    """The query for ``text``; malformed syntax is searched as plain words, with a notice."""
    text = text.strip()
    if not text:
        return Parsed(None)
    problem = syntax_problem(text)
    if problem is None:
        parser.patterns = 0
        try:
            q = parser.parse(text)
        except (QueryRefused, budget.SearchTooLong):
            raise
        except Unreadable as error:
            problem = str(error)
        except Exception as error:
            problem = f"syntax the search could not read ({error.__class__.__name__})"
        else:
            error_text = _error(q)
            if error_text is None:
                return Parsed(q)
            problem = error_text
    words = plain_words(text)
    notice = (f"Your query has {problem}; it was searched as plain words: {words}" if words
              else f"Your query has {problem} and no words to search for.")
    return Parsed(parser.parse(words) if words else wq.NullQuery, notice)


def _error(q: wq.Query) -> str | None:
    """What the parser could not read in ``q``, in words (None: nothing)."""
    for leaf in _leaves(q):
        error = getattr(leaf, "error", None)
        if error:
            return error if isinstance(error, str) else "syntax the search could not read"
    return None


def _leaves(q: wq.Query) -> Iterable[wq.Query]:
    yield q
    for child in q.children():
        yield from _leaves(child)


# Spelling --------------------------------------------------------------------------------


def suggest(text: str, reader: IndexReader, limit_dist: int = 2) -> str | None:
    """"Did you mean": ``text`` with every word unknown to the index replaced by the
    closest known word, or None when every word is known or nothing close exists."""
    corrector = None
    changed = False
    pieces, last = [], 0
    for match in re.finditer(r"(?<![\w:])(\w+)(?![\w:*?~])", text):
        word = match.group(1)
        if word in OPERATORS or word.isdigit() or _inside_quotes_prefixed(text, match.start()):
            continue
        folded = fold(word)
        if len(folded) < 3 or HAN_CHAR.search(folded) or reader.doc_frequency("words", folded):
            continue  # (Chinese is written without spaces: no word to correct)
        if corrector is None:
            corrector = reader.corrector("words")
        best = corrector.suggest(folded, limit=1, maxdist=limit_dist, prefix=1)
        if best and best[0] != folded:
            pieces += [text[last:match.start()], best[0]]
            last = match.end()
            changed = True
    if not changed:
        return None
    return "".join([*pieces, text[last:]])


def _inside_quotes_prefixed(text: str, position: int) -> bool:
    """A word inside ``field:"…"`` (exact values are not spell-checked)."""
    head = text[:position]
    return head.count('"') % 2 == 1 and bool(re.search(r'\w:"[^"]*$', head))
