"""The OPDS 1.2 acquisition feed and the Atom feed (RFC 4287) of a reading room.

Both are Atom documents with one entry an article. The OPDS feed gives apps
what they show and fetch: the Dublin Core language and date of issue, the
cover and its thumbnail, and one open-access acquisition link an edition,
with its media type. The Atom feed gives feed readers the article's page
(its HTML edition) and the other editions as enclosures. Every entry carries
``rights``: the notice and the licence. Dates are the builds' source dates,
ids the manuscripts' identifiers: nothing comes from the clock. The original's
date is given only as precisely as the manuscript knows it (``dc:issued``
2019-02), so the Atom feed, whose ``published`` must be a full date-time,
leaves it out rather than invent a day.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from publish.room.catalogue import ATOM, ATOM_TYPE, OPDS, OPDS_TYPE, PAGE, Entry, feed_id

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/terms/"
OPDS_NS = "http://opds-spec.org/2010/catalog"
ACQUISITION = "http://opds-spec.org/acquisition/open-access"
IMAGE = "http://opds-spec.org/image"
THUMBNAIL = "http://opds-spec.org/image/thumbnail"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    namespace, _, name = tag.partition(":")
    uri = {"atom": ATOM_NS, "dc": DC_NS, "opds": OPDS_NS}[namespace]
    element = etree.SubElement(parent, f"{{{uri}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def _href(base_url: str | None, relative: str) -> str:
    return (base_url or "") + relative


def _rights(entry: Entry) -> str:
    licence = entry.info["licence"]
    assumed = " (assumed: the original names no specific licence)" if licence["assumed"] else ""
    return f"{entry.info['notice']} Licence: {licence['name']}{assumed}, {licence['url']}"


def _common(parent: etree._Element, entry: Entry) -> None:
    info = entry.info
    _el(parent, "atom:title", str(info["title"]))
    _el(parent, "atom:id", str(info["identifier"]))
    _el(parent, "atom:updated", entry.updated)
    for name in info["authors"]:
        author = _el(parent, "atom:author")
        _el(author, "atom:name", str(name))
    _el(parent, "atom:rights", _rights(entry))
    if info["subtitle"]:
        _el(parent, "atom:summary", str(info["subtitle"]), type="text")
    for keyword in info["keywords"]:
        _el(parent, "atom:category", term=str(keyword))


def _feed(title: str, kind: str, entries: Sequence[Entry], base_url: str | None) -> etree._Element:
    namespaces = {None: ATOM_NS, "dc": DC_NS} if kind == "opds" else {None: ATOM_NS}
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap=namespaces)  # type: ignore[arg-type]
    _el(feed, "atom:id", feed_id(kind, entries, base_url))
    _el(feed, "atom:title", title)
    _el(feed, "atom:updated", max((e.updated for e in entries), default="1970-01-01T00:00:00Z"))
    return feed


def _serialise(feed: etree._Element) -> bytes:
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def opds(title: str, entries: Sequence[Entry], base_url: str | None = None) -> bytes:
    """An OPDS 1.2 acquisition feed of the entries."""
    feed = _feed(title, "opds", entries, base_url)
    _el(feed, "atom:link", rel="self", href=_href(base_url, OPDS), type=OPDS_TYPE)
    _el(feed, "atom:link", rel="start", href=_href(base_url, OPDS), type=OPDS_TYPE)
    _el(feed, "atom:link", rel="alternate", href=_href(base_url, PAGE), type="text/html")
    for entry in entries:
        element = _el(feed, "atom:entry")
        _common(element, entry)
        _el(element, "dc:language", str(entry.info["language"]))
        _el(element, "dc:issued", str(entry.info["date"]["iso"]))
        if entry.cover is not None:
            _el(element, "atom:link", rel=IMAGE, href=_href(base_url, entry.cover), type="image/png")
        if entry.thumbnail is not None:
            _el(element, "atom:link", rel=THUMBNAIL, href=_href(base_url, entry.thumbnail), type="image/png")
        for edition in entry.editions:
            _el(element, "atom:link", rel=ACQUISITION, href=_href(base_url, edition.href), type=edition.media_type,
                title=f"{edition.label} edition", length=str(edition.size))  # fmt: skip
        _page(element, entry, base_url)
    return _serialise(feed)


def _page(element: etree._Element, entry: Entry, base_url: str | None) -> None:
    """The entry's page, which Atom asks of an entry without content: the HTML edition, or the
    article on the download page when the build made no HTML."""
    html = next((e for e in entry.editions if e.media_type == "text/html"), None)
    href = html.href if html is not None else f"{PAGE}#{entry.slug}"
    _el(element, "atom:link", rel="alternate", href=_href(base_url, href), type="text/html")


def atom(title: str, entries: Sequence[Entry], base_url: str | None = None) -> bytes:
    """An Atom 1.0 feed of the entries: the HTML edition as each one's page, the others enclosed."""
    feed = _feed(title, "atom", entries, base_url)
    _el(feed, "atom:link", rel="self", href=_href(base_url, ATOM), type=ATOM_TYPE)
    _el(feed, "atom:link", rel="alternate", href=_href(base_url, PAGE), type="text/html")
    for entry in entries:
        element = _el(feed, "atom:entry")
        _common(element, entry)
        _page(element, entry, base_url)
        for edition in entry.editions:
            if edition.media_type != "text/html":
                _el(element, "atom:link", rel="enclosure", href=_href(base_url, edition.href),
                    type=edition.media_type, title=f"{edition.label} edition", length=str(edition.size))  # fmt: skip
    return _serialise(feed)
