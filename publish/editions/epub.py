"""The EPUB 3 edition: XHTML from the templates, packaged by ebooklib.

ebooklib stamps the clock into every ZIP entry and writes entries in its own
order, so its archive is re-zipped deterministically afterwards.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

from ebooklib import epub
from lxml import etree

from publish.attribution.kit import image_names
from publish.document import Document
from publish.editions.cover import make_cover
from publish.errors import RenderError
from publish.options import CC_NS, MATHML_NS
from publish.source.fetch import media_type
from publish.source.fragment import for_epub
from publish.styling.css import stylesheet, without_custom_properties
from publish.styling.fonts import contexts, edition_fonts, merge
from publish.zips import deterministic_zip

STYLESHEET = "css/style.css"
FONTS = "fonts"
COVER_IMAGE = "images/cover.png"
_OPF = "EPUB/content.opf"
_FIRST = ("mimetype", "META-INF/container.xml", _OPF)
_COMPRESSED = (".png", ".jpg", ".gif", ".webp", ".woff", ".woff2")


@dataclass(frozen=True)
class _Page:
    name: str
    template: str
    title: str | None  # None: the article's own title
    landmark: str


PAGES = (
    _Page("cover.xhtml", "epub/cover.xhtml.j2", "Cover", "cover"),
    _Page("titlepage.xhtml", "epub/titlepage.xhtml.j2", "Title page", "titlepage"),
    _Page("article.xhtml", "epub/article.xhtml.j2", None, "bodymatter"),
    _Page("colophon.xhtml", "epub/colophon.xhtml.j2", "Colophon", "copyright-page"),
)


CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"  # the wording EPUB Accessibility 1.1 prescribes


def _accessibility(book: epub.EpubBook, document: Document) -> None:
    """Schema.org accessibility metadata that claims only what is true."""
    has_figures = bool(document.images)
    modes = ["textual", "visual"]  # the cover is an image, with its text as alt
    features = [
        "structuralNavigation",
        "tableOfContents",
        "readingOrder",
        "alternativeText",
        "displayTransformability",
        "unlocked",
    ]
    for mode in modes:
        book.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    book.add_metadata(None, "meta", "textual", {"property": "schema:accessModeSufficient"})
    for feature in features:
        book.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    book.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
    figures = " Every figure has a text alternative." if has_figures else ""
    publisher = document.manuscript.publisher
    # A conformance claim needs someone to stand behind it: the publisher, when the manuscript names
    # one. The checks behind it are the build's own (EPUBCheck, Ace by DAISY, axe-core: no violation
    # on any fixture), so the claim says it is the publisher's assessment, not a third party's.
    claim = (
        f" Conforms to {CONFORMANCE}, in {publisher}'s own assessment, made with EPUBCheck and Ace by DAISY;"
        " not certified by a third party."
        if publisher
        else ""
    )
    summary = (
        "Reflowable text with headings, a table of contents and landmarks, in a logical reading order. "
        f"The cover image repeats the title and author, which are also given as text.{figures} "
        f"No digital rights management. No known hazards.{claim}"
    )
    book.add_metadata(None, "meta", summary, {"property": "schema:accessibilitySummary"})
    if publisher:
        book.add_metadata(None, "meta", CONFORMANCE, {"property": "dcterms:conformsTo"})
        book.add_metadata(None, "meta", publisher, {"property": "a11y:certifiedBy"})
        book.add_metadata("DC", "publisher", publisher)


def _xhtml(document: Document, page: _Page, body: str) -> bytes:
    context = document.context("epub", body)
    text = document.styles.render(page.template, stylesheet=STYLESHEET, cover=COVER_IMAGE, **context)
    data = text.encode("utf-8")
    try:
        etree.fromstring(data)
    except etree.XMLSyntaxError as exc:  # a template that is not well-formed XML
        raise RenderError(f"EPUB {page.name} is not well-formed XHTML: {exc}") from exc
    return data


def _stylesheet(book: epub.EpubBook, document: Document, pages: list[bytes], labels: list[str]) -> None:
    """The one stylesheet, with the fonts it names: subsets of the glyphs that
    the pages and the navigation's labels use."""
    lang = document.manuscript.language
    found = merge(
        *(contexts(etree.fromstring(page), lang) for page in pages),
        {("text", lang): {ord(c) for c in "".join(labels)}},
    )
    fonts = edition_fonts(
        document.typefaces,
        found,
        woff=False,  # OpenType: Calibre's AZW3 writer and Adobe-engine readers drop WOFF fonts
        url=lambda subset: posixpath.relpath(f"{FONTS}/{subset.file_name}", posixpath.dirname(STYLESHEET)),
        generic=True,
    )
    packaged: dict[str, bytes] = {}

    def package(relative: str, path: Path) -> str:
        packaged[relative] = path.read_bytes()
        return posixpath.relpath(relative, posixpath.dirname(STYLESHEET))

    css = without_custom_properties(fonts.css + stylesheet(document.styles, ("base", "epub"), package), "EPUB")
    book.add_item(epub.EpubItem(uid="style", file_name=STYLESHEET, media_type="text/css", content=css.encode()))
    for number, subset in enumerate(fonts.subsets, start=1):
        book.add_item(
            epub.EpubItem(
                uid=f"font{number}",
                file_name=f"{FONTS}/{subset.file_name}",
                media_type=subset.media_type,
                content=subset.data,
            )
        )
    for number, (relative, data) in enumerate(sorted(packaged.items()), start=1):
        book.add_item(
            epub.EpubItem(uid=f"res{number}", file_name=relative, media_type=media_type(Path(relative)), content=data)
        )


XHTML = "http://www.w3.org/1999/xhtml"
TocEntry: TypeAlias = Any  # an epub.Link, or (epub.Section, [TocEntry, ...]): ebooklib has no types


