"""How the rubric reads a free-text answer (pure): sentences, clauses, word stems and negation scopes.

- Text is NFC-normalised and case-folded; `n't` reads as `not` (`can't` and `cannot` as `can not`, `won't` as
  `will not`); words are runs of letters and digits (`fine-tuning` is `fine tuning`); the articles a, an and
  the are dropped.
- Words are compared by their Snowball (English) stem after British spellings are folded to American ones
  (`regularisation` and `regularizes` share a stem; so do `behaviour` and `behavior`).
- A sentence ends at `.`, `!`, `?` or `;` before a space, or at a line break; a clause ends at `,`, `:`,
  brackets, a dash between spaces, or a linking word such as `but`, `however`, `instead`, `because`, `so`,
  `which`, `whereas`, or `and` before a pronoun.
- A negation cue (`not`, `no`, `never`, `without`, `avoid`, `nor`, `none`, `nothing`, `instead of`,
  `rather than`, `fail to`, `skip`, `stop`, `unnecessary`, `impractical`...) denies the rest of its clause; a
  trailing one (`is not needed`, `isn't a problem`, `is pointless`, `overkill`...) denies the clause before it.
  `not only`, `not just` and `no matter` are no cues, nor is `not_` in a name such as `not_null`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_SENTENCE = re.compile(r"[.!?;]+(?=\s|$)|\n+")
_CLAUSE = re.compile(r"[,:()\[\]{}]|\s[-\u2013\u2014]+\s|\u2013|\u2014")
_WORD = re.compile(r"[^\W_]+")
_NOT = re.compile(r"n't\b")
_IRREGULAR_NOT = {"can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not"}
_IDENTIFIER_NOT = re.compile(r"\b(not|no|non)_(?=[^\W_])")
_IRREGULAR = re.compile(r"\b(?:can't|cannot|won't|shan't)")
_ARTICLES = frozenset({"a", "an", "the"})
_PRONOUNS = frozenset({"i", "we", "you", "they", "it", "he", "she", "this", "that", "then"})
_LINKS = frozenset(
    {"but", "however", "whereas", "although", "though", "yet", "while", "except", "because", "since", "so",
     "which", "otherwise", "then", "instead", "rather", "unless", "thus", "therefore", "hence"}
)  # fmt: skip
_NO_LINKS = frozenset(("so", w) for w in ("far", "much", "many", "few", "long", "large", "big", "small", "well"))
_CUES = frozenset(
    {"not", "no", "never", "without", "avoid", "avoids", "avoided", "avoiding", "nor", "neither", "none",
     "nothing", "unnecessary", "needless", "unsuitable", "impractical", "unrealistic", "inefficient",
     "skip", "skips", "skipping", "stop"}
)  # fmt: skip
_CUE_PAIRS = frozenset({("instead", "of"), ("rather", "than"), ("fail", "to"), ("fails", "to"), ("failed", "to")})
_NOT_CUES = frozenset({("not", "only"), ("not", "just"), ("not", "merely"), ("no", "matter"), ("not", "least")})
_TRAILING = frozenset({"unnecessary", "pointless", "useless", "needless", "overkill", "irrelevant", "pointlessly"})
_TRAILING_AFTER_NOT = frozenset(
    {"needed", "necessary", "required", "useful", "helpful", "important", "worth", "relevant", "help", "helps",
     "matter", "matters", "work", "works", "essential", "advisable", "recommended", "good", "wise",
     "concern", "problem", "issue"}
)  # fmt: skip
_SPELLINGS = (
    (re.compile(r"(?<=\w{3})is(e|es|ed|ing|er|ers|ation|ations|ational)$"), r"iz\1"),
    (re.compile(r"(?<=\w{2})ys(e|es|ed|ing|er|ers)$"), r"yz\1"),
    (re.compile(r"(?<=\w{3})our(s|ed|ing|al)?$"), r"or\1"),
    (re.compile(r"(?<=\w{3})tre(s)?$"), r"ter\1"),
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The stem of one lower-case word, British spellings folded first."""
    for pattern, replacement in _SPELLINGS:
        word = pattern.sub(replacement, word)
    return str(_STEMMER.stemWord(word))


