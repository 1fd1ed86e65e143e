"""The words of a manuscript's body, and of each edition, to compare them.

A word is a run of letters, or of digits (a note's number is glued to the
word before it in every edition's text, "here1", so letters and digits are
words apart); in Chinese, Japanese and Korean each character is a word,
since lines there may break anywhere. Hyphens are
dropped on both sides, so a word the PDF hyphenates at a line's end
("to-⏎ward") is the word the Markdown has ("toward"), and "short-term" is
one word in both.

The Markdown side removes only syntax, never text: link targets, attribute
blocks, fences and their info strings, list markers, note labels,
reference definitions, and math (which becomes MathML, not words). What is
left must all appear in the edition, as many times.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter

_CJK = re.compile(
    r"[\u1100-\u11FF\u2E80-\u2FFF\u3040-\u30FF\u3130-\u318F\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]"
)
_WORD = re.compile(r"[^\W\d_]+|\d+")  # letters and digits apart: a note's number glues to its word
_LINE_END_HYPHEN = re.compile(r"[-\u2010\u00ad\ufffe]\s*\n\s*")


def words(text: str) -> Counter[str]:
    """Every word of ``text``, counted."""
    text = unicodedata.normalize("NFKC", text)  # a ligature glyph's text is its letters
    text = _LINE_END_HYPHEN.sub("", text)
    text = re.sub(r"[-\u2010\u00ad\ufffe]", "", text)
    found: Counter[str] = Counter()
    for word in _WORD.findall(text):
        if _CJK.search(word):
            found.update(_CJK.findall(word))
            found.update(w for w in _CJK.split(word) if w)
        else:
            found[word] = found[word] + 1
    return found


_ATTRIBUTES = re.compile(r"\{[#.]?[^{}\n]*?(?:[#.][\w-]|=)[^{}\n]*\}|\{-\}")
_FENCE = re.compile(r"^\s*(```+|~~~+).*$")
_LIST_MARKER = re.compile(
    r"^(\s*(?:>\s*)*)(?:[-*+]|\d+[.)]|\(\d+\)|[a-zA-Z][.)]|[ivxIVX]+[.)]|#\.)\s+(?:\[[ xX]\]\s+)?"
)
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]^]+\]:\s+\S+.*$")
_NOTE_LABEL = re.compile(r"\[\^[^\]\s]+\]:?")
_LINK_TARGET = re.compile(r"\]\((?:<[^>]*>|[^()\s]*(?:\([^()]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?\)")
_REFERENCE_USE = re.compile(r"\]\[[^\]]*\]")
_MATH = re.compile(r"(?<!\\)\$\$?(.+?)(?<!\\)\$\$?", re.DOTALL)


def markdown_words(body: str) -> Counter[str]:
    """The words a reader should find in every edition of this Markdown body."""
    lines = []
    in_fence = False
    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            lines.append(line)  # code: every character is text
            continue
        if _REFERENCE.match(line):
            continue
        line = re.sub(r"^\s*:::+.*$", "", line)  # a fenced div's fence
        line = re.sub(r"^\s*(?:Table)?:\s", " ", line)  # a table's caption marker
        line = _LIST_MARKER.sub(r"\1", line)
        lines.append(line)
    text = "\n".join(lines)
    text = _MATH.sub(" ", text)  # math is compared on its own (test_corpus): MathML has no words
    text = _ATTRIBUTES.sub(" ", text)
    text = _NOTE_LABEL.sub(" ", text)
    text = _LINK_TARGET.sub("] ", text)
    text = _REFERENCE_USE.sub("] ", text)
    text = re.sub(r"\\(.)", r"\1", text)  # backslash escapes
    return words(html.unescape(text))


def missing(expected: Counter[str], found: Counter[str]) -> dict[str, int]:
    """The words ``found`` lacks, with how many times each is short."""
    return {word: count - found[word] for word, count in expected.items() if found[word] < count}
