"""Search over service cards as a visitor types: case- and diacritic-blind, prefix-matching.

"zaswiadczenie", "ZAŚWIADCZENIE" and "zaśw" all find "Zaświadczenie o zameldowaniu". The
index maps each folded word to the documents holding it; its sorted vocabulary is searched
with bisect, so one keystroke costs a few look-ups, not a scan of every card.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kiosk_core.folding import fold

_WORD = re.compile(r"\w+", re.UNICODE)


TITLE, KEYWORD, SUMMARY, BODY = 16, 8, 4, 1
"""Weights: a hit in a title outranks one in keywords, summary or body."""


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass
class SearchIndex:
    """Words of many documents, each document an id with weighted fields."""

    vocabulary: list[str] = field(default_factory=list)
    postings: dict[str, dict[int, int]] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, documents: Iterable[tuple[str, Sequence[tuple[str, int]]]]) -> SearchIndex:
        """Index `(id, [(text, weight), ...])` pairs."""
        index = cls()
        postings = index.postings
        for doc_no, (doc_id, fields) in enumerate(documents):
            index.ids.append(doc_id)
            for text, weight in fields:
                for word in words(text):
                    entry = postings.get(word)
                    if entry is None:
                        postings[word] = {doc_no: weight}
                    elif entry.get(doc_no, 0) < weight:
                        entry[doc_no] = weight
        index.vocabulary = sorted(postings)
        return index

    def _prefix_scores(self, prefix: str) -> dict[int, int]:
        vocabulary = self.vocabulary
        start = bisect_left(vocabulary, prefix)
        scores: dict[int, int] = {}
        for i in range(start, len(vocabulary)):
            word = vocabulary[i]
            if not word.startswith(prefix):
                break
            bonus = 2 if len(word) == len(prefix) else 1
            for doc, weight in self.postings[word].items():
                score = weight * bonus
                if scores.get(doc, 0) < score:
                    scores[doc] = score
        return scores

    def search(self, query: str, limit: int | None = None) -> list[str]:
        """Ids of documents matching every word of `query` as a prefix, best first.

        Where nothing matches, inflected Polish forms get a second chance: each word is
        cut to its stem-like beginning ("dowodu" -> "dowo"), so a declined word still finds.
        """
        terms = words(query)
        if not terms:
            return []
        ranked = self._ranked(terms)
        if not ranked:
            stems = [t[: max(4, len(t) - 2)] if len(t) > 4 else t for t in terms]
            if stems != terms:
                ranked = self._ranked(stems)
        ids = [self.ids[doc] for doc in ranked]
        return ids[:limit] if limit is not None else ids

    def _ranked(self, terms: list[str]) -> list[int]:
        total: dict[int, int] | None = None
        for term in terms:
            scores = self._prefix_scores(term)
            if total is None:
                total = scores
            else:
                total = {d: s + scores[d] for d, s in total.items() if d in scores}
            if not total:
                return []
        assert total is not None
        return sorted(total, key=lambda d: (-total[d], d))
