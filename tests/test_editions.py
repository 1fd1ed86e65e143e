"""Every edition carries the whole article, verbatim, and its colophon."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTICLE
from lxml import etree
from readers import NS, Epub, element_texts, html_tree, pdf_body_text, pdf_pages, squash, text_pattern

from publish.build.run import build

NOTICE = "This article is published under a Creative Commons License and may be republished with attribution."
DEED = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
LICENCE_NAME = "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International"


def test_build_writes_the_three_editions(editions: dict[str, Path]) -> None:
    assert sorted(editions) == ["epub", "html", "pdf"]
    for fmt, path in editions.items():
        assert path.name == f"us-north-korean-summitry-round-two.{fmt}"
        assert path.stat().st_size > 5000


# -- HTML ----------------------------------------------------------------------


def test_html_has_every_line_of_the_seed_as_an_element(editions: dict[str, Path], seed_lines: list[str]) -> None:
    texts = element_texts(html_tree(editions["html"]))
    missing = [line for line in seed_lines if line not in texts]
    assert missing == []


def test_html_shows_title_subtitle_byline_and_one_h1(editions: dict[str, Path], seed_lines: list[str]) -> None:
    root = html_tree(editions["html"])
    h1 = root.xpath("//h1")
    assert [squash(h.text_content()) for h in h1] == [seed_lines[0]]
    assert squash(root.xpath("//*[@class='subtitle']")[0].text_content()) == seed_lines[1]
    assert squash(root.xpath("//*[@class='byline']")[0].text_content()) == "By Dr James Person"
    assert root.get("lang") == "en"
    body_paragraphs = root.xpath("//div[@class='article-body']/p")
    assert [squash(p.text_content()) for p in body_paragraphs] == seed_lines[2:14]


def test_html_colophon_names_the_licence_and_its_status(editions: dict[str, Path]) -> None:
    root = html_tree(editions["html"])
    colophon = root.xpath("//section[@id='_colophon']")[0]
    links = colophon.xpath(".//a[@rel='license']")
    assert [(a.get("href"), squash(a.text_content())) for a in links] == [
        (DEED, LICENCE_NAME),
        (DEED, "CC BY-NC-ND 4.0"),
    ]
    text = squash(colophon.text_content())
    assert "CC BY-NC-ND 4.0" in text
    assert "Text unchanged; formatted as an HTML edition." in text
    assert "The licence is assumed. The original notice says only “a Creative Commons License”" in text
    assert NOTICE in element_texts(colophon)


def test_html_is_self_contained(editions: dict[str, Path]) -> None:
    root = html_tree(editions["html"])
    assert root.xpath("//link[@rel='stylesheet']") == []
    assert root.xpath("//script[@src] | //img[not(starts-with(@src, 'data:'))]") == []
    assert "font-family" in root.xpath("//style")[0].text


# -- EPUB ----------------------------------------------------------------------


def test_epub_spine_has_title_page_article_and_colophon_in_order(editions: dict[str, Path]) -> None:
    epub = Epub.open(editions["epub"])
    assert epub.spine() == [
        "EPUB/cover.xhtml",
        "EPUB/titlepage.xhtml",
        "EPUB/article.xhtml",
        "EPUB/colophon.xhtml",
    ]
    assert next(iter(epub.files)) == "mimetype"
    assert epub.files["mimetype"] == b"application/epub+zip"


def test_epub_has_every_line_of_the_seed_in_spine_order(editions: dict[str, Path], seed_lines: list[str]) -> None:
    epub = Epub.open(editions["epub"])
    spine_text = " ".join(squash("".join(doc.itertext())) for doc in epub.spine_documents())
    position = 0
    for line in seed_lines[:15]:  # the notice comes next, then again in the colophon
        found = spine_text.find(line, position)
        assert found >= 0, f"missing or out of order: {line[:60]}"
        position = found + len(line)
    texts = set().union(*(element_texts(doc) for doc in epub.spine_documents()))
    assert [line for line in seed_lines if line not in texts] == []


def test_epub_notice_on_the_title_page_and_in_the_colophon(editions: dict[str, Path]) -> None:
    epub = Epub.open(editions["epub"])
    assert NOTICE in element_texts(epub.document("EPUB/titlepage.xhtml"))
    colophon = epub.document("EPUB/colophon.xhtml")
    assert NOTICE in element_texts(colophon)
    text = squash("".join(colophon.itertext()))
    assert "Text unchanged; formatted as an EPUB edition." in text
    assert "The licence is assumed." in text
    hrefs = colophon.xpath("//x:a[@rel='license']/@href", namespaces=NS)
    assert hrefs == [DEED, DEED]


def test_epub_package_metadata(editions: dict[str, Path]) -> None:
    epub = Epub.open(editions["epub"])
    assert epub.opf.get("version") == "3.0"
    assert epub.metadata("dc:title/text()") == ["US and North Korean Summitry: Round Two"]
    assert epub.metadata("dc:creator/text()") == ["James Person"]
    assert epub.metadata("dc:language/text()") == ["en"]
    assert epub.metadata("dc:identifier/text()") == ["urn:uuid:a6cea8ee-b5d4-582f-aca6-c1fec0aa2eb3"]
    assert epub.metadata("dc:date/text()") == ["2026-11-27"]  # this edition; the original's is inferred
    assert epub.metadata("opf:meta[@property='dcterms:modified']/text()") == ["2026-11-27T00:00:00Z"]
    role = epub.metadata("opf:meta[@refines='#creator1'][@property='role']/text()")
    assert role == ["aut"]


def test_epub_has_a_nav_with_toc_and_landmarks(editions: dict[str, Path]) -> None:
    epub = Epub.open(editions["epub"])
    nav_href = epub.opf.xpath("//opf:item[@properties='nav']/@href", namespaces=NS)
    assert nav_href == ["nav.xhtml"]
    nav = epub.document("EPUB/nav.xhtml")
    toc = nav.xpath("//x:nav[@epub:type='toc']//x:a/@href", namespaces=NS)
    # the article's section headings nested under it, as in the PDF's outline
    assert toc == ["titlepage.xhtml", "article.xhtml", "article.xhtml#_about-author", "colophon.xhtml"]
    landmarks = dict(
        zip(
            nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@epub:type", namespaces=NS),
            nav.xpath("//x:nav[@epub:type='landmarks']//x:a/@href", namespaces=NS),
            strict=True,
        )
    )
    assert landmarks["bodymatter"] == "article.xhtml"
    assert landmarks["copyright-page"] == "colophon.xhtml"


def test_epub_documents_are_well_formed_xhtml(editions: dict[str, Path]) -> None:
    epub = Epub.open(editions["epub"])
    for name in [*epub.spine(), "EPUB/nav.xhtml"]:
        root = etree.fromstring(epub.files[name])
        assert root.tag == "{http://www.w3.org/1999/xhtml}html"
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


# -- PDF -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def pdf_page_text(editions: dict[str, Path]) -> str:
    return pdf_body_text(editions["pdf"], running_head="US and North Korean Summitry: Round Two")


def test_pdf_text_has_every_line_of_the_seed(pdf_page_text: str, seed_lines: list[str]) -> None:
    missing = [line[:60] for line in seed_lines if not text_pattern(line).search(pdf_page_text)]
    assert missing == []


def test_pdf_notice_on_the_first_page_and_in_the_colophon(editions: dict[str, Path], pdf_page_text: str) -> None:
    matches = list(text_pattern(NOTICE).finditer(pdf_page_text))
    assert len(matches) == 2
    assert text_pattern(NOTICE).search(pdf_pages(editions["pdf"])[0])
    colophon = pdf_page_text[pdf_page_text.index("Colophon") :]
    assert text_pattern(NOTICE).search(colophon)
    assert text_pattern("Text unchanged; formatted as a PDF edition.").search(colophon)
    assert text_pattern(LICENCE_NAME).search(colophon)
    assert text_pattern("The licence is assumed.").search(colophon)


def test_templates_escape_manuscript_text(tmp_path: Path) -> None:
    """Autoescape: markup in a front-matter field is shown as text, never parsed."""
    source = ARTICLE.read_text(encoding="utf-8").replace(
        'title: "US and North Korean Summitry: Round Two"', "title: 'Summitry <b>bold</b> & <script>x()</script>'"
    )
    manuscript = tmp_path / "escaped.md"
    manuscript.write_text(source, encoding="utf-8")
    build(manuscript, tmp_path / "out", formats=("html", "epub"), environ={})
    html, epub = tmp_path / "out" / "escaped.html", tmp_path / "out" / "escaped.epub"
    root = html_tree(html)
    assert [squash(h.text_content()) for h in root.xpath("//h1")] == ["Summitry <b>bold</b> & <script>x()</script>"]
    assert root.xpath("//b | //script[not(@type='application/ld+json')]") == []
    raw = html.read_text(encoding="utf-8")
    assert "&lt;script&gt;x()&lt;/script&gt;" in raw
    assert "\\u003c/script>" in raw  # inside the JSON-LD block, "</script>" cannot close it
    title_page = Epub.open(epub).document("EPUB/titlepage.xhtml")
    assert title_page.xpath("//x:b | //x:script", namespaces=NS) == []


def test_epub_embeds_the_pinned_fonts_and_a_generated_cover(editions: dict[str, Path]) -> None:
    epub = Epub.open(editions["epub"])
    fonts = epub.opf.xpath("//opf:item[@media-type='font/otf']/@href", namespaces=NS)
    assert sorted(fonts) == [
        f"fonts/Literata-{face}.otf" for face in ("400-italic", "400-normal", "700-italic", "700-normal")
    ]
    assert all(epub.files[f"EPUB/{name}"][:4] in (b"\x00\x01\x00\x00", b"OTTO") for name in fonts)
    css = epub.files["EPUB/css/style.css"].decode()
    assert css.count('url("../fonts/Literata-') == 4
    cover = epub.opf.xpath("//opf:item[@properties='cover-image']", namespaces=NS)
    assert [(c.get("href"), c.get("media-type")) for c in cover] == [("images/cover.png", "image/png")]
    assert epub.files["EPUB/images/cover.png"].startswith(b"\x89PNG")
    page = epub.document("EPUB/cover.xhtml")
    alt = page.xpath("//x:img/@alt", namespaces=NS)
    assert alt == ["Cover: US and North Korean Summitry: Round Two, by Dr James Person"]


def test_epub_accessibility_metadata(editions: dict[str, Path]) -> None:
    epub = Epub.open(editions["epub"])

    def values(prop: str) -> list[str]:
        return epub.metadata(f"opf:meta[@property='schema:{prop}']/text()")

    assert values("accessMode") == ["textual", "visual"]
    assert values("accessModeSufficient") == ["textual"]
    assert {"structuralNavigation", "tableOfContents", "readingOrder", "alternativeText", "unlocked"} <= set(
        values("accessibilityFeature")
    )
    assert values("accessibilityHazard") == ["none"]
    (summary,) = values("accessibilitySummary")
    assert "No digital rights management" in summary
