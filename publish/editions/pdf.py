"""The PDF edition: the print HTML laid out by WeasyPrint, as tagged PDF/UA-1.

Two steps: ``prepare`` turns the document into a PrintJob (the print HTML,
the CSS, what the XMP says), and ``render`` lays the job out. The PDF worker
imports this module (and so WeasyPrint) while the main process prepares the
job, then renders it. WeasyPrint is imported here and nowhere else: it takes
most of a second to import, and a build without a PDF should not pay for it.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import pickle
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, SubElement, fromstring, register_namespace, tostring

from publish.editions.printjob import FONT_SCHEME, IMAGE_SCHEME, PrintJob, Rights, prepare
from publish.errors import RenderError, ToolError
from publish.options import CC_NS
from publish.source.fetch import Fetcher, RefusedResourceError

FONTCONFIG = Path(__file__).with_name("fontconfig.xml")


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """One environment variable set for the length of a block, then restored."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            del os.environ[name]
        else:
            os.environ[name] = previous


@contextmanager
def _no_system_fonts() -> Iterator[None]:
    """fontconfig with no font folders, while WeasyPrint loads and lays out:
    a glyph none of the @font-face fonts has can then only be a .notdef,
    which WeasyPrint reports, never a system font standing in."""
    with _environment("FONTCONFIG_FILE", str(FONTCONFIG)), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "No fonts configured in FontConfig")
        yield


with _no_system_fonts():
    import weasyprint
    import weasyprint.pdf
    from weasyprint.formatting_structure import boxes as _boxes
    from weasyprint.pdf.metadata import DocumentMetadata
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    from publish.editions import pdftags

    weasyprint.pdf.add_tags = pdftags.add_tags  # the one function that writes the structure tree


if TYPE_CHECKING:
    from publish.document import Document


class _ConfinedFetcher(URLFetcher):  # type: ignore[misc]
    """WeasyPrint's side of publish.source.fetch: local allowed files, data:, and the font
    subsets the job carries (publish-font:NAME) only."""

    def __init__(self, fetcher: Fetcher, fonts: dict[str, bytes], base_url: str) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self._fetcher = fetcher
        self._fonts = fonts
        self._base_url = base_url

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(f"{IMAGE_SCHEME}:"):
            url = urljoin(self._base_url, url.removeprefix(f"{IMAGE_SCHEME}:"))
        if url.startswith(f"{FONT_SCHEME}:"):
            name = url.removeprefix(f"{FONT_SCHEME}:")
            if name not in self._fonts:
                raise ValueError(f"{url}: no such font subset in this job")
            return URLFetcherResponse(url, body=self._fonts[name], headers={"Content-Type": "font/otf"})
        try:
            body, media_type = self._fetcher.read(url)
        except RefusedResourceError as exc:
            raise ValueError(str(exc)) from None
        return URLFetcherResponse(url, body=body, headers={"Content-Type": media_type})


XMP_RIGHTS = "http://ns.adobe.com/xap/1.0/rights/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
register_namespace("xmpRights", XMP_RIGHTS)
register_namespace("cc", CC_NS)


class _AttributedMetadata(DocumentMetadata):  # type: ignore[misc]
    """WeasyPrint's XMP plus the rights: dc:rights, xmpRights and ccREL.

    WeasyPrint writes no dc:rights, and its ``xmp_metadata`` option adds a
    second RDF block that readers ignore, so the licence goes into the one
    RDF block WeasyPrint writes.
    """

    def __init__(self, base: DocumentMetadata, rights: Rights) -> None:
        super().__init__(**vars(base))
        self._rights = rights

    def generate_rdf_metadata(self, variant: Any, version: Any, conformance: Any) -> bytes:
        rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))
        a = self._rights
        description = SubElement(rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})

        def alt(parent: Element, text: str) -> None:
            item = SubElement(SubElement(parent, f"{{{RDF}}}Alt"), f"{{{RDF}}}li")
            item.set("xml:lang", "x-default")
            item.text = text

        alt(SubElement(description, f"{{{DC}}}rights"), a.statement)
        SubElement(description, f"{{{XMP_RIGHTS}}}Marked").text = "True"
        SubElement(description, f"{{{XMP_RIGHTS}}}WebStatement").text = a.deed_url
        alt(SubElement(description, f"{{{XMP_RIGHTS}}}UsageTerms"), a.usage_terms)
        SubElement(description, f"{{{CC_NS}}}license", {f"{{{RDF}}}resource": a.deed_url})
        SubElement(description, f"{{{CC_NS}}}attributionName").text = a.attribution_name
        return bytes(tostring(rdf, encoding="utf-8"))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _failing_on_warnings() -> Iterator[None]:
    """WeasyPrint logs problems instead of raising them; make them fail the build."""
    handler = _Collect()
    weasyprint.LOGGER.addHandler(handler)
    try:
        yield
    finally:
        weasyprint.LOGGER.removeHandler(handler)
    if any("HarfBuzz-Subset" in message for message in handler.messages):
        # fontTools would subset instead, with other bytes: a silent change of output.
        raise ToolError(
            "WeasyPrint needs the HarfBuzz subsetter for reproducible fonts: "
            "install libharfbuzz-subset0 (Debian, Ubuntu) or harfbuzz (other systems)"
        )
    if handler.messages:
        raise RenderError("WeasyPrint reported problems:\n  " + "\n  ".join(handler.messages))


