"""The EPUB 3 edition: XHTML from the templates, packaged by ebooklib.

ebooklib stamps the clock into every ZIP entry and writes entries in its own
order, so its archive is re-zipped deterministically afterwards.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ebooklib import epub
from lxml import etree

from publish.document import Document
from publish.errors import RenderError
from publish.zips import deterministic_zip

STYLESHEET = "css/style.css"
DOCUMENTS = (
    # file name, template, title for the nav, landmark type
    ("titlepage.xhtml", "epub/titlepage.xhtml.j2", "Title page", "titlepage"),
    ("article.xhtml", "epub/article.xhtml.j2", None, "bodymatter"),
    ("colophon.xhtml", "epub/colophon.xhtml.j2", "Colophon", "copyright-page"),
)
_FIRST = ("mimetype", "META-INF/container.xml", "EPUB/content.opf")


def _xhtml(document: Document, template: str, name: str) -> bytes:
    text = document.styles.render(template, stylesheet=STYLESHEET, **document.context("epub"))
    data = text.encode("utf-8")
    try:
        etree.fromstring(data)
    except etree.XMLSyntaxError as exc:  # a template or body that is not well-formed XML
        raise RenderError(f"EPUB {name} is not well-formed XHTML: {exc}") from exc
    return data


def _book(document: Document) -> epub.EpubBook:
    m = document.manuscript
    a = document.attribution
    book = epub.EpubBook()
    book.set_identifier(m.identifier)
    book.set_title(m.title)
    book.set_language(m.language)
    for number, author in enumerate(m.authors, start=1):
        book.add_author(author.name, role="aut", uid=f"creator{number}")
    book.add_metadata("DC", "date", m.date.iso)
    if m.subtitle:
        book.add_metadata("DC", "description", m.subtitle)
    for keyword in m.keywords:
        book.add_metadata("DC", "subject", keyword)
    book.add_metadata(
        "DC", "rights", f"{a.notice} This edition: {a.licence.name} ({a.licence.short_name}), {a.licence.deed_url}."
    )

    css = "\n".join(document.styles.read_text(f"css/{name}.css") for name in ("base", "epub"))
    book.add_item(epub.EpubItem(uid="style", file_name=STYLESHEET, media_type="text/css", content=css.encode()))

    toc = []
    for name, template, title, landmark in DOCUMENTS:
        uid = name.removesuffix(".xhtml")
        item = epub.EpubItem(
            uid=uid, file_name=name, media_type="application/xhtml+xml", content=_xhtml(document, template, name)
        )
        book.add_item(item)
        book.spine.append(item)
        label = title or m.title
        toc.append(epub.Link(name, label, uid))
        book.guide.append({"href": name, "title": label, "type": landmark})

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
    order = [n for n in _FIRST if n in contents] + sorted(n for n in contents if n not in _FIRST)
    data = deterministic_zip(((n, contents[n]) for n in order), document.source_date, stored=("mimetype",))

    target = out_dir / f"{document.manuscript.slug}.epub"
    target.write_bytes(data)
    return target
