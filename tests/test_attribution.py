"""Attribution everywhere: one model, rendered for readers and machines alike."""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
import pikepdf
import pypdf
import pytest
from conftest import ARTICLE, RICH
from lxml import etree
from readers import NS, Epub, element_texts, html_tree, pdf_text, squash

from publish.attribution.model import Attribution
from publish.source.manuscript import load

NOTICE = "This article is published under a Creative Commons License and may be republished with attribution."
DEED = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
NAME = "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International"
CREDIT = (
    "“US and North Korean Summitry: Round Two” by Dr James Person. Published under a Creative Commons "
    "licence; used here under CC BY-NC-ND 4.0 (https://creativecommons.org/licenses/by-nc-nd/4.0/), the "
    "licence this edition assumes. Text unchanged."
)
RICH_CREDIT = (
    "“Field Notes on Footnotes” by Prof. Jane Roe and Richard Miles, first published by The Example Review "
    "(https://example.org/field-notes-on-footnotes), is licensed under CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/). Text unchanged."
)
XMP_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
    "cc": "http://creativecommons.org/ns#",
}


@pytest.fixture(scope="module")
def article() -> Attribution:
    return Attribution.of(load(ARTICLE))


@pytest.fixture(scope="module")
def rich() -> Attribution:
    return Attribution.of(load(RICH))


# What the article's editions must say, written out: a test that compared the output with the
# code's own rights_statement would pass with both wrong.
ASSUMED = (
    "This edition assumes the Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International "
    "licence (CC BY-NC-ND 4.0), https://creativecommons.org/licenses/by-nc-nd/4.0/: the most restrictive "
    "reading of the original notice. The licence is assumed. The original notice says only “a Creative "
    "Commons License” and names no specific licence, so this edition takes the most restrictive reading. "
    "That reading is an assumption; the licence that really applies is the original’s, and a copy should "
    "name and link that licence if it becomes known."
)
RIGHTS = (
    "This article is published under a Creative Commons License and may be republished with attribution. " + ASSUMED
)
USAGE_TERMS = (
    ASSUMED + " Credit: “US and North Korean Summitry: Round Two” by Dr James Person. Published under a Creative "
    "Commons licence; used here under CC BY-NC-ND 4.0 (https://creativecommons.org/licenses/by-nc-nd/4.0/), "
    "the licence this edition assumes. Text unchanged."
)

# -- the model -------------------------------------------------------------------


def test_credit_lines_follow_tasl(article: Attribution, rich: Attribution) -> None:
    assert article.credit_line == CREDIT
    assert rich.credit_line == RICH_CREDIT


def test_terms_follow_the_licence(article: Attribution, rich: Attribution) -> None:
    nd = article.terms
    assert nd.may == (
        "copy and share the article, in whole or in part, for non-commercial purposes only (§2(a)(1)(A))",
        "change its medium or format: technical modifications never make Adapted Material (§2(a)(4))",
    )
    assert "say whether you changed it, keeping “Text unchanged” only if you did not (§3(a)(1)(B))" in nd.must
    assert any(t.startswith("share Adapted Material: the article translated") for t in nd.must_not)
    assert "copy, share or adapt it for commercial purposes (§2(a)(1))" in nd.must_not
    assert nd.intro.startswith("What CC BY-NC-ND 4.0 allows and asks, as this edition reads the licence")
    assert nd.guide is not None
    by = rich.terms
    assert by.may[0].endswith("in whole or in part (§2(a)(1)(A))")
    assert by.may[2].startswith("adapt it")
    assert "say whether you changed it, keeping “Text unchanged” only if you did not (§3(a)(1)(B))" in by.must
    assert not any("Adapted Material" in t or "commercial" in t for t in by.must_not)
    assert "assume" not in by.intro
    assert by.guide is None


def test_no_copyright_holder_or_year_is_invented(article: Attribution) -> None:
    data = article.json_ld()
    assert data["copyrightNotice"] == NOTICE
    assert "copyrightHolder" not in data
    assert "copyrightYear" not in data
    assert "©" not in json.dumps(data, ensure_ascii=False)