_HYPHENATION_LOADED: set[bytes] = set()  # the patterns already in pyphen's cache


def render(job: PrintJob) -> Path:
    """Lay the job out with WeasyPrint and write the PDF: the worker's share."""
    if job.hyphenation and job.hyphenation not in _HYPHENATION_LOADED:  # once a process, not once a PDF
        import pyphen

        pyphen.hdcache.update(pickle.loads(job.hyphenation))
        _HYPHENATION_LOADED.add(job.hyphenation)
    fetcher = _ConfinedFetcher(Fetcher.of(*job.roots), job.fonts, job.base_url)
    # The trailer's /ID: the first part names the document (from its identifier, the same in every build
    # and every revision), the second this file's bytes (pydyf hashes them).
    permanent = hashlib.md5(job.identifier.encode(), usedforsecurity=False).hexdigest().encode()
    options: dict[str, Any] = {"pdf_variant": "pdf/ua-1", "pdf_identifier": permanent}
    # SOURCE_DATE_EPOCH is a guard: should WeasyPrint ever subset with fontTools
    # instead of HarfBuzz, fontTools stamps each font with it, not the clock.
    with _no_system_fonts(), _failing_on_warnings(), _environment("SOURCE_DATE_EPOCH", str(job.source_date_epoch)):
        fonts = FontConfiguration()  # without it, @font-face rules are ignored
        try:
            stylesheet = weasyprint.CSS(string=job.css, url_fetcher=fetcher, font_config=fonts)

            def lay_out(html: str) -> Any:
                return weasyprint.HTML(string=html, base_url=job.base_url, url_fetcher=fetcher).render(
                    stylesheets=[stylesheet], font_config=fonts, **options
                )

            rendered = place_figures(job.html, lay_out)
            if job.endnotes_html and lost_notes(rendered, job.html):
                rendered = place_figures(job.endnotes_html, lay_out)
            rendered.metadata = _AttributedMetadata(rendered.metadata, job.rights)
            # Info and XMP dates: the build date (SOURCE_DATE_EPOCH, else the edition's date), never the clock
            stamp = datetime.fromtimestamp(job.source_date_epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            rendered.metadata.created = rendered.metadata.modified = stamp
            pdftags.furniture(rendered.pages)
            pdf = rendered.write_pdf(**options)
        finally:
            _discard(fonts)
    job.target.write_bytes(pdf)
    return job.target


def _discard(fonts: Any) -> None:
    """Remove the folder where WeasyPrint wrote the @font-face fonts. It removes it itself only
    when the configuration is collected, which a worker that ends with os._exit never reaches:
    every PDF left a weasyprint-* folder in $TMPDIR."""
    import shutil

    folder = getattr(fonts, "_folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        fonts._folder = None


def lost_notes(document: Any, html: str) -> list[str]:
    """The footnotes (by id) that WeasyPrint did not set on any page.

    WeasyPrint 70 drops a footnote now and then when long notes crowd a page
    and are carried over: its text is then missing from the PDF, silently.
    Every footnote's id is an anchor where it is set, so a missing anchor is
    a lost note.
    """
    import re

    wanted = re.findall(r'<span class="footnote" id="([^"]+)"', html)
    placed = {name for page in document.pages for name in page.anchors}
    return [name for name in wanted if name not in placed]


_LINES = (_boxes.LineBox, _boxes.ReplacedBox)  # what a page's content is made of, for measuring it

# A page may be left this much empty, at most, by a figure that moved on to the next one.
MOST_EMPTY = 1 / 3
MOST_MOVES = 8  # layouts, at most, spent on placing figures: each is a full layout


def place_figures(html: str, lay_out: Callable[[str], Any]) -> Any:
    """The laid-out document, with each figure that did not fit moved on past the text after it.

    A figure is never split, so one that does not fit where it stands starts
    the next page and leaves the rest of this one empty. A typesetter floats
    it instead: the text flows on to fill the page, and the figure heads the
    next. WeasyPrint has no page floats, so this is done by moving the
    figure, in the print HTML, past the paragraph (or list, or quotation)
    that follows it, and laying out again, until no page is left more than a
    third empty before a figure. A figure never moves past a heading, out of
    its section. The editions' other forms keep the manuscript's order.
    """
    import lxml.html

    document = lay_out(html)
    for _ in range(MOST_MOVES):
        tree = lxml.html.document_fromstring(html)
        figures = list(tree.iter("figure"))
        movable = [
            (figures[n], count)
            for n, count in _stranded_figures(document)
            if n < len(figures) and getattr(figures[n].getnext(), "tag", None) in _FLOWING
        ]
        if not movable:
            break
        figure, count = movable[0]
        for _ in range(count):
            following = figure.getnext()
            if following is None or following.tag not in _FLOWING:
                break
            following.addnext(figure)
        html = lxml.html.tostring(tree, doctype="<!DOCTYPE html>", encoding="unicode")
        document = lay_out(html)
    return document


_FLOWING = frozenset({"p", "ul", "ol", "dl", "blockquote", "pre", "table"})  # text a figure may move past


def _stranded_figures(document: Any) -> Iterator[tuple[int, int]]:
    """Each figure heading a page after one left more than a third empty: its number in document
    order, and how many of the blocks after it would fill the gap (one at least)."""
    pages = [page._page_box for page in document.pages]
    elements = [el for el in pages[0].children[0].element.iter() if isinstance(el.tag, str)]  # one tree, all pages
    parents = {child: parent for parent in elements for child in parent}
    figures = [el for el in elements if el.tag.rsplit("}", 1)[-1] == "figure"]
    heights: dict[int, float] = {}  # id(element) -> its height, over all its pages
    for page in pages:
        for box in pdftags.descendants(page.children[0]):
            if isinstance(box, _boxes.BlockBox) and box.element is not None and not box.element_tag.count("::"):
                heights[id(box.element)] = heights.get(id(box.element), 0) + box.margin_height()
    for previous, page in itertools.pairwise(pages):
        root = page.children[0]
        figure = next((b for b in pdftags.descendants(root) if b.element_tag == "figure"), None)
        if figure is None or not _heads_page(figure, root, page.content_box_y(), parents):
            continue
        lines = [b for b in pdftags.descendants(previous.children[0]) if isinstance(b, _LINES)]
        notes = next((b for b in previous.children if isinstance(b, _boxes.FootnoteAreaBox) and b.children), None)
        bottom = notes.position_y if notes is not None else previous.content_box_y() + previous.height
        gap = bottom - max((b.position_y + b.margin_height() for b in lines), default=previous.content_box_y())
        if gap <= MOST_EMPTY * previous.height:
            continue
        siblings = list(parents[figure.element])
        after = siblings[siblings.index(figure.element) + 1 :]
        count, filled = 0, 0.0
        for element in after:
            filled += heights.get(id(element), gap)
            if count and filled > gap:
                break
            count += 1
        yield figures.index(figure.element), count


def _heads_page(figure: Any, root: Any, top: float, parents: dict[Any, Any]) -> bool:
    """Whether the figure is the first thing on its page, or comes straight after a heading that is."""
    before = [b for b in pdftags.descendants(root) if isinstance(b, _LINES) and b.position_y < figure.position_y]
    if not before:
        return bool(figure.position_y <= top + 1)
    owners = {b.element for b in before}
    if len(owners) != 1:
        return False
    (heading,) = owners
    tag = str(heading.tag).rsplit("}", 1)[-1] if heading is not None else ""
    if tag not in ("h1", "h2", "h3", "h4", "h5", "h6") or heading not in parents:
        return False
    siblings = list(parents[heading])
    index = siblings.index(heading)
    return bool(index + 1 < len(siblings) and siblings[index + 1] is figure.element)


def build_pdf(document: Document, out_dir: Path) -> Path:
    return render(prepare(document, out_dir))
