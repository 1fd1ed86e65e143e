"""What one file shows its readers and tells machines, each item with where it is.

The readers (``html``, ``pdf``, ``epub``) fill an Evidence; the rules in
``verify`` read nothing else. Text is compared loosely: letters and digits
only, case-folded, so line breaks, hyphenation, spacing and straight or curly
quotes never matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from publish.attribution.check.rules import Finding
from publish.attribution.check.visible import Segment, local

_LOOSE_DROP = re.compile(r"[\W_]+")


def loose(text: str) -> str:
    """Letters and digits only, case-folded: what two spellings of one text share ("Copyright ©" is "©")."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\bcopyright\b\s*(?=©|\(c\))", "", text, flags=re.IGNORECASE)
    return _LOOSE_DROP.sub("", text).casefold()


_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def decode(data: bytes) -> str:
    """The text of an HTML or XHTML file: UTF-8 unless it declares otherwise (the XML declaration is dropped)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    declared = (
        re.search(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)""", data[:200])
        if data.lstrip().startswith(b"<?xml")
        else None
    )
    charset = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._-]+)""", data[:2048], re.IGNORECASE)
    found = declared or charset
    encoding = found.group(1).decode("ascii") if found else "utf-8"
    if encoding.lower().replace("-", "").startswith("utf16"):
        encoding = "utf-8"  # bytes that say UTF-16 in ASCII are not UTF-16 (the BOM case is decoded before)
    data = _DECLARATION.sub(lambda m: b"\n" * m.group(0).count(b"\n"), data, count=1)
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return data.decode("utf-8", errors="replace")


def xpath(root: etree._Element, path: str, namespaces: dict[str, str] | None = None) -> list[Any]:
    """An XPath query's results as a plain list (of elements, strings or attribute values)."""
    found = root.xpath(path, namespaces=namespaces or {})
    return list(found) if isinstance(found, list) else []


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Value:
    """One statement the file makes: its text, the field it is in, and where that is."""

    text: str
    field: str
    where: str = ""


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    where: str
    hidden: str | None
    rel: frozenset[str] = frozenset()


@dataclass
class Evidence:
    kind: str
    segments: list[tuple[Segment, str]] = field(default_factory=list)  # (segment, where)
    links: list[Link] = field(default_factory=list)
    bylines: list[Value] = field(default_factory=list)
    titles: list[Value] = field(default_factory=list)
    authors: list[Value] = field(default_factory=list)
    author_uris: list[Value] = field(default_factory=list)  # creators given only as a URI (ccREL dct:creator)
    licences: list[Value] = field(default_factory=list)  # URIs, or texts that name a licence
    notices: list[Value] = field(default_factory=list)  # copyright notices, to be shown whole
    rights: list[Value] = field(default_factory=list)  # rights statements: the first sentence is the notice
    credits: list[Value] = field(default_factory=list)  # credit texts and usage terms
    attribution_names: list[Value] = field(default_factory=list)
    sources: list[Value] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    opaque: bool = False  # the content cannot be read (encrypted): only the reader's findings stand

    def _text(self, hidden: bool) -> str:
        return "".join(s.text for s, _ in self.segments if (s.hidden is not None) == hidden)

    @property
    def visible_text(self) -> str:
        return self._text(hidden=False)

    @property
    def hidden_text(self) -> str:
        return self._text(hidden=True)

    def hiding(self, text: str) -> str | None:
        """Why ``text`` cannot be seen, if it is in the file only where readers cannot see it."""
        wanted = loose(text)
        if not wanted:
            return None
        for segment, _ in self.segments:
            if segment.hidden and wanted[:24] in loose(segment.text):
                return segment.hidden
        if wanted in loose(self.hidden_text):
            return next(s.hidden for s, _ in self.segments if s.hidden)
        return None

    def where_is(self, text: str) -> str:
        """Where the visible text first shows ``text`` (its first words), or ""."""
        wanted = loose(text)[:24]
        running = ""
        for segment, where in self.segments:
            if segment.hidden:
                continue
            running = (running + loose(segment.text))[-200:]
            if wanted and wanted in running:
                return where
        return ""


# -- what an HTML or XHTML tree shows ------------------------------------------

_BYLINE_CLASSES = {"byline", "author", "authors", "p-author", "dc-creator", "creator", "contributor"}
_BY = re.compile(
    r"^\s*(?:by|written by|authors?\s*:|credits?\s*:|(?:photo(?:graph)?|image|illustration|picture)s?\s*(?:by|:))"
    r"\s*(\S.{0,200})$",
    re.IGNORECASE | re.DOTALL,
)
_CREDIT_BY = re.compile(r"[”\"’']\s*,?\s+by\s+([^.;()\n]{2,120})", re.IGNORECASE)
BY_LINE = "“By …” line"


class UnreadableError(Exception):
    """Not an HTML, PDF or EPUB file that can be read."""


def bylines_in(text: str) -> list[tuple[str, str]]:
    """(text, kind) of the bylines in one block or line: "By …" and its kin, and "“Title” by …"."""
    found = [(text.strip(), BY_LINE)] if _BY.match(text) else []
    return found + [(match.group(1), "credit line") for match in _CREDIT_BY.finditer(text)]


def text_of(el: etree._Element) -> str:
    return squash("".join(str(t) for t in el.itertext()))


def read_tree(evidence: Evidence, root: etree._Element, hidden: dict[etree._Element, str], where: str) -> None:
    """Links and bylines of one document; ``where`` is a prefix for its line numbers."""

    def at(el: etree._Element) -> str:
        return f"{where}{el.sourceline}" if el.sourceline else where.rstrip(":")

    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = local(el)
        rel = frozenset((el.get("rel") or "").lower().split())
        if tag in ("a", "area") and el.get("href"):
            evidence.links.append(Link(el.get("href", ""), text_of(el), at(el), hidden.get(el), rel))
        if tag in ("script", "style", "head", "template"):
            continue
        classes = set((el.get("class") or "").lower().split())
        prop = (el.get("property") or "").lower()
        marked = (
            classes & _BYLINE_CLASSES
            or "author" in rel
            or "author" in (el.get("itemprop") or "").lower().split()
            or "attributionname" in prop
            or "creator" in prop
            or tag == "address"
        )
        text = text_of(el)
        if not text or len(text) > 400 or el in hidden:
            continue
        if marked:
            evidence.bylines.append(Value(text, f"<{tag}> byline", at(el)))
        elif tag in (
            "p", "div", "span", "h2", "h3", "h4", "h5", "h6", "li", "dd", "td", "header", "footer", "small",
            "figcaption", "cite", "time",
        ):  # fmt: skip
            whole = not any(local(c) in ("p", "div") for c in el)
            evidence.bylines += [Value(t, field, at(el)) for t, field in bylines_in(text) if whole or field != BY_LINE]