# -- HTML ------------------------------------------------------------------------


def _json_ld(root: etree._Element) -> dict[str, object]:
    (script,) = root.xpath("//script")
    assert script.get("type") == "application/ld+json"
    return json.loads(script.text)  # type: ignore[no-any-return]


def test_html_machine_readable_attribution(editions: dict[str, Path]) -> None:
    root = html_tree(editions["html"])
    assert root.xpath("//head/link[@rel='license']/@href") == [DEED]
    assert set(root.xpath("//body//a[@rel='license']/@href")) == {DEED}
    assert root.xpath("//head/link[@rel='canonical']") == []  # no source URL is known
    data = _json_ld(root)
    assert data["@type"] == "Article"
    assert data["license"] == DEED
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "James Person",
            "honorificPrefix": "Dr",
            "description": load(ARTICLE).authors[0].biography,
        }
    ]
    assert data["creditText"] == CREDIT
    assert data["copyrightNotice"] == NOTICE
    assert "isBasedOn" not in data
    credit = root.xpath("//section[@id='_colophon']//p[@class='credit-line']")[0]
    assert credit.get("prefix") == "cc: http://creativecommons.org/ns# dct: http://purl.org/dc/terms/"
    assert credit.xpath(".//*[contains(concat(' ', @property, ' '), ' cc:attributionName ')]/text()") == [
        "Dr James Person"
    ]
    assert credit.xpath(".//*[@property='dct:title']/text()") == ["US and North Korean Summitry: Round Two"]
    assert squash(credit.text_content()) == CREDIT


def test_html_with_a_source_links_to_it(rich_editions: dict[str, Path]) -> None:
    root = html_tree(rich_editions["html"])
    source = "https://example.org/field-notes-on-footnotes"
    assert root.xpath("//head/link[@rel='canonical']/@href") == [source]
    assert _json_ld(root)["isBasedOn"] == source
    assert source in root.xpath("//p[@class='credit-line']//a[@rel='dct:source']/@href")


def test_html_republish_section_offers_the_credit_and_the_fragment(editions: dict[str, Path]) -> None:
    root = html_tree(editions["html"])
    (section,) = root.xpath("//section[@id='_republish']")
    assert squash(section.xpath(".//p[@class='credit-line']")[0].text_content()) == CREDIT
    assert [squash(h.text_content()) for h in section.xpath(".//h3")] == ["You may", "You must", "You must not"]
    snippet = section.xpath(".//details/pre/code")[0].text
    assert snippet == (editions["html"].parent / "republish" / "article.html").read_text(encoding="utf-8")
    assert root.xpath("//script[not(@type='application/ld+json')]") == []


# -- PDF -------------------------------------------------------------------------


def test_pdf_info_and_xmp(editions: dict[str, Path], article: Attribution) -> None:
    reader = pypdf.PdfReader(editions["pdf"])
    assert not reader.is_encrypted
    info = reader.metadata
    assert info is not None
    assert info["/Title"] == "US and North Korean Summitry: Round Two"
    assert info["/Author"] == "Dr James Person"
    assert info["/Subject"] == load(ARTICLE).subtitle
    assert info["/Keywords"].startswith("North Korea, United States")
    with pikepdf.open(editions["pdf"]) as pdf:
        xmp = etree.fromstring(pdf.Root.Metadata.read_bytes())

    def one(path: str) -> str:
        (value,) = xmp.xpath(path, namespaces=XMP_NS)
        return str(value if isinstance(value, str) else value.text)

    assert one("//dc:rights//rdf:li") == RIGHTS
    assert one("//dc:rights//rdf:li").startswith(NOTICE)
    assert one("//xmpRights:Marked") == "True"
    assert one("//xmpRights:WebStatement") == DEED
    assert one("//xmpRights:UsageTerms//rdf:li") == USAGE_TERMS
    assert one("//cc:license/@rdf:resource") == DEED
    assert one("//cc:attributionName") == "Dr James Person"
    assert one("//dc:creator//rdf:li") == "Dr James Person"


