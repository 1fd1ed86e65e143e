"""The Markdown, read before pandoc reads it, for what pandoc would get wrong
without a word of warning.

Every other way pandoc drops text is switched off (publish.source.body) or
reported by pandoc and turned into a problem. These are silent:
- a row of a pipe table with more cells than the table has columns loses
  the extra cells, the header row included;
- a note cited from inside another note: pandoc shows the citation as
  "[^b]" and drops the cited note's text.

And one is slow: brackets or quotation marks nested thousands deep take
pandoc minutes (20,000 brackets: more than two, and 4 GB). The editions
cannot carry more than 200 levels anyway, so deeper nesting is refused
here, before pandoc starts.
"""

from __future__ import annotations

import re

from publish.errors import Problem
from publish.source.manuscript import Manuscript

_SEPARATOR = re.compile(r"\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*")


def cells(row: str) -> int:
    """How many cells pandoc reads in a pipe-table row: cells are split at
    each | that is not escaped (\\|) and not inside a code span."""
    text = row.strip()
    bounds: list[int] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            closing = re.compile(r"(?<!`)" + "`" * run + r"(?!`)")
            end = closing.search(text, i + run)
            i = end.end() if end else i + run
            continue
        if char == "|":
            bounds.append(i)
        i += 1
    count = len(bounds) + 1
    if bounds and bounds[0] == 0:
        count -= 1
    if bounds and bounds[-1] == len(text) - 1 and len(text) > 1:
        count -= 1
    return count


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _pipe_tables(manuscript: Manuscript) -> list[Problem]:
    lines = manuscript.body.split("\n")
    problems = []
    for index in range(1, len(lines)):
        separator = lines[index]
        header = lines[index - 1]
        if "|" not in separator or not _SEPARATOR.fullmatch(separator) or "|" not in header or not header.strip():
            continue
        columns = cells(separator)
        rows = [index - 1]
        for below in range(index + 1, len(lines)):
            if not lines[below].strip() or "|" not in lines[below]:
                break
            rows.append(below)
        for row in rows:
            found = cells(lines[row])
            if found > columns:
                problems.append(
                    Problem(
                        manuscript.label,
                        manuscript.body_line + row,
                        f"table row: {found} cells, but the table has {_count(columns, 'column')} (its --- line), "
                        f"so {_count(found - columns, 'cell')} would be lost; add the columns to the --- line, "
                        "or write \\| for a | in the text",
                    )
                )
    return problems


_NOTE_DEFINITION = re.compile(r"^\s{0,3}\[\^([^\]\s]+)\]:")
_NOTE_REFERENCE = re.compile(r"(?<!\\)\[\^([^\]\s]+)\](?!:)")


def _nested_notes(manuscript: Manuscript) -> list[Problem]:
    lines = manuscript.body.split("\n")
    defined = {m[1] for line in lines if (m := _NOTE_DEFINITION.match(line))}
    problems = []
    inside: str | None = None
    for number, line in enumerate(lines):
        start = _NOTE_DEFINITION.match(line)
        if start:
            inside, line = start[1], line[start.end() :]
        elif inside and line.strip() and not line.startswith(("    ", "\t")) and not lines[number - 1].strip():
            inside = None  # an unindented paragraph after a blank line: the note has ended
        if inside is None:
            continue
        for cited in _NOTE_REFERENCE.findall(line):
            if cited in defined:
                problems.append(
                    Problem(
                        manuscript.label,
                        manuscript.body_line + number,
                        f"note [^{inside}] cites note [^{cited}]: a note cannot cite a note, and the cited "
                        f"note's text would be lost; cite [^{cited}] from the text instead",
                    )
                )
    return problems


def nesting_problem(manuscript: Manuscript, limit: int) -> Problem | None:
    """Quotation marks (>) or brackets ([) nested more than ``limit`` deep."""
    depth = 0
    for number, line in enumerate(manuscript.body.split("\n")):
        quotes = re.match(r"(?:\s{0,3}>)*", line)
        if not line.strip():
            depth = 0  # brackets do not span paragraphs
        deepest = depth
        if line.count("[") > limit - depth:  # only then can this line go past the limit
            escaped = False
            for char in line:
                if not escaped:
                    depth += (char == "[") - (char == "]")
                    deepest = max(deepest, depth)
                escaped = char == "\\" and not escaped
        else:
            depth += line.count("[") - line.count("]")
        what = "quotations" if quotes and quotes[0].count(">") > limit else "brackets" if deepest > limit else None
        if what:
            return Problem(
                manuscript.label,
                manuscript.body_line + number,
                f"body: {what} nest more than {limit} levels deep; flatten them",
            )
    return None


def source_problems(manuscript: Manuscript) -> list[Problem]:
    """Every place where pandoc would drop text without a warning."""
    return _pipe_tables(manuscript) + _nested_notes(manuscript)