def plain_words(text: str) -> list[str]:
    """The lower-case words of a text, `n't` read as `not`, articles left out (not stemmed)."""
    text = unicodedata.normalize("NFC", text).casefold().replace("\u2019", "'")
    text = _NOT.sub(" not", _IRREGULAR.sub(lambda m: _IRREGULAR_NOT[m.group(0)], text))
    text = _IDENTIFIER_NOT.sub(r"\1", text)  # not_null is a name, not a negation
    return [w for w in _WORD.findall(text) if w not in _ARTICLES]


@dataclass(frozen=True)
class Sentence:
    """One sentence: its stems, and for each word the positions of the negation cues that deny it."""

    stems: tuple[str, ...]
    denied_by: tuple[frozenset[int], ...]  # positions of the cues whose scope holds the word


def _cue_spans(words: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each negation cue in one clause's words."""
    spans: list[tuple[int, int]] = []
    for i, word in enumerate(words):
        pair = (word, words[i + 1]) if i + 1 < len(words) else (word, "")
        if pair in _NOT_CUES:
            continue
        if pair in _CUE_PAIRS:
            spans.append((i, i + 2))
        elif word in _CUES:
            spans.append((i, i + 1))
    return spans


def _trailing(words: list[str]) -> list[int]:
    """Positions of the cues that deny what comes before them in the clause (`... is not needed`)."""
    return [
        i for i, w in enumerate(words)
        if w in _TRAILING or (w == "not" and i + 1 < len(words) and words[i + 1] in _TRAILING_AFTER_NOT)
    ]  # fmt: skip


def _clauses(sentence: str) -> list[list[str]]:
    clauses: list[list[str]] = []
    for part in _CLAUSE.split(sentence):
        current: list[str] = []
        words = plain_words(part)
        for i, word in enumerate(words):
            following = words[i + 1] if i + 1 < len(words) else ""
            starts = word in _LINKS and (word, following) not in _CUE_PAIRS and (word, following) not in _NO_LINKS
            starts = starts or (word == "and" and following in _PRONOUNS)
            if starts and current:
                clauses.append(current)
                current = []
            current.append(word)
        if current:
            clauses.append(current)
    return clauses


def _sentence(text: str) -> Sentence:
    stems: list[str] = []
    denied: list[frozenset[int]] = []
    for words in _clauses(text):
        base = len(stems)
        scopes: list[tuple[set[int], set[int]]] = []  # (cue positions, positions denied)
        for start, end in _cue_spans(words):
            scopes.append(({base + k for k in range(start, end)}, {base + k for k in range(end, len(words))}))
        for at in _trailing(words):
            scopes.append(({base + at, base + at + 1}, {base + k for k in range(at)}))
        for k, word in enumerate(words):
            stems.append(stem(word))
            denied.append(frozenset(p for c, d in scopes if base + k in d for p in c))
    return Sentence(tuple(stems), tuple(denied))


@lru_cache(maxsize=4096)
def read(text: str) -> tuple[Sentence, ...]:
    """The sentences of a text, each with its stems and negation scopes."""
    sentences = (_sentence(s) for s in _SENTENCE.split(text))
    return tuple(s for s in sentences if s.stems)


@dataclass(frozen=True)
class Part:
    """A run of stems of a rubric phrasing, and the stems that must not follow it."""

    stems: tuple[str, ...]
    not_before: frozenset[str] = frozenset()


@lru_cache(maxsize=8192)
def phrase_parts(phrase: str) -> tuple[Part, ...]:
    """A rubric phrasing as its parts: `...` separates parts that other words may come between, and `!word`
    after a part names a word that must not follow it (`one row per order !line`)."""
    parts = []
    for text in phrase.split("..."):
        excluded = frozenset(stem(w) for bang in re.findall(r"!(\S+)", text) for w in plain_words(bang))
        stems = tuple(stem(w) for w in plain_words(re.sub(r"!\S+", " ", text)))
        if stems:
            parts.append(Part(stems, excluded))
    return tuple(parts)


__all__ = ["Part", "Sentence", "phrase_parts", "plain_words", "read", "stem"]