def test_pdf_licence_link_is_clickable(editions: dict[str, Path]) -> None:
    with pikepdf.open(editions["pdf"]) as pdf:
        uris = [str(a.A.URI) for page in pdf.pages for a in page.get("/Annots", []) if "/URI" in a.get("/A", {})]
    assert DEED in uris


# -- EPUB ------------------------------------------------------------------------


def test_epub_opf_attribution(editions: dict[str, Path], article: Attribution) -> None:
    epub = Epub.open(editions["epub"])
    assert epub.metadata("dc:rights/text()") == [RIGHTS]
    assert epub.metadata("dc:creator/text()") == ["James Person"]
    assert epub.metadata("opf:link[@rel='cc:license']/@href") == [DEED]
    assert "cc: http://creativecommons.org/ns#" in epub.opf.get("prefix")
    assert epub.metadata("opf:meta[@property='cc:attributionName']/text()") == ["Dr James Person"]
    assert epub.metadata("dc:source/text()") == []
    colophon = epub.document("EPUB/colophon.xhtml")
    assert colophon.xpath("//*[@epub:type='copyright-page']", namespaces=NS)
    assert "META-INF/encryption.xml" not in epub.files


def test_epub_with_a_source_names_it(rich_editions: dict[str, Path]) -> None:
    epub = Epub.open(rich_editions["epub"])
    assert epub.metadata("dc:source/text()") == ["https://example.org/field-notes-on-footnotes"]
    assert epub.metadata("opf:link[@rel='cc:license']/@href") == ["https://creativecommons.org/licenses/by/4.0/"]


# -- every edition, visibly ------------------------------------------------------


def _visible(fmt: str, path: Path) -> str:
    if fmt == "html":
        return squash(html_tree(path).xpath("//body")[0].text_content())
    if fmt == "epub":
        return " ".join(squash("".join(d.itertext())) for d in Epub.open(path).spine_documents())
    return re.sub(r"-\s*\n", "-", pdf_text(path)).replace("\r\n", " ").replace("\n", " ").replace("\f", " ")


@pytest.mark.parametrize("fmt", ["html", "pdf", "epub"])
def test_every_edition_shows_the_complete_attribution(
    fmt: str, editions: dict[str, Path], article: Attribution
) -> None:
    text = squash(_visible(fmt, editions[fmt]))
    author = article.authors[0]
    assert author.biography is not None
    loose = re.sub(r"[\s-]+", "", text)
    for part in (
        article.title,
        article.subtitle or "",
        "Dr James Person",
        author.biography,
        NOTICE,
        NAME,
        "CC BY-NC-ND 4.0",
        DEED,
        "The licence is assumed.",
        article.reason or "",
        article.changes(fmt),
        CREDIT,
        "This edition implies no endorsement by the author or by the licensor (§2(a)(6)).",
        "Set in Literata",
        "SIL Open Font License 1.1",
    ):
        assert re.sub(r"[\s-]+", "", part) in loose, part
    assert "©" not in text


@pytest.mark.parametrize("fmt", ["html", "pdf", "epub"])
def test_a_stated_licence_is_not_called_assumed(fmt: str, rich_editions: dict[str, Path]) -> None:
    text = squash(_visible(fmt, rich_editions[fmt]))
    assert "assume" not in text.casefold()
    assert re.sub(r"\s+", "", RICH_CREDIT) in re.sub(r"\s+", "", text)


# -- the republisher kit ---------------------------------------------------------

SIMPLE_TAGS = {"p", "h1", "h2", "h3", "em", "strong", "a", "span", "sup", "ol", "ul", "li", "blockquote"}
SIMPLE_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "img", "br", "hr", "wbr"}


