"""Markdown that pandoc would read without a word of warning, losing text.

Every other way pandoc drops text is switched off (publish.body) or
reported by pandoc and turned into a problem. This one is silent: a row of
a pipe table with more cells than the table has columns loses the extra
cells, the header row included. So the manuscript is read for it here.
"""

from __future__ import annotations

import re

from publish.errors import Problem
from publish.manuscript import Manuscript

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


def silent_losses(manuscript: Manuscript) -> list[Problem]:
    """Every place where pandoc would drop text without a warning."""
    return _pipe_tables(manuscript)
