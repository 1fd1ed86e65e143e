"""The words of a text, and the first place where a file's words leave the manuscript's.

A word is a run of letters, or of digits; in Chinese, Japanese and Korean
each character is a word. A hyphen at a line's end joins the word it split,
and hyphens are dropped, so "to-⏎ward" and "toward" are one word.
Punctuation and spacing are not words: what is compared is the wording.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from publish.attribution.check.evidence import Evidence
from publish.attribution.check.visible import BLOCK, Segment

_CJK = re.compile(
    r"[\u1100-\u11FF\u2E80-\u2FFF\u3040-\u30FF\u3130-\u318F\u3400-\u4DBF\u4E00-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF]"
)
_WORD = re.compile(r"[^\W\d_]+|\d+")
_LINE_END_HYPHEN = re.compile(r"[-\u2010\u00ad\ufffe]\s*\n\s*")
_HYPHENS = re.compile(r"[-\u2010\u2011\u00ad\ufffe]")


def shown_on_screen(segment: Segment) -> bool:
    """Text a sighted reader sees: aria-hidden text is on the screen (pandoc hides a caption that repeats the alt)."""
    return segment.hidden is None or 'aria-hidden="true"' in segment.hidden


# Spacing accents: the editions set a formula's hat or bar as one of these, the manuscript's MathML as a
# combining mark. Neither is a word's letter here.
_ACCENTS = re.compile("[\u0300-\u036f\u02c6\u02c7\u02d8\u02d9\u02dc\u00a8\u00af\u00b4\u0060\u203e]")
_TASK_BOX = re.compile(r"\[[ xX]\]")  # the kit's text for a task list's checkbox


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", _TASK_BOX.sub(" ", text))
    text = unicodedata.normalize("NFC", _ACCENTS.sub("", text))
    text = _HYPHENS.sub("", _LINE_END_HYPHEN.sub("", text))
    found: list[str] = []
    for word in _WORD.findall(text):
        if _CJK.search(word):
            found += [w for part in re.split(f"({_CJK.pattern})", word) for w in [part] if w]
        else:
            found.append(word)
    return found


def _furniture(e: Evidence) -> set[str]:
    """A PDF's running heads and feet: among the first and last two lines of each page, those that
    recur on most pages once their numbers are set aside ("US and North Korean Summitry 3", a
    browser's date and "1/4"), and bare page numbers."""
    by_page: dict[str, list[str]] = {}
    for segment, where in e.segments:
        line = segment.text.strip(f" \n{BLOCK}")
        if line:
            by_page.setdefault(where, []).append(re.sub(r"\d+", "#", line))
    pages: dict[str, set[str]] = {}
    for where, lines in by_page.items():
        for key in {*lines[:2], *lines[-2:]}:
            # a numbered line is a note at the page's foot, even when a note cited twice recurs
            if len(key) <= 150 and not re.match(r"#\.[\s\u00a0]", key):
                pages.setdefault(key, set()).add(where)
    enough = max(2, (len(by_page) - 1) / 2)  # on most pages: a repeated text's lines recur too, but not that often
    return {key for key, seen in pages.items() if len(seen) >= enough or re.fullmatch(r"[#\W]*", key)}


_MARKER = re.compile(r"^[ \t]*(?:\d{1,3}|[a-z]|[ivxlc]{1,6})[.)](?=[ \t\u00a0])", re.MULTILINE)


def _located(e: Evidence) -> tuple[list[str], list[str]]:
    """The visible text's words, and where each one is; in a PDF, without its running heads and feet."""
    tokens: list[str] = []
    places: list[str] = []
    pending = ""
    pending_where = ""
    furniture = _furniture(e) if e.kind == "PDF" else set()
    for segment, where in e.segments:
        if not shown_on_screen(segment) or segment.math:
            continue
        if furniture and re.sub(r"\d+", "#", segment.text.strip(f" \n{BLOCK}")) in furniture:
            continue  # (a heading that repeats a running head's words mid-page goes too: a known blind spot)
        text = segment.text
        if e.kind == "PDF":
            # a list's markers ("1.", "a)", "ii."), set at the start of the line they number: generated,
            # not the manuscript's words (capitals are left alone: "J. Smith" may start a line)
            text = _MARKER.sub("", text)
        pending += text
        pending_where = pending_where or where
        if segment.text.endswith(("\n", BLOCK)) and not re.search(r"[-\u2010\u00ad\ufffe]\s*$", pending):
            found = words(pending)
            tokens += found
            places += [pending_where] * len(found)
            pending, pending_where = "", ""
    found = words(pending)
    return tokens + found, places + [pending_where] * len(found)


def _phrase(tokens: list[str] | tuple[str, ...], start: int, end: int) -> str:
    """The words from ``start`` to ``end`` with four either side; a long run is cut in the middle."""
    lo, hi = max(0, start - 4), min(len(tokens), max(end, start + 1) + 4)
    shown = list(tokens[lo:hi])
    if len(shown) > 24:
        shown = [*shown[:12], "…", *shown[-8:]]
    return f"“{'… ' if lo else ''}{' '.join(shown)}{' …' if hi < len(tokens) else ''}”"


def _run_of(run: list[str], parts: tuple[tuple[str, ...], ...]) -> bool:
    """Whether ``run`` is made of passages of the notes and captions, one after another (a PDF sets
    each note at the foot of its page, and may set a figure, caption and all, on the next)."""
    if not run or not parts:
        return False
    texts = [f" {' '.join(part)} " for part in parts]
    reachable = [True] + [False] * len(run)
    for end in range(1, len(run) + 1):
        reachable[end] = any(
            reachable[start] and any(f" {' '.join(run[start:end])} " in text for text in texts) for start in range(end)
        )
    return reachable[-1]


def _difference(
    want: tuple[str, ...],
    have: list[str],
    places: list[str],
    tolerated: tuple[set[str], tuple[tuple[str, ...], ...]] | None,
) -> tuple[str, str] | None:
    matcher = difflib.SequenceMatcher(None, want, have, autojunk=False)
    ops = matcher.get_opcodes()
    first = next((i for i, op in enumerate(ops) if op[0] == "equal"), None)
    last = max((i for i, op in enumerate(ops) if op[0] == "equal"), default=None)
    if first is None or last is None:
        return f"none of the manuscript's text {_phrase(want, 0, 8)} is in the file", ""
    for index, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            continue
        if tag == "insert" and (index < first or index > last):
            continue  # the file's own matter before and after the text
        if tag == "insert" and tolerated is not None:
            run = [t for t in have[j1:j2] if not t.isdigit()]  # note numbers
            math, notes = tolerated
            if not run or _run_of(run, notes) or (math and all(set(t) <= math for t in run)):
                continue
        where = places[min(j1, len(places) - 1)] if places else ""
        if tag == "insert":
            return f"the file adds {_phrase(have, j1, j2)} where the manuscript has {_phrase(want, i1, i1)}", where
        if tag == "delete":
            return f"the file leaves out {_phrase(want, i1, i2)}", where
        return f"the manuscript has {_phrase(want, i1, i2)}, the file {_phrase(have, j1, j2)}", where
    return None


def first_difference(
    e: Evidence,
    main: tuple[str, ...],
    notes: tuple[tuple[str, ...], ...],
    math: frozenset[str] = frozenset(),
    unfloated: tuple[str, ...] = (),
    figures: tuple[tuple[str, ...], ...] = (),
) -> tuple[str, str] | None:
    """The first passage where the file's words differ from the manuscript's, and where; None if none.

    Formulas are left out on both sides: a PDF lays a formula out as text in its own order, so there
    its letters and digits may stand between the words. A PDF sets each note at the foot of its page,
    and may float a figure past the text after it: there notes and captions may stand anywhere, and
    each must be found whole.
    """
    have, places = _located(e)
    tolerated = None
    floating: tuple[tuple[str, ...], ...] = ()
    if e.kind == "PDF":
        # a formula's letters come out in the PDF's own order, and glued ("dt", "λv"): its characters count
        floating = figures if unfloated else ()
        main = unfloated or main
        tolerated = ({c for t in math for c in t}, (*notes, *floating))
    found = _difference(main, have, places, tolerated)
    if found is not None:
        return found
    for note in (*notes, *floating):
        found = _difference(note, have, places, tolerated)
        if found is not None:
            return found
    return None
