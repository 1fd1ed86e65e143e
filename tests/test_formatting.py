"""Formatting that readers notice: typography, structure, the printed page."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from conftest import ARTICLE
from pdfua import pagination_artifacts
from readers import NS, Epub, html_tree, pdf_body_text, pdf_pages, squash

from publish.build.run import build

MM = 72 / 25.4
RUNNING_HEAD = "US and North Korean Summitry: Round Two"
STRAIGHT_QUOTES = re.compile("[\"']")


def _seed_body(seed_lines: list[str]) -> str:
    return " ".join(seed_lines[2:14])


# -- typography survives in every edition ---------------------------------------


def _html_body_text(path: Path) -> str:
    return squash(html_tree(path).xpath("//div[@class='article-body']")[0].text_content())


def _epub_body_text(path: Path) -> str:
    article = Epub.open(path).document("EPUB/article.xhtml")
    return squash("".join(article.xpath("//x:section[@class='article-body']", namespaces=NS)[0].itertext()))


@pytest.mark.parametrize("reader", [_html_body_text, _epub_body_text], ids=["html", "epub"])
def test_curly_quotes_apostrophes_and_dashes_survive(
    editions: dict[str, Path], seed_lines: list[str], reader: object
) -> None:
    fmt = "html" if reader is _html_body_text else "epub"
    text = reader(editions[fmt])  # type: ignore[operator]
    seed = _seed_body(seed_lines)
    assert text == seed
    for mark in "“”’—":
        assert text.count(mark) == seed.count(mark) > 0


def test_pdf_keeps_typography_and_ascii_hyphens(editions: dict[str, Path], seed_lines: list[str]) -> None:
    text = pdf_body_text(editions["pdf"], RUNNING_HEAD)
    seed = _seed_body(seed_lines)
    for mark in "“”’—":
        assert text.count(mark) >= seed.count(mark) > 0
    assert "\u2010" not in text, "hyphens must copy as ASCII hyphen-minus, not U+2010"
    joined = re.sub(r"-\n", "-", text)
    for word in ("short-term", "Trump-Kim", "Sino-Soviet", "less-than-credible", "CC BY-NC-ND 4.0"):
        assert word in joined
    assert "https://creativecommons.org/licenses/by-nc-nd/4.0/" in re.sub(r"\s+", "", text)


def test_no_straight_quotes_are_introduced(editions: dict[str, Path]) -> None:
    body = html_tree(editions["html"]).xpath("//body")[0]
    for code in body.xpath("//pre"):  # the HTML source offered to republishers
        code.getparent().remove(code)
    html_text = squash(body.text_content())
    epub = Epub.open(editions["epub"])
    epub_text = " ".join(squash("".join(doc.itertext())) for doc in epub.spine_documents())
    pdf_text = " ".join(pdf_pages(editions["pdf"]))
    for text in (html_text, epub_text, pdf_text):
        assert STRAIGHT_QUOTES.findall(text) == []


# -- structure -------------------------------------------------------------------


def test_one_h1_and_twelve_paragraphs_everywhere(editions: dict[str, Path]) -> None:
    html = html_tree(editions["html"])
    assert len(html.xpath("//h1")) == 1
    assert len(html.xpath("//div[@class='article-body']/p")) == 12
    epub = Epub.open(editions["epub"])
    h1 = [h for doc in epub.spine_documents() for h in doc.xpath("//x:h1", namespaces=NS)]
    assert len(h1) == 1
    article = epub.document("EPUB/article.xhtml")
    assert len(article.xpath("//x:section[@class='article-body']/x:p", namespaces=NS)) == 12
    with pikepdf.open(editions["pdf"]) as pdf:
        tags = _struct_tags(pdf.Root.StructTreeRoot)
    assert tags.count("/H1") == 1


def test_html_has_landmarks_language_and_colour_schemes(editions: dict[str, Path]) -> None:
    root = html_tree(editions["html"])
    assert root.get("lang") == "en"
    assert len(root.xpath("/html/body/main/article/header")) == 1
    assert len(root.xpath("/html/body/footer")) == 1
    assert root.xpath("//meta[@name='viewport']/@content") == ["width=device-width, initial-scale=1"]
    css = root.xpath("//style")[0].text
    assert "@media (prefers-color-scheme: dark)" in css
    assert "@media print" in css
    assert "max-width: 36em" in css  # a readable measure
    # The fonts travel inside: Literata's four faces, and the code face for the republisher's snippet.
    faces = re.findall(r'font-family: "([^"]+)"; src: url\("data:font/woff;base64,', css)
    assert sorted(faces) == ["JetBrains Mono"] * 4 + ["Literata"] * 4


def _struct_tags(node: object) -> list[str]:
    found: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, pikepdf.Array):
            for child in item:
                walk(child)
        elif isinstance(item, pikepdf.Dictionary):
            if "/S" in item:
                found.append(str(item.S))
            if "/K" in item:
                walk(item.K)

    walk(node)
    return found


# -- the printed page ------------------------------------------------------------


def test_pdf_page_size_fonts_and_metadata(editions: dict[str, Path]) -> None:
    with pikepdf.open(editions["pdf"]) as pdf:
        assert len(pdf.pages) >= 3
        for page in pdf.pages:
            width, height = float(page.mediabox[2]), float(page.mediabox[3])
            assert (round(width / MM), round(height / MM)) == (210, 297)
        fonts = {str(f.BaseFont) for page in pdf.pages for f in page.Resources.Font.values()}
        assert fonts, "fonts are embedded"
        assert all(re.fullmatch(r"/[A-Z]{6}\+Literata(-Bold|-Italic|-BoldItalic)?", f) for f in fonts), fonts


def test_us_letter_is_an_option(tmp_path: Path) -> None:
    build(ARTICLE, tmp_path, formats=("pdf",), paper="letter", environ={})
    with pikepdf.open(tmp_path / "us-north-korean-summitry-round-two.pdf") as pdf:
        box = pdf.pages[0].mediabox
        assert (float(box[2]), float(box[3])) == (612, 792)


def _char_boxes(page: pypdfium2.PdfPage) -> list[tuple[float, float, float, float]]:
    textpage = page.get_textpage()
    boxes = [textpage.get_charbox(i) for i in range(textpage.count_chars())]
    textpage.close()
    return [b for b in boxes if b[2] > b[0]]


def _furniture_glyphs(page: pikepdf.Page) -> dict[str, int]:
    """How many glyphs (form XObjects) each pagination artifact of the page draws."""
    return {subtype: ops.count("Do") for subtype, ops in pagination_artifacts(page)}


def test_pdf_margins_running_heads_and_page_numbers(editions: dict[str, Path]) -> None:
    pages = pdf_pages(editions["pdf"])
    first = [line.strip() for line in re.split(r"\r?\n", pages[0]) if line.strip()]
    assert RUNNING_HEAD.split(":")[0] in first[0]  # the title, not a running head
    assert not first[-1].isdigit(), "no page number on the first page"
    # The running heads and page numbers are drawn as shapes (publish.editions.pdftags): one glyph
    # form per character, inside a pagination artifact, at the top and at the foot of every later page.
    with pikepdf.open(editions["pdf"]) as document:
        for number, page in enumerate(document.pages, start=1):
            drawn = _furniture_glyphs(page)
            assert drawn == ({} if number == 1 else {"/Header": len(RUNNING_HEAD), "/Footer": len(str(number))})
    document = pypdfium2.PdfDocument(str(editions["pdf"]))
    try:
        page = document[1]
        width, height = page.get_size()
        boxes = _char_boxes(page)
        left = min(b[0] for b in boxes)
        right = max(b[2] for b in boxes)
        # the text block: 30 mm side margins; set ragged right, its longest line comes within 15 pt
        assert abs(left - 30 * MM) < 2
        assert -1 < (width - right) - 30 * MM < 15
        body = [b for b in boxes if 30 * MM < b[1] < height - 30 * MM]
        assert body, "text sits inside the vertical margins"
    finally:
        document.close()


def test_first_page_rendered_looks_like_a_title_page(editions: dict[str, Path]) -> None:
    """Rendered, not compared to a golden image: ink where it belongs, margins clear."""
    document = pypdfium2.PdfDocument(str(editions["pdf"]))
    try:
        image = document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    width, height = image.size
    pixels = image.load()

    def ink(box: tuple[int, int, int, int]) -> int:
        x0, y0, x1, y1 = box
        return sum(1 for x in range(x0, x1) for y in range(y0, y1) if pixels[x, y] < 128)

    margin_x, top, bottom = round(30 * MM) - 2, round(24 * MM) - 2, round(26 * MM) - 2
    assert ink((0, 0, width, top)) == 0, "nothing above the text block: no running head on page one"
    assert ink((0, height - bottom, width, height)) == 0, "no page number on page one"
    assert ink((0, 0, margin_x, height)) == 0
    assert ink((width - margin_x, 0, width, height)) == 0
    rows = [sum(1 for x in range(width) if pixels[x, y] < 128) for y in range(height)]
    inked = [y for y, count in enumerate(rows) if count]
    assert inked[0] < height * 0.2, "the title starts near the top"
    title_rows = rows[inked[0] : inked[0] + 40]
    body_rows = rows[height // 2 : height // 2 + 200]
    assert max(title_rows) > max(body_rows), "the title is set larger and bolder than the text"
    assert inked[-1] - inked[0] > height * 0.7, "text runs down the whole page"