@pytest.mark.parametrize("fixture", ["editions", "rich_editions"])
def test_kit_article_is_a_simple_fragment_with_attribution_at_both_ends(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    editions: dict[str, Path] = request.getfixturevalue(fixture)
    kit = editions["html"].parent / "republish"
    source = (kit / "article.html").read_text(encoding="utf-8")
    elements = lxml.html.fragments_fromstring(source)
    blocks = [e for e in elements if isinstance(e.tag, str)]
    tags = {el.tag for block in blocks for el in block.iter() if isinstance(el.tag, str)}
    assert tags <= SIMPLE_TAGS, tags - SIMPLE_TAGS
    assert not re.search(r"<script|<style|\son\w+=|javascript:", source, re.IGNORECASE)
    first, last = blocks[0], blocks[-1]
    for block in (first, last):
        assert block.get("class") == "credit-line"
        assert block.xpath(".//a[@rel='license']/@href")
    for image in (el for block in blocks for el in block.iter("img")):
        assert (kit / image.get("src")).is_file()
        assert image.get("alt")


def test_kit_attribution_files(editions: dict[str, Path], article: Attribution) -> None:
    kit = editions["html"].parent / "republish"
    text = (kit / "attribution.txt").read_text(encoding="utf-8")
    assert text.startswith(CREDIT + "\n")
    for heading in ("You may:", "You must:", "You must not:"):
        assert heading in text
    assert NOTICE in text
    md = (kit / "attribution.md").read_text(encoding="utf-8")
    assert f"[CC BY-NC-ND 4.0]({DEED})" in md
    assert "## How to republish" in md
    html = lxml.html.fragment_fromstring((kit / "attribution.html").read_text(encoding="utf-8"), create_parent="div")
    assert html.xpath(".//*[contains(concat(' ', @property, ' '), ' cc:attributionName ')]/text()") == [
        "Dr James Person"
    ]
    assert set(html.xpath(".//a[@rel='license']/@href")) == {DEED}
    assert sorted(p.name for p in kit.iterdir()) == [
        "article.html",
        "attribution.html",
        "attribution.md",
        "attribution.txt",
    ]


def test_rich_kit_copies_its_image(rich_editions: dict[str, Path]) -> None:
    kit = rich_editions["html"].parent / "republish"
    assert (kit / "images" / "001.png").read_bytes() == (RICH.parent / "figure.png").read_bytes()


def test_element_texts_helper_sees_the_notice(editions: dict[str, Path]) -> None:
    assert NOTICE in element_texts(html_tree(editions["html"]))


def test_an_inferred_date_is_not_stated_as_the_publication_date(article: Attribution, rich: Attribution) -> None:
    data = article.json_ld()
    assert "datePublished" not in data
    assert data["additionalProperty"]["value"] == "2019-02"
    assert data["additionalProperty"]["name"] == "publication month, inferred from the text"
    assert rich.json_ld()["datePublished"] == "2024-05-14"  # stated by its source, so stated here


# -- the credit line, one source -------------------------------------------------

RICH_CREDIT = (
    "“Field Notes on Footnotes” by Prof. Jane Roe and Richard Miles, first published by The Example Review "
    "(https://example.org/field-notes-on-footnotes), is licensed under CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/). Text unchanged."
)


def test_the_credit_line_reads_the_same_in_every_form(rich_editions: dict[str, Path]) -> None:
    """Attribution.credit_parts is its one source: the HTML (with RDFa), the kit's text and its
    Markdown (links set aside) all read the line written out here."""
    kit = rich_editions["html"].parent / "republish"
    html = lxml.html.parse(str(rich_editions["html"])).getroot()
    (line,) = {" ".join(p.text_content().split()) for p in html.xpath("//p[@class='credit-line']")}
    assert line.replace("\u200b", "") == RICH_CREDIT
    assert (kit / "attribution.txt").read_text(encoding="utf-8").splitlines()[0] == RICH_CREDIT
    markdown = (kit / "attribution.md").read_text(encoding="utf-8").splitlines()[0]
    assert markdown == (
        "“Field Notes on Footnotes” by Prof. Jane Roe and Richard Miles, first published by The Example "
        "Review (<https://example.org/field-notes-on-footnotes>), is licensed under "
        "[CC BY 4.0](https://creativecommons.org/licenses/by/4.0/). Text unchanged."
    )