def _outline(name: str, label: str, uid: str, page: bytes) -> TocEntry:
    """The article's entry in the table of contents, with its section headings nested under it,
    as the PDF's outline has them: the manuscript's sections, then the notes and the biography."""
    root = etree.fromstring(page)
    top: list[TocEntry] = []
    stack: list[tuple[int, list[TocEntry]]] = [(1, top)]
    for heading in root.iter(*(f"{{{XHTML}}}h{n}" for n in range(2, 7))):
        ident = heading.get("id", "")
        if not ident:
            continue
        level = int(str(heading.tag)[-1])
        while stack[-1][0] >= level:
            stack.pop()
        kids: list[TocEntry] = []
        text = " ".join("".join(str(t) for t in heading.itertext()).split())
        stack[-1][1].append((epub.Section(text, f"{name}#{ident}"), kids))
        stack.append((level, kids))

    def tidy(entries: list[TocEntry]) -> list[TocEntry]:
        out: list[TocEntry] = []
        for entry in entries:
            assert isinstance(entry, tuple)
            section, kids = entry
            ident = "toc-" + section.href.partition("#")[2]
            out.append((section, tidy(kids)) if kids else epub.Link(section.href, section.title, ident))
        return out

    nested = tidy(top)
    return (epub.Section(label, name), nested) if nested else epub.Link(name, label, uid)


def _package_language(opf: bytes, language: str) -> bytes:
    """xml:lang on <package>: the language of the package's own text (the title, the summary),
    which Ace by DAISY asks for and ebooklib does not write."""
    root = etree.fromstring(opf)
    root.set("{http://www.w3.org/XML/1998/namespace}lang", language)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _book(document: Document) -> epub.EpubBook:
    m = document.manuscript
    a = document.attribution
    book = epub.EpubBook()
    book.set_identifier(m.identifier)
    book.set_title(m.title)
    book.set_language(m.language)
    for number, author in enumerate(m.authors, start=1):
        book.add_author(author.name, role="aut", uid=f"creator{number}")
    # dc:date is the date of this EPUB publication (EPUB 3.3), a fact; the
    # original's date, inferred here, is in the colophon and the JSON-LD.
    book.add_metadata("DC", "date", m.edition_date.isoformat())
    if m.subtitle:
        book.add_metadata("DC", "description", m.subtitle)
    for keyword in m.keywords:
        book.add_metadata("DC", "subject", keyword)
    book.add_metadata("DC", "rights", a.rights_statement)
    if a.source_url:
        book.add_metadata("DC", "source", a.source_url)
    book.add_prefix("cc", CC_NS)
    book.add_metadata(None, "link", None, {"rel": "cc:license", "href": a.licence.deed_url})
    book.add_metadata(None, "meta", a.byline, {"property": "cc:attributionName"})
    _accessibility(book, document)

    sources = image_names(document)  # never the manuscript's own file names
    for number, image in enumerate(document.images, start=1):
        name = sources[image.src]
        book.add_item(
            epub.EpubItem(
                uid=f"img{number}", file_name=name, media_type=image.media_type, content=image.path.read_bytes()
            )
        )

    cover = epub.EpubCover(uid="cover-image", file_name=COVER_IMAGE)
    cover.content = make_cover(document.typefaces, m.title, m.byline, m.language)
    book.add_item(cover)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})

    body = for_epub(document.body_html, sources)
    toc = []
    pages = {page.name: _xhtml(document, page, body) for page in PAGES}
    for page in PAGES:
        uid = page.name.removesuffix(".xhtml")
        content = pages[page.name]
        item = epub.EpubItem(uid=uid, file_name=page.name, media_type="application/xhtml+xml", content=content)
        if MATHML_NS.encode() in content:
            item.properties = ["mathml"]  # EPUB 3.3: a document with MathML says so in the manifest
        book.add_item(item)
        book.spine.append(item)
        label = page.title or m.title
        if page.landmark == "bodymatter":
            toc.append(_outline(page.name, label, uid, content))
        elif page.landmark != "cover":
            toc.append(epub.Link(page.name, label, uid))
        book.guide.append({"href": page.name, "title": label, "type": page.landmark})
    labels = ["Contents", *(page.title or m.title for page in PAGES)]
    _stylesheet(book, document, list(pages.values()), labels)

    nav = epub.EpubNav(title="Contents")
    nav.add_link(href=STYLESHEET, rel="stylesheet", type="text/css")
    book.add_item(nav)
    book.add_item(epub.EpubNcx())
    book.toc = toc
    return book


def build_epub(document: Document, out_dir: Path) -> Path:
    book = _book(document)
    raw = io.BytesIO()
    options = {
        "mtime": document.source_date,
        "epub2_guide": False,
        "epub3_pages": False,
        "raise_exceptions": True,
    }
    try:
        ok = epub.write_epub(raw, book, options)
    except (OSError, ValueError) as exc:
        raise RenderError(f"ebooklib could not write the EPUB: {exc}") from exc
    if not ok:
        raise RenderError("ebooklib could not write the EPUB (write_epub returned False)")

    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    contents[_OPF] = _package_language(contents[_OPF], document.manuscript.language)
    order = [n for n in _FIRST if n in contents] + sorted(n for n in contents if n not in _FIRST)
    # mimetype must be stored; images and fonts are compressed already, so
    # deflating them again would only cost time.
    stored = ["mimetype", *(n for n in order if n.endswith(_COMPRESSED))]
    data = deterministic_zip(((n, contents[n]) for n in order), document.source_date, stored=stored)

    target = out_dir / f"{document.manuscript.slug}.epub"
    target.write_bytes(data)
    return target
