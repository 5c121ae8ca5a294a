"""What someone typed, made safe to search with, and what a search finds.

A query's text is never handed to a full-text engine as it was typed: FTS5
and ``to_tsquery`` each have a syntax (quotes, ``AND``, ``*``, ``:``,
parentheses) that text from a stranger would break or abuse. It is cut into
words (runs of letters and digits) and each engine gets only those words,
in a form of its own that can carry no operator. The text's length, the
number of words and of classifier filters, and the page are bounded, so no
query costs more than a bounded one.
"""

import dataclasses
import re

import packaging.utils

MAX_QUERY_CHARS = 200
MAX_TERMS = 10
MAX_CLASSIFIERS = 10
MAX_CLASSIFIER_CHARS = 200  # trove classifiers are under 100
MAX_LIMIT = 100
# A deeper page costs the engines more (they rank what comes before it) and
# nobody reads 10,000 results.
MAX_OFFSET = 10_000

# Runs of letters and digits: what FTS5's unicode61 tokenizer and
# PostgreSQL's parser both call a word. "_" separates words, as "-" and "."
# do, so "requests_oauthlib" is "requests" and "oauthlib".
WORD = re.compile(r"[^\W_]+")


@dataclasses.dataclass(frozen=True)
class Query:
    """A query as the engines receive it.

    ``terms``: the words every hit must contain (lower case, each once);
    ``name``: the text in normal form when it is a project name (that project
    comes first); ``classifiers``: every one a hit's latest release must
    have; ``unmatchable``: a classifier no project can have (too long, or a
    control character in it), so nothing is found."""

    terms: tuple[str, ...] = ()
    name: str | None = None
    classifiers: tuple[str, ...] = ()
    unmatchable: bool = False

    @property
    def empty(self) -> bool:
        """Nothing asked: no word and no classifier."""
        return not self.terms and self.name is None and not self.classifiers


def parse(text, classifiers=()) -> Query:
    """The :class:`Query` for ``text`` as typed and the classifier filters."""
    text = (text or "")[:MAX_QUERY_CHARS]
    terms = tuple(dict.fromkeys(word.lower() for word in WORD.findall(text)))[:MAX_TERMS]
    try:
        name = packaging.utils.canonicalize_name(text.strip(), validate=True)
    except packaging.utils.InvalidName:
        name = None
    chosen = tuple(dict.fromkeys(classifiers))[:MAX_CLASSIFIERS]
    unmatchable = not all(_may_be_classifier(value) for value in chosen)
    return Query(terms=terms, name=name, classifiers=chosen, unmatchable=unmatchable)


def _may_be_classifier(value) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_CLASSIFIER_CHARS and value.isprintable()


def page_bounds(offset, limit) -> tuple[int, int]:
    """``offset`` and ``limit`` within the bounds: (offset, limit)."""
    return min(max(int(offset), 0), MAX_OFFSET), min(max(int(limit), 0), MAX_LIMIT)


@dataclasses.dataclass(frozen=True)
class Hit:
    """A project found: its latest release's version and summary."""

    project_id: int
    name: str
    normalized_name: str
    version: str
    summary: str


@dataclasses.dataclass(frozen=True)
class Results:
    """``total`` projects found; ``hits``, the page of them asked for."""

    total: int
    hits: list[Hit]


NO_RESULTS = Results(0, [])
