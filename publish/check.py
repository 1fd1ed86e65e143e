"""``publish check``: does a file carry its complete attribution?

Reads any HTML, PDF or EPUB, whoever made it. Each reader gathers evidence:
what a reader sees (the visible text, the licence links) and what software
reads (the machine-readable title, authors, licence, notice). One set of
rules then checks that each part is there and that the two sides agree, and,
given the manuscript, that both match it.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from publish.attribution import Attribution
from publish.licences import CATALOGUE

_DEEDS = {lic.deed_url: lic for lic in CATALOGUE.values()}
# Not reading text: scripts, styles, and <pre> code listings (the HTML edition
# shows the republish fragment's source in one; it must not count as shown).
_SKIP_TEXT = {"script", "style", "noscript", "template", "head", "title", "pre"}
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "cc": "http://creativecommons.org/ns#",
}


def _xpath(root: etree._Element, path: str) -> list[Any]:
    """An XPath query with this module's namespaces, as a plain list."""
    return list(root.xpath(path, namespaces=NS))  # type: ignore[arg-type]


def _strings(root: etree._Element, path: str) -> list[str]:
    return [str(value) for value in _xpath(root, path)]


class UnreadableError(Exception):
    """Not an HTML, PDF or EPUB file that can be read."""


@dataclass
class Evidence:
    """What one file shows its readers, and what it tells machines."""

    kind: str
    text: str = ""
    licence_links: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    authors: dict[str, list[str]] = field(default_factory=dict)
    licences: dict[str, str] = field(default_factory=dict)
    notices: dict[str, str] = field(default_factory=dict)
    attribution_names: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def need(self, condition: object, problem: str) -> None:
        if not condition:
            self.problems.append(problem)


