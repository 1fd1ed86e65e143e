"""The PDF's print job: everything WeasyPrint needs, made without WeasyPrint.

The main process prepares the job (templates, CSS, the XMP's rights) while the
PDF worker is still importing WeasyPrint; the job then crosses to the worker
as plain data.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyphen

if TYPE_CHECKING:
    from publish.document import Document

PAGE_SIZES = {"a4": "A4", "letter": "letter"}
FONT_SCHEME = "publish-font"  # url(publish-font:NAME) in the print CSS: a subset the job carries
# <img src="publish-image:figure.png">: an image beside the manuscript. WeasyPrint names each image in
# the PDF by a hash of its URL, so a file: URL would make the PDF depend on the folder it was built in.
IMAGE_SCHEME = "publish-image"


@dataclass(frozen=True)
class Rights:
    """What the XMP says about the licence, from the Attribution."""

    statement: str
    deed_url: str
    usage_terms: str
    attribution_name: str


@dataclass(frozen=True)
class PrintJob:
    """Everything WeasyPrint needs, in plain data that pickles cheaply."""

    html: str
    css: str
    base_url: str
    roots: tuple[Path, ...]
    rights: Rights
    source_date_epoch: int
    target: Path
    hyphenation: bytes = b""  # see hyphenation_patterns()
    identifier: str = ""  # the manuscript's: the PDF's permanent /ID
    endnotes_html: str = ""  # the same page with end notes instead of footnotes, if it has notes
    fonts: dict[str, bytes] = field(default_factory=dict)  # FONT_SCHEME names -> the subsets' bytes


def prepare(document: Document, out_dir: Path) -> PrintJob:
    """The print HTML and CSS, from the templates: the main process's share."""
    import lxml.html

    from publish.source.fragment import footnotes_possible, for_print, whole_compounds
    from publish.styling.css import file_uri, stylesheet
    from publish.styling.fonts import contexts, edition_fonts

    styles = document.styles
    manuscript = document.manuscript
    a = document.attribution

    def page(*, footnotes: bool) -> tuple[str, Any]:
        body = for_print(document.body_html, footnotes=footnotes)
        tree: Any = lxml.html.document_fromstring(styles.render("print.html.j2", **document.context("pdf", body)))
        whole_compounds(tree.body)
        for image in tree.iter("img"):  # named by the manuscript, not by where its folder is
            src = image.get("src", "")
            if src and ":" not in src.split("/", 1)[0]:
                image.set("src", f"{IMAGE_SCHEME}:{src}")
        return lxml.html.tostring(tree, doctype="<!DOCTYPE html>", encoding="unicode"), tree

    footnoted = footnotes_possible(document.body_html)
    html, tree = page(footnotes=footnoted)
    text = contexts(tree, manuscript.language)
    endnotes = ""
    if footnoted and "footnote-ref" in document.body_html:
        # The same page with end notes: WeasyPrint 70 drops a footnote now and then when notes
        # crowd a page; render() then lays this out instead, and no note is lost.
        endnotes, endnotes_tree = page(footnotes=False)
        for context, chars in contexts(endnotes_tree, manuscript.language).items():
            text.setdefault(context, set()).update(chars)
    # The subsets travel beside the CSS, not inside it as data: URIs, which WeasyPrint's CSS
    # tokenizer reads a character at a time (60 ms for the article's four faces).
    fonts = edition_fonts(
        document.typefaces, text, woff=False, url=lambda subset: f"{FONT_SCHEME}:{subset.file_name}", generic=False
    )
    css = fonts.css + stylesheet(styles, ("base", "print"), file_uri)
    css += f"\n@page {{ size: {PAGE_SIZES[document.paper]}; }}\n"
    return PrintJob(
        html=html,
        css=css,
        base_url=manuscript.folder.resolve().as_uri() + "/",
        roots=(manuscript.folder, *styles.folders),
        rights=Rights(a.rights_statement, a.licence.deed_url, a.usage_terms, a.byline),
        source_date_epoch=int(document.source_date.timestamp()),
        target=out_dir / f"{manuscript.slug}.pdf",
        hyphenation=hyphenation_patterns(manuscript.language),
        identifier=manuscript.identifier,
        endnotes_html=endnotes,
        fonts={subset.file_name: subset.data for subset in fonts.subsets},
    )


@functools.lru_cache(maxsize=8)
def hyphenation_patterns(language: str) -> bytes:
    """The language's hyphenation dictionary, parsed, as pyphen caches it.

    WeasyPrint hyphenates with pyphen, which parses its dictionary on first
    use: 40-odd milliseconds on the PDF worker's critical path. The main
    process, which has time to spare while the worker imports WeasyPrint,
    parses it instead and hands over the result; the worker puts it in
    pyphen's cache, once (a collection's build process lays out many PDFs).
    The patterns are the same, so the PDF is too.
    """
    import pickle

    found = pyphen.language_fallback(language.replace("-", "_"))
    if found is None or not hasattr(pyphen, "hdcache"):
        return b""
    pyphen.Pyphen(lang=found)  # parses into pyphen.hdcache
    path = pyphen.LANGUAGES[found]
    patterns = _NamesWhole.__new__(_NamesWhole)
    patterns.__dict__.update(vars(pyphen.hdcache[path]))
    return pickle.dumps({path: patterns})


class _NamesWhole(pyphen.HyphDict):  # type: ignore[misc]
    """The language's patterns, except that a capitalised word (a name, a place: "Pyongyang",
    "Republic") is never broken: a typesetter's rule the patterns do not know."""

    def positions(self, word: str) -> list[int]:
        return [] if word[:1].isupper() else list(super().positions(word))
