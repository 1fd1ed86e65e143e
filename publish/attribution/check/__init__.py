"""``publish check``: does a file carry what its Creative Commons licence requires?

Reads any HTML, XHTML, PDF or EPUB, whoever made it. A reader per format
gathers the evidence (``evidence``): what a reader sees, with what is hidden
set apart, and what machines read, RDFa and JSON-LD as RDF (``rdf``), XMP,
the OPF. The rules (``verify``) turn that into findings, each with a stable
code and a level (``rules``); given the manuscript, they also compare the
file with it, down to the words of the text (``text``).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from publish.attribution.check.epub import is_epub, read_epub
from publish.attribution.check.evidence import Evidence, UnreadableError
from publish.attribution.check.html import read_html
from publish.attribution.check.pdf import read_pdf
from publish.attribution.check.rules import ERROR, RULES, WARNING, Finding, Rule
from publish.attribution.check.verify import Expected, verify

__all__ = [
    "ERROR",
    "RULES",
    "WARNING",
    "Expected",
    "Finding",
    "Report",
    "Rule",
    "UnreadableError",
    "check_file",
    "expect",
]


@dataclass(frozen=True)
class Report:
    path: Path
    kind: str
    findings: tuple[Finding, ...]

    def errors(self, strict: bool = False) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR or strict]

    def lines(self, shown: str, strict: bool = False) -> list[str]:
        """What ``publish check`` prints for this file: a line a finding, then the verdict."""
        out = [f"{shown}:{f.where + ':' if f.where else ''} {f.level} [{f.code}] {f.message}" for f in self.findings]
        errors = len([f for f in self.findings if f.level == ERROR])
        warnings = len(self.findings) - errors
        if not self.errors(strict):
            extra = f"; {warnings} warning{'s' * (warnings != 1)}" if warnings else ""
            out.append(f"{shown}: complete attribution ({self.kind}{extra})")
        else:
            counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
            out.append(f"{shown}: {counts} ({self.kind})")
        return out


def _read(data: bytes, path: Path) -> Evidence:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte order mark
        data = data.decode("utf-16").encode("utf-8")
    if data.startswith(b"%PDF-") or data[:1024].lstrip().startswith(b"%PDF-"):
        return read_pdf(data)
    if is_epub(data):
        return read_epub(data)
    if data.startswith(b"PK"):
        raise UnreadableError("a ZIP file that is not an EPUB (no META-INF/container.xml)")
    try:
        text = data[:65536].decode("utf-8")
    except UnicodeDecodeError:
        text = data[:65536].decode("latin-1")
    if "\x00" in text or "<" not in text:
        raise UnreadableError("not an HTML, XHTML, PDF or EPUB file")
    if not re.search(r"<(?:!doctype\b|[a-z][\w:-]*(?:\s[^<>]*)?/?>)", text, re.I):
        raise UnreadableError("not an HTML, XHTML, PDF or EPUB file: no HTML element in it")
    try:
        return read_html(data, path.resolve().as_uri())
    except (ValueError, LookupError, etree.ParserError) as exc:
        raise UnreadableError(f"not readable as HTML: {exc}") from exc


def check_file(path: Path, expected: Expected | None = None) -> Report:
    """Every finding for one file. Raises UnreadableError for a file that is not a readable HTML, PDF or EPUB."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableError(f"cannot read: {exc.strerror}") from exc
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # markup nested thousands deep is walked, not refused
    try:
        evidence = _read(data, path)
        found = verify(evidence, expected)
    except UnreadableError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise UnreadableError(f"too deeply nested or too large to read ({exc.__class__.__name__})") from exc
    except Exception as exc:  # a file anyone made must never end in a traceback
        raise UnreadableError(f"could not be checked: {exc.__class__.__name__}: {exc}") from exc
    finally:
        sys.setrecursionlimit(limit)
    order = {code: i for i, code in enumerate(RULES)}
    findings = sorted(dict.fromkeys(found), key=lambda f: (f.level != ERROR, order[f.code]))
    return Report(path, evidence.kind, tuple(findings))


def expect(manuscript: object) -> Expected:
    """What a file must carry to match ``manuscript`` (a loaded Manuscript)."""
    import lxml.html

    from publish.attribution.check.cc import licence_of
    from publish.attribution.check.evidence import xpath
    from publish.attribution.check.text import shown_on_screen, words
    from publish.attribution.check.visible import hidden_elements, plain, segments
    from publish.attribution.model import Attribution
    from publish.source.body import render_body
    from publish.source.manuscript import Manuscript

    assert isinstance(manuscript, Manuscript)
    a = Attribution.of(manuscript)
    root = plain(lxml.html.document_fromstring(f"<html><body>{render_body(manuscript).html}</body></html>"))
    hidden = hidden_elements(root)
    notes: list[tuple[str, ...]] = []
    for section in xpath(root, "//section[@id='_notes' or contains(concat(' ', @class, ' '), ' footnotes ')]"):
        assert isinstance(section, etree._Element)
        for item in section.iter("li"):
            notes.append(
                tuple(words("".join(s.text for s in segments(item, hidden) if shown_on_screen(s) and not s.math)))
            )
        parent = section.getparent()
        if parent is not None:
            parent.remove(section)
    shown = [s for s in segments(root, hidden) if shown_on_screen(s)]
    main = tuple(words("".join(s.text for s in shown if not s.math)))
    math = frozenset(words(" ".join(s.text for s in shown if s.math)))
    # A PDF floats a figure that does not fit to the next page, past the text after it: there its
    # caption may stand anywhere, like a note.
    figures = []
    for figure in list(root.iter("figure")):
        figures.append(tuple(words("".join(s.text for s in segments(figure, hidden) if shown_on_screen(s)))))
        parent = figure.getparent()
        if parent is not None:
            previous = figure.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + " " + (figure.tail or "")
            else:
                parent.text = (parent.text or "") + " " + (figure.tail or "")
            parent.remove(figure)
    rest = [s for s in segments(root, hidden) if shown_on_screen(s)]
    return Expected(
        title=a.title,
        authors=tuple(author.name for author in a.authors),
        notice=a.notice,
        licence=licence_of(a.licence.deed_url),
        assumed=a.assumed,
        main_words=main,
        note_words=tuple(notes),
        math_words=math,
        unfloated_words=tuple(words("".join(s.text for s in rest if not s.math))) if figures else main,
        figure_words=tuple(f for f in figures if f),
    )