def _loose(text: str) -> str:
    """Text compared regardless of line breaks, hyphenation and spacing."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011\ufffe]+", "", text).casefold()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _text_of(el: etree._Element) -> str:
    return _squash("".join(str(t) for t in el.itertext()))


def _visible_text(root: etree._Element) -> str:
    parts: list[str] = []

    def walk(el: etree._Element) -> None:
        tag = etree.QName(el).localname if isinstance(el.tag, str) else ""
        if tag in _SKIP_TEXT:
            if el.tail:
                parts.append(el.tail)
            return
        if el.text and isinstance(el.tag, str):
            parts.append(el.text)
        for child in el:
            walk(child)
        if el.tail:
            parts.append(el.tail)

    walk(root)
    return _squash(" ".join(parts))


def _rel(el: etree._Element) -> set[str]:
    return set((el.get("rel") or "").split())


# -- HTML ----------------------------------------------------------------------


def _json_ld(root: etree._Element, evidence: Evidence) -> None:
    for script in root.iter("script"):
        if (script.get("type") or "").strip() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except json.JSONDecodeError:
            evidence.problems.append("machine-readable: a JSON-LD block is not valid JSON")
            continue
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item, dict):
                continue
            if "license" in item:
                evidence.licences["JSON-LD license"] = str(item["license"])
            if "copyrightNotice" in item:
                evidence.notices["JSON-LD copyrightNotice"] = str(item["copyrightNotice"])
            if "name" in item or "headline" in item:
                evidence.titles["JSON-LD name"] = str(item.get("name") or item.get("headline"))
            people = item.get("author", [])
            people = people if isinstance(people, list) else [people]
            names = [str(p.get("name")) if isinstance(p, dict) else str(p) for p in people]
            if names:
                evidence.authors["JSON-LD author"] = names
            for key in ("license", "author", "creditText", "copyrightNotice"):
                evidence.need(key in item, f"machine-readable: JSON-LD has no {key}")


def read_html(data: bytes) -> Evidence:
    import lxml.html

    evidence = Evidence("HTML")
    root = lxml.html.document_fromstring(data)
    body = root.find("body")
    evidence.text = _visible_text(body if body is not None else root)
    evidence.licence_links = [a.get("href", "") for a in root.iter("a") if "license" in _rel(a)]
    head_links = [link.get("href", "") for link in root.iter("link") if "license" in _rel(link)]
    if head_links:
        evidence.licences['<link rel="license">'] = head_links[0]
    else:
        evidence.problems.append('machine-readable: no <link rel="license"> in the head')
    title = root.find(".//title")
    if title is not None and (title.text or "").strip():
        evidence.titles["<title>"] = _squash(title.text or "")
    authors = [m.get("content", "") for m in root.iter("meta") if m.get("name") == "author"]
    if authors:
        evidence.authors['<meta name="author">'] = authors
    scripts = [s for s in root.iter("script") if (s.get("type") or "").strip() == "application/ld+json"]
    evidence.need(scripts, "machine-readable: no schema.org JSON-LD block")
    _json_ld(root, evidence)
    rdfa_names = [_text_of(el) for el in root.iter() if el.get("property") == "cc:attributionName"]
    rdfa_titles = [_text_of(el) for el in root.iter() if el.get("property") == "dct:title"]
    evidence.need(rdfa_names, "machine-readable: no ccREL cc:attributionName")
    evidence.need(rdfa_titles, "machine-readable: no ccREL dct:title")
    if rdfa_names:
        evidence.attribution_names["ccREL cc:attributionName"] = rdfa_names[0]
    if rdfa_titles:
        evidence.titles["ccREL dct:title"] = rdfa_titles[0]
    return evidence


# -- PDF -----------------------------------------------------------------------


def _xmp_text(rdf: etree._Element, path: str) -> str | None:
    found = _xpath(rdf, path)
    if not found:
        return None
    value = found[0]
    return _squash(value if isinstance(value, str) else "".join(value.itertext()))


def read_pdf(data: bytes) -> Evidence:
    import pypdf
    from pypdf.errors import DependencyError

    evidence = Evidence("PDF")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            evidence.problems.append("encrypted: CC licences forbid technical restrictions on reuse")
            return evidence
        pages = [page.extract_text() or "" for page in reader.pages]
        info: dict[str, Any] = dict(reader.metadata or {})
        links = []
        for page in reader.pages:
            for annotation in page.get("/Annots", []) or []:
                action = annotation.get_object().get("/A", {})
                if "/URI" in action:
                    links.append(str(action["/URI"]))
        catalog: Any = reader.trailer["/Root"]
        raw_xmp = catalog["/Metadata"].get_object().get_data() if "/Metadata" in catalog else None
    except DependencyError:  # pypdf cannot even open AES-encrypted files without extras
        evidence.problems.append("encrypted: CC licences forbid technical restrictions on reuse")
        return evidence
    except Exception as exc:  # a damaged PDF can fail in pypdf in many ways; all mean unreadable
        raise UnreadableError(f"not a readable PDF: {exc}") from exc
    evidence.text = _squash(" ".join(pages))
    evidence.licence_links = [link for link in links if link in _DEEDS]
    for key in ("/Title", "/Author", "/Subject", "/Keywords"):
        evidence.need(str(info.get(key, "")).strip(), f"machine-readable: the document Info has no {key[1:]}")
    if info.get("/Title"):
        evidence.titles["Info Title"] = str(info["/Title"])
    if not raw_xmp:
        evidence.problems.append("machine-readable: no XMP metadata")
        return evidence
    try:
        xmp = etree.fromstring(raw_xmp.strip().split(b"?>", 1)[-1].rsplit(b"<?xpacket", 1)[0])
    except etree.XMLSyntaxError:
        evidence.problems.append("machine-readable: the XMP metadata is not well-formed")
        return evidence
    fields = {
        "dc:title": "//dc:title//rdf:li",
        "dc:creator": "//dc:creator//rdf:li",
        "dc:rights": "//dc:rights//rdf:li",
        "xmpRights:Marked": "//xmpRights:Marked",
        "xmpRights:WebStatement": "//xmpRights:WebStatement",
        "xmpRights:UsageTerms": "//xmpRights:UsageTerms//rdf:li",
        "cc:license": "//cc:license/@rdf:resource",
        "cc:attributionName": "//cc:attributionName",
    }
    values = {name: _xmp_text(xmp, path) for name, path in fields.items()}
    for name, value in values.items():
        evidence.need(value, f"machine-readable: XMP has no {name}")
    evidence.need(values["xmpRights:Marked"] in (None, "True"), "machine-readable: XMP xmpRights:Marked is not True")
    if values["dc:title"]:
        evidence.titles["XMP dc:title"] = values["dc:title"]
    creators = [_text_of(li) for li in _xpath(xmp, "//dc:creator//rdf:li")]
    if creators:
        evidence.authors["XMP dc:creator"] = creators
    info_author = str(info.get("/Author", ""))
    for creator in creators:  # Info Author is free text: "A, B" for two creators
        evidence.need(creator in info_author, f"inconsistent: Info Author “{info_author}” lacks the creator {creator}")
    for name in ("xmpRights:WebStatement", "cc:license"):
        if values[name]:
            evidence.licences[f"XMP {name}"] = values[name] or ""
    if values["dc:rights"]:
        evidence.notices["XMP dc:rights"] = values["dc:rights"] or ""
    if values["cc:attributionName"]:
        evidence.attribution_names["XMP cc:attributionName"] = values["cc:attributionName"] or ""
    return evidence


# -- EPUB ----------------------------------------------------------------------


def read_epub(data: bytes) -> Evidence:
    evidence = Evidence("EPUB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        opf_name = _strings(container, "//c:rootfile/@full-path")[0]
        opf = etree.fromstring(archive.read(opf_name))
    except (zipfile.BadZipFile, KeyError, IndexError, etree.XMLSyntaxError) as exc:
        raise UnreadableError(f"not a readable EPUB: {exc}") from exc
    base = PurePosixPath(opf_name).parent
    if "META-INF/encryption.xml" in archive.namelist():
        evidence.problems.append("encrypted: CC licences forbid technical restrictions on reuse")
    items = {str(i.get("id")): i for i in _xpath(opf, "//opf:manifest/opf:item")}

    def document(href: str) -> etree._Element | None:
        try:
            return etree.fromstring(archive.read(str(base / href)))
        except (KeyError, etree.XMLSyntaxError):
            evidence.problems.append(f"cannot read {href}")
            return None

    docs = []
    for idref in _strings(opf, "//opf:spine/opf:itemref/@idref"):
        item = items.get(idref)
        root = document(item.get("href", "")) if item is not None else None
        if root is not None:
            docs.append(root)
    evidence.text = _squash(" ".join(_visible_text(root) for root in docs))
    evidence.licence_links = [
        href for root in docs for href in _strings(root, "//x:a[contains(concat(' ', @rel, ' '), ' license ')]/@href")
    ]

    def meta(path: str) -> list[str]:
        return [_squash(v) for v in _strings(opf, f"//opf:metadata/{path}")]

    titles, creators, rights = meta("dc:title/text()"), meta("dc:creator/text()"), meta("dc:rights/text()")
    links = meta("opf:link[@rel='cc:license']/@href")
    for found, what in (
        (titles, "dc:title"),
        (creators, "dc:creator"),
        (rights, "dc:rights"),
        (links, '<link rel="cc:license">'),
    ):
        evidence.need(found, f"machine-readable: the OPF has no {what}")
    if titles:
        evidence.titles["OPF dc:title"] = titles[0]
    if creators:
        evidence.authors["OPF dc:creator"] = creators
    if rights:
        evidence.notices["OPF dc:rights"] = rights[0]
    if links:
        evidence.licences["OPF cc:license"] = links[0]
    creator_ids = _strings(opf, "//opf:metadata/dc:creator/@id")
    roles = [meta(f"opf:meta[@refines='#{i}'][@property='role']/text()") for i in creator_ids]
    evidence.need(any("aut" in r for r in roles), "machine-readable: no dc:creator has the role aut")
    evidence.need(
        re.search(r"(^|\s)cc:\s*http://creativecommons\.org/ns#", opf.get("prefix", "")),
        "machine-readable: the OPF does not declare the cc: prefix",
    )
    evidence.need(
        "unlocked" in meta("opf:meta[@property='schema:accessibilityFeature']/text()"),
        "machine-readable: accessibility features do not include unlocked",
    )
    nav_items = [i for i in items.values() if "nav" in (i.get("properties") or "").split()]
    nav = document(nav_items[0].get("href", "")) if nav_items else None
    landmarks = _strings(nav, "//x:nav[@epub:type='landmarks']//x:a/@epub:type") if nav is not None else []
    evidence.need("copyright-page" in landmarks, "the landmarks list no copyright page")
    marked = [root for root in docs if _xpath(root, "//*[contains(concat(' ', @epub:type, ' '), ' copyright-page ')]")]
    evidence.need(marked, 'no document is marked epub:type="copyright-page"')
    return evidence


# -- the rules -----------------------------------------------------------------


def _kind(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK") and b"application/epub+zip" in data[:100]:
        return "epub"
    head = data[:4096].lower()
    if b"<html" in head or b"<!doctype html" in head:
        return "html"
    raise UnreadableError("not an HTML, PDF or EPUB file")


def verify(evidence: Evidence, expected: Attribution | None = None) -> list[str]:
    """Every missing or inconsistent item, as lines for a reader."""
    problems = list(evidence.problems)
    text = _loose(evidence.text)

    def visible(value: str) -> bool:
        return _loose(value) in text

    def same(values: dict[str, str], what: str) -> str | None:
        distinct = sorted(set(values.values()))
        if len(distinct) > 1:
            listing = "; ".join(f"{where}: {value}" for where, value in sorted(values.items()))
            problems.append(f"inconsistent: the {what} differs between the machine-readable fields ({listing})")
        return distinct[0] if distinct else None

    title = same(evidence.titles, "title")
    if title is None:
        problems.append("machine-readable: no title")
    elif not visible(title):
        problems.append(f"visible: the title “{title}” is not shown")

    names = sorted({name for found in evidence.authors.values() for name in found})
    if not names:
        problems.append("machine-readable: no author")
    for name in names:
        if not visible(name):
            problems.append(f"inconsistent: the author “{name}” in the metadata is not the one shown")

    deed = same(evidence.licences, "licence")
    if deed is None:
        problems.append("machine-readable: no licence")
    elif deed not in _DEEDS:
        problems.append(f"machine-readable: the licence {deed} is not a Creative Commons deed")
    if not evidence.licence_links:
        problems.append("visible: no link to the licence")
    for link in sorted(set(evidence.licence_links)):
        if deed is not None and link != deed:
            problems.append(f"inconsistent: the visible licence link {link} is not the licence in the metadata, {deed}")
    if deed in _DEEDS:
        licence = _DEEDS[deed]
        if not (visible(licence.name) or visible(licence.short_name)):
            problems.append(f"visible: the licence is not named ({licence.short_name})")
    if not re.search(r"creative\s*commons", evidence.text, re.IGNORECASE):
        problems.append("visible: no Creative Commons notice")
    if not evidence.notices:
        problems.append("machine-readable: no rights statement or copyright notice")
    for where, notice in sorted(evidence.notices.items()):
        # A rights statement opens with the original notice; that much must be shown.
        shown = notice if "copyrightNotice" in where else re.split(r"(?<=[.!?])\s", notice, maxsplit=1)[0]
        if not visible(shown):
            problems.append(f"inconsistent: the notice in {where} is not shown: “{shown}”")

    attribution_name = same(evidence.attribution_names, "attribution name")
    if evidence.kind in ("HTML", "PDF") and attribution_name is None:
        problems.append("machine-readable: no cc:attributionName")
    if attribution_name and not visible(attribution_name):
        problems.append(f"inconsistent: the attribution name “{attribution_name}” is not shown")
    if title and attribution_name and not visible(f"“{title}” by {attribution_name}"):
        problems.append("visible: no credit line (“Title” by Author)")
    if not re.search(r"text unchanged|changes\b|adapted|modified", evidence.text, re.IGNORECASE):
        problems.append("visible: no statement of changes (e.g. “Text unchanged”)")
    if not re.search(r"endorse", evidence.text, re.IGNORECASE):
        problems.append("visible: no statement that no endorsement is implied")

    if expected is not None:
        problems.extend(_against(evidence, expected, visible, title, names, deed))
    return problems


def _against(
    evidence: Evidence, a: Attribution, visible: object, title: str | None, names: list[str], deed: str | None
) -> list[str]:
    assert callable(visible)
    problems = []
    if title is not None and title != a.title:
        problems.append(f"manuscript: the title is “{title}”, the manuscript's is “{a.title}”")
    for author in a.authors:
        if not any(author.name in name for name in names):
            problems.append(f"manuscript: the author {author.name} is missing from the metadata")
        if not visible(author.name):
            problems.append(f"manuscript: the author {author.name} is not shown")
    if deed is not None and deed != a.licence.deed_url:
        problems.append(f"manuscript: the licence is {deed}, the manuscript's is {a.licence.deed_url}")
    if not visible(a.notice):
        problems.append("manuscript: the original notice is not shown verbatim")
    for where, notice in sorted(evidence.notices.items()):
        if _loose(a.notice) not in _loose(notice):
            problems.append(f"manuscript: {where} does not carry the original notice")
    if not visible(a.credit_line):
        problems.append("manuscript: the credit line is not shown as the manuscript gives it")
    if a.assumed and not visible("The licence is assumed"):
        problems.append("manuscript: the licence is assumed, but no edition text says so")
    return problems


READERS = {"html": read_html, "pdf": read_pdf, "epub": read_epub}


@dataclass(frozen=True)
class Report:
    path: Path
    kind: str
    problems: tuple[str, ...]


def check_file(path: Path, expected: Attribution | None = None) -> Report:
    """Raises UnreadableError for a file that is not a readable HTML, PDF or EPUB."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableError(f"cannot read: {exc.strerror}") from exc
    kind = _kind(data)
    evidence = READERS[kind](data)
    return Report(path, evidence.kind, tuple(verify(evidence, expected)))
