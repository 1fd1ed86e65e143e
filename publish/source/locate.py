"""Which manuscript line a problem belongs to.

pandoc's HTML says nothing of where its parts came from, so a problem found
in it is traced back to the Markdown by what the writer typed there: a
link's target after "](", a class after "." inside "{…}", a note's label.
Each search starts after the previous find of the same kind, so the second
bad link with the same target is reported at its own line.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from publish.source.manuscript import Manuscript

_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class Locator:
    """Finds lines of the body, by pattern, each find after the last of its kind."""

    def __init__(self, manuscript: Manuscript) -> None:
        self.manuscript = manuscript
        self.lines = manuscript.body.split("\n")
        self._after: dict[str, int] = {}

    def line(self, offset: int) -> int:
        """The manuscript line of body line ``offset`` (0-based)."""
        return self.manuscript.body_line + offset

    def body_line(self, pandoc_line: int) -> int:
        """The manuscript line of a line number pandoc reports (1-based, in the body)."""
        return self.manuscript.body_line + max(pandoc_line, 1) - 1

    def search(self, *patterns: re.Pattern[str], key: str = "", before: int | None = None) -> int | None:
        """The line of the first body line any pattern matches, after the last
        find under ``key`` (if given), and before manuscript line ``before``."""
        start = self._after.get(key, 0) if key else 0
        end = len(self.lines) if before is None else max(0, before - self.manuscript.body_line)
        for offset in range(start, min(end, len(self.lines))):
            if any(p.search(self.lines[offset]) for p in patterns):
                if key:
                    self._after[key] = offset + 1
                return self.line(offset)
        return None

    def text(self, needle: str, key: str | None = None) -> int:
        """The line on which ``needle`` next appears; the body's first line if nowhere.

        pandoc may have percent-encoded a reference or changed its spaces, so
        the decoded form and a form without whitespace are tried too.
        """
        candidates = [c for c in dict.fromkeys((needle, unquote(needle))) if c]
        exact = [re.compile(re.escape(c)) for c in candidates]
        found = self.search(*exact, key=key if key is not None else f"text:{needle}")
        if found is not None:
            return found
        loose = [_INVISIBLE.sub("", c) for c in candidates]
        start = self._after.get(f"loose:{needle}", 0)
        for offset in range(start, len(self.lines)):
            line = _INVISIBLE.sub("", self.lines[offset])
            if any(c and c in line for c in loose):
                self._after[f"loose:{needle}"] = offset + 1
                return self.line(offset)
        return self.manuscript.body_line

    def link(self, target: str, text: str = "") -> int:
        """The line of a link or image with this target: ](target, <target>, or
        [label]: target; else, if the target was written some other way (an
        entity, an escaped space), the line of the link's ``text`` in brackets."""
        forms = dict.fromkeys((target, unquote(target)))
        patterns = []
        for form in forms:
            # Markdown may escape any ASCII punctuation with a backslash: \* is *.
            escaped = "".join(r"\\?" + re.escape(c) if c in _PUNCTUATION else re.escape(c) for c in form)
            patterns += [
                re.compile(r"\]\(\s*<?" + escaped + r"(?=[\s>)\"'])"),
                re.compile(r"<" + escaped + r">"),
                re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?" + escaped + r"(?=[\s>]|$)"),
            ]
        found = self.search(*patterns, key=f"link:{target}")
        if found is None and text.strip():
            words = r"\s+".join(re.escape(w) for w in text.split())
            found = self.search(re.compile(r"\[" + words + r"\]"), key=f"link-text:{text}")
        return found if found is not None else self.text(target)

    def attribute(self, pattern: str, key: str) -> int:
        """The line of an attribute block ``{…}`` (or a fenced div's ``:::``) matching ``pattern``."""
        braces = re.compile(r"\{[^{}]*" + pattern + r"[^{}]*\}")
        fence = re.compile(r"^\s*(?::::+|```+|~~~+)\s*\{?[^{}]*" + pattern)
        found = self.search(braces, fence, key=key)
        return found if found is not None else self.manuscript.body_line
