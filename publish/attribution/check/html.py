"""Reads an HTML page, an XHTML file or an HTML fragment."""

from __future__ import annotations

from lxml import etree

from publish.attribution.check.evidence import Evidence, Value, decode, read_tree, squash, text_of
from publish.attribution.check.rdf import read_rdf
from publish.attribution.check.visible import hidden_elements, plain, segments

# Dublin Core in HTML <meta> (DC-HTML, and the older "DC.creator" style), and the common ones.
_META_FIELDS = {
    "author": "authors",
    "dc.creator": "authors",
    "dcterms.creator": "authors",
    "dc.title": "titles",
    "dcterms.title": "titles",
    "dc.rights": "rights",
    "dcterms.rights": "rights",
    "copyright": "rights",
    "dcterms.license": "licences",
    "dc.source": "sources",
    "dcterms.source": "sources",
}


def read_html(data: bytes, base: str = "") -> Evidence:
    import lxml.html

    evidence = Evidence("HTML")
    # huge_tree: libxml2 otherwise drops everything nested deeper than 256 elements, silently; deeper than
    # it reads even so, the file is refused rather than read in part
    parser = lxml.html.HTMLParser(huge_tree=True)
    root = plain(lxml.html.document_fromstring(decode(data), parser=parser))
    if any("depth" in str(entry.message).lower() for entry in parser.error_log):
        raise ValueError("its elements are nested deeper than an HTML parser reads")
    sheets = [s.text or "" for s in root.iter("style")]
    hidden = hidden_elements(root, sheets)
    evidence.segments = [(s, str(s.line or "")) for s in segments(root, hidden)]
    read_tree(evidence, root, hidden, "")
    for link in root.iter("link"):
        if "license" in (link.get("rel") or "").lower().split() and link.get("href"):
            evidence.licences.append(Value(link.get("href", ""), '<link rel="license">', str(link.sourceline or "")))
    for anchor in evidence.links:
        if "license" in anchor.rel:
            evidence.licences.append(Value(anchor.href, '<a rel="license">', anchor.where))
    title = root.find(".//title")
    if title is not None and text_of(title):
        evidence.titles.append(Value(text_of(title), "<title>", str(title.sourceline or "")))
    for meta in root.iter("meta"):
        target = _META_FIELDS.get((meta.get("name") or "").strip().lower())
        content = squash(meta.get("content") or "")
        if target and content:
            getattr(evidence, target).append(Value(content, f'<meta name="{meta.get("name")}">', str(meta.sourceline)))
    read_rdf(evidence, root, data, base or "file:///document.html")
    return evidence


def parse_xhtml(data: bytes) -> etree._Element:
    """An XHTML document, as XML when it is well-formed, else as HTML."""
    try:
        return plain(etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True)))
    except etree.XMLSyntaxError:
        import lxml.html

        return plain(lxml.html.document_fromstring(decode(data)))
