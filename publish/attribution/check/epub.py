"""Reads an EPUB 2 or 3: the package metadata, and the spine's documents as a reader sees them."""

from __future__ import annotations

import contextlib
import io
import posixpath
import re
import zipfile
from urllib.parse import unquote

from lxml import etree

from publish.attribution.check.evidence import Evidence, UnreadableError, Value, read_tree, squash, xpath
from publish.attribution.check.html import parse_xhtml
from publish.attribution.check.rules import Finding
from publish.attribution.check.visible import hidden_elements, segments

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "enc": "http://www.w3.org/2001/04/xmlenc#",
}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# Font obfuscation is not a restriction on the text: IDPF's and Adobe's algorithms.
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_XML = etree.XMLParser(resolve_entities=False, no_network=True)


def is_epub(data: bytes) -> bool:
    if not data.startswith(b"PK"):
        return False
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return b"application/epub+zip" in data[:100]
    return "META-INF/container.xml" in names or "mimetype" in names


def _mimetype(archive: zipfile.ZipFile, evidence: Evidence) -> None:
    entries = archive.infolist()
    first = entries[0] if entries else None
    if first is None or first.filename != "mimetype":
        evidence.findings.append(
            Finding("epub-mimetype", "the mimetype file is not the first entry of the ZIP", "mimetype")
        )
    elif first.compress_type != zipfile.ZIP_STORED:
        evidence.findings.append(
            Finding("epub-mimetype", "the mimetype file is compressed; it must be stored", "mimetype")
        )
    elif archive.read(first).strip() != b"application/epub+zip":
        evidence.findings.append(
            Finding("epub-mimetype", "the mimetype file does not say application/epub+zip", "mimetype")
        )


