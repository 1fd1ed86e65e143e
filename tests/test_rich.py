"""A manuscript richer than the article builds just as well."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdfium2
from readers import NS, Epub, html_tree, squash

ALT = "A grey square with a darker border, standing in for a chart"


def test_html_has_every_block_with_linked_notes(rich_editions: dict[str, Path]) -> None:
    root = html_tree(rich_editions["html"])
    body = root.xpath("//div[@class='article-body']")[0]
    assert [squash(h.text_content()) for h in body.xpath(".//h2")] == [
        "Why notes matter",
        "A table and a figure",
        "Notes",
    ]
    assert len(body.xpath(".//blockquote")) == 1
    assert len(body.xpath(".//ul/li")) == 3
    assert len(body.xpath(".//ol/li")) == 3 + 2  # the list and the two notes
    assert len(body.xpath(".//table//tr")) == 4
    images = body.xpath(".//img")
    assert [img.get("alt") for img in images] == [ALT]
    assert images[0].get("src").startswith("data:image/png;base64,")
    refs = body.xpath(".//a[@class='footnote-ref']")
    backs = body.xpath(".//a[@class='footnote-back']")
    assert [r.get("href") for r in refs] == ["#_fn1", "#_fn2"]  # the editions' own ids start with _
    assert [b.get("href") for b in backs] == ["#_fnref1", "#_fnref2"]
    assert "https://example.org/notes" in body.xpath(".//a/@href")


def test_epub_notes_are_linked_both_ways_and_the_image_is_packaged(rich_editions: dict[str, Path]) -> None:
    epub = Epub.open(rich_editions["epub"])
    article = epub.document("EPUB/article.xhtml")
    refs = article.xpath("//x:a[@epub:type='noteref']", namespaces=NS)
    notes = article.xpath("//x:section[@epub:type='endnotes']//x:li[@epub:type='endnote']", namespaces=NS)
    assert [r.get("href") for r in refs] == ["#_fn1", "#_fn2"]
    assert [n.get("id") for n in notes] == ["_fn1", "_fn2"]
    for ref, note in zip(refs, notes, strict=True):
        back = note.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS)
        assert back == [f"#{ref.get('id')}"]
    images = article.xpath("//x:img", namespaces=NS)
    assert [(img.get("alt"), img.get("src")) for img in images] == [(ALT, "images/001.png")]
    assert "EPUB/images/001.png" in epub.files
    manifest = epub.opf.xpath("//opf:item[@href='images/001.png']/@media-type", namespaces=NS)
    assert manifest == ["image/png"]


def test_pdf_footnotes_sit_at_the_foot_of_the_page_that_cites_them(rich_editions: dict[str, Path]) -> None:
    document = pypdfium2.PdfDocument(str(rich_editions["pdf"]))
    try:
        for call_text, note_text in (("main text clean.", "The first note"), ("second note.", "The second note")):
            for page in document:
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                if call_text in text:
                    assert note_text in text, f"{note_text!r} is on the page of its call"
                    searcher = textpage.search(note_text)
                    found = searcher.get_next()
                    assert found is not None
                    top = textpage.get_charbox(found[0])[3]
                    assert top < page.get_height() * 0.2, "the note sits at the foot of the page"
                    searcher.close()
                    textpage.close()
                    break
                textpage.close()
            else:
                raise AssertionError(f"no page cites {call_text!r}")
    finally:
        document.close()


def test_pdf_figure_keeps_its_alt_text_and_links_are_clickable(rich_editions: dict[str, Path]) -> None:
    with pikepdf.open(rich_editions["pdf"]) as pdf:
        alts = []

        def walk(item: object) -> None:
            if isinstance(item, pikepdf.Array):
                for child in item:
                    walk(child)
            elif isinstance(item, pikepdf.Dictionary):
                if item.get("/S") == "/Figure":
                    alts.append(str(item.get("/Alt")))
                if "/K" in item:
                    walk(item.K)

        walk(pdf.Root.StructTreeRoot)
        uris = {str(a.A.URI) for p in pdf.pages for a in p.get("/Annots", []) if "/A" in a and "/URI" in a.A}
    assert alts == [ALT]
    assert {"https://example.org/notes", "https://example.org/first"} <= uris


def test_notes_text_and_typography_in_the_pdf(rich_editions: dict[str, Path]) -> None:
    document = pypdfium2.PdfDocument(str(rich_editions["pdf"]))
    try:
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    assert "“quoted phrase”" in text
    assert "apostrophe’s" in text
    assert re.search(r"help\s+—\s+and", text)


def test_print_math_for_roots_phantoms_boxes_and_bold() -> None:
    """MathML the print edition lays out as HTML: an nth root, a phantom, a box."""
    import pypandoc
    from lxml import etree

    from publish.options import MATHML_NS
    from publish.source.mathprint import mathml_to_html

    html = pypandoc.convert_text(
        r"$\sqrt[3]{x} + \phantom{y} + \boxed{z}$", "html", format="markdown", extra_args=["--mathml"]
    )
    math = etree.fromstring(html.strip().removeprefix("<p>").removesuffix("</p>"))
    assert math.tag == f"{{{MATHML_NS}}}math"
    out = etree.tostring(mathml_to_html(math), encoding="unicode")
    for css_class in ("root-index", "phantom", "enclose"):
        assert f'class="{css_class}' in out or f" {css_class}" in out, (css_class, out)
