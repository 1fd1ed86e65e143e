"""Reads a PDF: its text and links, the document Info and the XMP packet."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from collections.abc import Iterator
from typing import Any

from lxml import etree

from publish.attribution.check.evidence import (
    BY_LINE,
    Evidence,
    Link,
    UnreadableError,
    Value,
    bylines_in,
    squash,
    xpath,
)
from publish.attribution.check.rules import Finding
from publish.attribution.check.visible import BLOCK, Segment

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "cc": "http://creativecommons.org/ns#",
}


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """pypdf's own warnings ("EOF marker not found", …) never reach the terminal."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            logger.setLevel(level)


def _xmp_values(xmp: etree._Element, path: str) -> list[str]:
    found = xpath(xmp, path, namespaces=NS)
    out = []
    for value in found if isinstance(found, list) else []:
        text = value if isinstance(value, str) else "".join(value.itertext())
        if squash(str(text)):
            out.append(squash(str(text)))
    return out


def _restricts(reader: Any) -> bool:
    """Whether an encrypted PDF that opens without a password still forbids printing, copying or changing.
    Encryption that permits everything restricts no one."""
    try:
        permissions = int(reader.trailer["/Encrypt"].get_object().get("/P", -1))
    except (KeyError, TypeError, ValueError):
        return True
    # bits 3 print, 4 modify, 5 copy, 6 annotate, 9 fill, 10 extract for accessibility, 11 assemble, 12 print well
    needed = sum(1 << (bit - 1) for bit in (3, 4, 5, 6, 9, 10, 11, 12))
    return permissions & needed != needed


def read_pdf(data: bytes) -> Evidence:
    import pypdf
    from pypdf.errors import DependencyError, PdfReadError

    evidence = Evidence("PDF")
    with quiet():
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                opened = reader.decrypt("")
                restricted = not opened or _restricts(reader)
                if restricted:
                    evidence.findings.append(
                        Finding(
                            "technical-restriction",
                            "the PDF is encrypted: "
                            + (
                                "a password is needed to open it" if not opened else "its permission flags restrict use"
                            ),
                        )
                    )
                if not opened:
                    evidence.opaque = True
                    return evidence
            pages = [page.extract_text() or "" for page in reader.pages]
            info: dict[str, Any] = dict(reader.metadata or {})
            links = []
            for number, page in enumerate(reader.pages, 1):
                for annotation in page.get("/Annots", []) or []:
                    action = annotation.get_object().get("/A", {})
                    if "/URI" in action:
                        links.append(Link(str(action["/URI"]), "", f"page {number}", None))
            catalog: Any = reader.trailer["/Root"]
            raw_xmp = catalog["/Metadata"].get_object().get_data() if "/Metadata" in catalog else None
        except DependencyError:  # AES without the crypto extra: it is encrypted, and that is the finding
            evidence.findings.append(
                Finding(
                    "technical-restriction", "the PDF is encrypted (AES): passwords or permission flags restrict it"
                )
            )
            evidence.opaque = True
            return evidence
        except (PdfReadError, Exception) as exc:  # a damaged PDF fails in pypdf in many ways; all mean unreadable
            raise UnreadableError(f"not a readable PDF: {exc}") from exc
    for number, text in enumerate(pages, 1):
        evidence.segments.append((Segment(BLOCK, None), f"page {number}"))
        for line in text.splitlines():
            # a short line without end punctuation is a heading or a label ("Endorsement"): a block of its own
            label = 0 < len(line.strip()) <= 40 and not re.search(r"[.,;:!?\-\u2010\u00ad]\s*$", line)
            evidence.segments.append((Segment(line + ("\n" + BLOCK if label else "\n"), None), f"page {number}"))
            found = bylines_in(line)
            if number == 1 and 2 < len(line.strip()) < 60 and not any(kind == BY_LINE for _, kind in found):
                found.append((line.strip(), "line on page 1"))  # a name under the title, as LaTeX sets it
            evidence.bylines += [Value(text, kind, f"page {number}") for text, kind in found]
    evidence.links = links
    if info.get("/Title") and str(info["/Title"]).strip():
        evidence.titles.append(Value(squash(str(info["/Title"])), "Info Title", "Info"))
    info_author = squash(str(info.get("/Author", "") or ""))
    if not raw_xmp:
        evidence.findings.append(Finding("meta-xmp", "the PDF has document Info but no XMP metadata", "Info"))
        if info_author:
            evidence.authors.append(Value(info_author, "Info Author", "Info"))
        return evidence
    try:
        body = raw_xmp.strip()
        body = body.split(b"?>", 1)[-1] if body.startswith(b"<?xpacket") else body
        xmp = etree.fromstring(
            body.rsplit(b"<?xpacket", 1)[0], etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError:
        evidence.findings.append(Finding("meta-invalid", "the XMP metadata is not well-formed", "XMP"))
        return evidence

    def field(target: list[Value], name: str, path: str) -> list[str]:
        values = _xmp_values(xmp, path)
        target.extend(Value(v, f"XMP {name}", "XMP") for v in values)
        return values

    field(evidence.titles, "dc:title", "//dc:title//rdf:li")
    creators = field(evidence.authors, "dc:creator", "//dc:creator//rdf:li")
    field(evidence.rights, "dc:rights", "//dc:rights//rdf:li")
    field(evidence.credits, "xmpRights:UsageTerms", "//xmpRights:UsageTerms//rdf:li")
    field(evidence.licences, "cc:license", "//cc:license/@rdf:resource | //cc:license[not(@rdf:resource)]")
    field(evidence.attribution_names, "cc:attributionName", "//cc:attributionName | //@cc:attributionName")
    field(evidence.sources, "dc:source", "//dc:source")
    for statement in _xmp_values(
        xmp, "//xmpRights:WebStatement/@rdf:resource | //xmpRights:WebStatement | //@xmpRights:WebStatement"
    ):
        evidence.licences.append(Value(statement, "XMP xmpRights:WebStatement", "XMP"))
    for creator in creators:  # Info Author is free text: "A, B" for two creators
        if info_author and creator not in info_author:
            evidence.findings.append(
                Finding("meta-disagree", f"Info Author “{info_author}” lacks the XMP creator {creator}", "Info")
            )
    if not creators and info_author:
        evidence.authors.append(Value(info_author, "Info Author", "Info"))
    return evidence