def read_epub(data: bytes) -> Evidence:
    evidence = Evidence("EPUB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        container = etree.fromstring(archive.read("META-INF/container.xml"), _XML)
        opf_name = str(xpath(container, "//c:rootfile/@full-path", namespaces=NS)[0])
        opf = etree.fromstring(archive.read(opf_name), _XML)
    except (zipfile.BadZipFile, KeyError, IndexError, etree.XMLSyntaxError, OSError) as exc:
        raise UnreadableError(f"not a readable EPUB: {exc}") from exc
    _mimetype(archive, evidence)
    names = set(archive.namelist())
    _restrictions(archive, names, evidence)
    base = posixpath.dirname(opf_name)

    def path_of(href: str, relative_to: str = base) -> str:
        """A zip entry from a manifest or link href: relative, percent-encoded (OCF: IRI references)."""
        return posixpath.normpath(posixpath.join(relative_to, unquote(href.split("#")[0])))

    def meta(path: str) -> list[tuple[str, str]]:
        found = xpath(opf, f"//opf:metadata/{path}", namespaces=NS)
        out = []
        for item in found if isinstance(found, list) else []:
            text = item if isinstance(item, str) else "".join(item.itertext())
            line = item.sourceline if isinstance(item, etree._Element) else item.getparent().sourceline
            if squash(str(text)):
                out.append((squash(str(text)), f"{opf_name}:{line}"))
        return out

    for text, where in meta("dc:title"):
        evidence.titles.append(Value(text, "OPF dc:title", where))
    _creators(opf, opf_name, evidence)
    for text, where in meta("dc:rights"):
        evidence.rights.append(Value(text, "OPF dc:rights", where))
    for text, where in meta("dc:source"):
        evidence.sources.append(Value(text, "OPF dc:source", where))
    licence_paths = (
        "opf:link[contains(concat(' ', @rel, ' '), 'license ')]/@href",
        "opf:meta[@property='cc:license' or @property='dcterms:license' or @property='schema:license']",
        "opf:meta[@name='cc:license' or @name='dcterms:license' or @name='DC.rights']/@content",
    )
    for path in licence_paths:
        for text, where in meta(path):
            evidence.licences.append(Value(text, "OPF licence", where))
    for text, where in meta("opf:meta[@property='cc:attributionName']"):
        evidence.attribution_names.append(Value(text, "OPF cc:attributionName", where))

    items = {str(i.get("id")): i for i in xpath(opf, "//opf:manifest/opf:item", namespaces=NS)}
    copyright_page = False
    for idref in xpath(opf, "//opf:spine/opf:itemref/@idref", namespaces=NS):
        item = items.get(str(idref))
        if item is None:
            continue
        name = path_of(item.get("href", ""))
        try:
            root = parse_xhtml(archive.read(name))
        except (KeyError, etree.ParserError) as exc:
            evidence.findings.append(Finding("meta-invalid", f"a spine document cannot be read: {exc}", name))
            continue
        sheets = []
        for link in root.iter("link"):
            if "stylesheet" in (link.get("rel") or "").lower().split() and link.get("href"):
                with contextlib.suppress(KeyError):
                    sheet_name = path_of(link.get("href", ""), posixpath.dirname(name))
                    sheet = archive.read(sheet_name).decode("utf-8", "replace")
                    for imported in re.findall(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)""", sheet):
                        with contextlib.suppress(KeyError):
                            inner = archive.read(path_of(imported, posixpath.dirname(sheet_name)))
                            sheets.append(inner.decode("utf-8", "replace"))
                    sheets.append(sheet)
        sheets += [s.text or "" for s in root.iter("style")]
        hidden = hidden_elements(root, sheets)
        evidence.segments += [(s, f"{name}:{s.line}" if s.line else name) for s in segments(root, hidden)]
        read_tree(evidence, root, hidden, f"{name}:")
        copyright_page = copyright_page or any(
            "copyright-page" in (el.get(EPUB_TYPE) or "").split() for el in root.iter()
        )
    guide = xpath(opf, "//opf:guide/opf:reference/@type", namespaces=NS)
    copyright_page = copyright_page or "copyright-page" in [str(t) for t in guide]
    if not copyright_page:
        evidence.findings.append(
            Finding(
                "epub-copyright-page",
                'no document is marked epub:type="copyright-page" (EPUB 3) or in the guide (EPUB 2)',
                opf_name,
            )
        )
    return evidence


def _creators(opf: etree._Element, opf_name: str, evidence: Evidence) -> None:
    """dc:creator elements that are authors: role aut (EPUB 3 refines, EPUB 2 opf:role) or no role at all."""
    for creator in xpath(opf, "//opf:metadata/dc:creator", namespaces=NS):
        roles = [creator.get(f"{{{NS['opf']}}}role", "")]
        if creator.get("id"):
            target = "#" + creator.get("id", "")
            metas = xpath(opf, "//opf:metadata/opf:meta[@property='role']", namespaces=NS)
            refines = [m.text or "" for m in metas if m.get("refines") == target]
            roles += [str(r).strip() for r in refines]
        roles = [r for r in roles if r]
        if roles and "aut" not in roles:
            continue
        if squash("".join(creator.itertext())):
            evidence.authors.append(
                Value(squash("".join(creator.itertext())), "OPF dc:creator", f"{opf_name}:{creator.sourceline}")
            )


def _restrictions(archive: zipfile.ZipFile, names: set[str], evidence: Evidence) -> None:
    if "META-INF/rights.xml" in names:
        evidence.findings.append(
            Finding("technical-restriction", "META-INF/rights.xml: the EPUB carries DRM", "META-INF/rights.xml")
        )
    if "META-INF/encryption.xml" not in names:
        return
    try:
        encryption = etree.fromstring(archive.read("META-INF/encryption.xml"), _XML)
    except etree.XMLSyntaxError:
        evidence.findings.append(
            Finding(
                "technical-restriction", "META-INF/encryption.xml: resources are encrypted", "META-INF/encryption.xml"
            )
        )
        return
    methods = {str(m) for m in xpath(encryption, "//enc:EncryptionMethod/@Algorithm", namespaces=NS)}
    if methods - _FONT_OBFUSCATION:
        evidence.findings.append(
            Finding(
                "technical-restriction",
                "META-INF/encryption.xml: resources are encrypted, not just fonts obfuscated",
                "META-INF/encryption.xml",
            )
        )
