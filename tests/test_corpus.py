"""Ordinary Markdown, in any script: every fixture builds editions that pass
every validator and lose no word, set only in the pinned fonts.

The corpus (tests/fixtures/corpus/) holds what writers type: headings at any
level, a section called "Footnotes", notes, code with a language, task lists,
tables of three kinds, definition lists, math, Korean Hangul and Hanja,
Chinese and Japanese in their own forms, Greek and Cyrillic, raw HTML that
must stay text, and the habits that once lost a paragraph.
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pikepdf
import pytest
from commands import publish
from conftest import CORPUS, EVERY, Built
from fontTools.ttLib import TTFont
from lxml import etree
from readers import NS, Epub, pdf_pages
from validators import pinned, validate
from words import markdown_words, missing, words

from publish.styling.fonts import ASCII, GENERATED, SPACES, math_italic

MATHML = "http://www.w3.org/1998/Math/MathML"


@pytest.mark.validators
def test_every_fixture_passes_every_validator(corpus: dict[str, Built]) -> None:
    editions = [b.edition(fmt) for b in corpus.values() if b.manuscript in CORPUS for fmt in ("html", "epub", "pdf")]
    assert [str(f) for f in validate(editions)] == []


# -- no word lost ------------------------------------------------------------------


def _html_text(path: Path) -> str:
    root = lxml.html.parse(str(path)).getroot()
    for el in root.xpath("//script | //style | //*[@id='_republish']"):
        el.getparent().remove(el)  # the republish section repeats the article as source
    return str(root.xpath("//body")[0].text_content())


def _epub_text(path: Path) -> str:
    article = Epub.open(path).document("EPUB/article.xhtml")
    return "".join(article.xpath("//x:body", namespaces=NS)[0].itertext())


def _kit_text(path: Path) -> str:
    return str(lxml.html.fragment_fromstring(path.read_text(encoding="utf-8"), create_parent="div").text_content())


READERS = {
    "html": lambda b: _html_text(b.edition("html")),
    "epub": lambda b: _epub_text(b.edition("epub")),
    "pdf": lambda b: "\n".join(pdf_pages(b.edition("pdf"))),
    "kit": lambda b: _kit_text(b.out / "republish" / "article.html"),
}


@pytest.mark.parametrize("fmt", READERS)
@pytest.mark.parametrize("fixture", [p.stem for p in EVERY])
def test_no_word_of_the_body_is_lost(corpus: dict[str, Built], fixture: str, fmt: str) -> None:
    built = corpus[fixture]
    expected = markdown_words(built.body)
    assert sum(expected.values()) >= 5  # the check has something to check
    assert missing(expected, words(READERS[fmt](built))) == {}


def test_the_word_check_catches_a_lost_paragraph(corpus: dict[str, Built]) -> None:
    built = corpus["everyday-habits"]
    lost = "This paragraph sits between two lines of three hyphens"
    text = _html_text(built.edition("html"))
    assert lost in text
    gone = missing(markdown_words(built.body), words(text.replace(lost, "")))
    assert "sits" in gone
    assert set(gone) <= set(lost.split())


# -- the outline and the ids ----------------------------------------------------------


def _levels(root: etree._Element) -> list[int]:
    return [int(etree.QName(h).localname[1]) for h in root.iter() if re.fullmatch(r"(\{.*\})?h[1-6]", str(h.tag))]


@pytest.mark.parametrize("fixture", [p.stem for p in EVERY])
def test_the_outline_never_skips_a_level(corpus: dict[str, Built], fixture: str) -> None:
    built = corpus[fixture]
    html = lxml.html.parse(str(built.edition("html"))).getroot()
    article = Epub.open(built.edition("epub")).document("EPUB/article.xhtml")
    assert _levels(html.xpath("//main")[0])[0] == 1  # the title
    for levels in (_levels(html.xpath("//main")[0]), _levels(article)):
        assert not levels or levels[0] in (1, 2)
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels


def test_headings_starting_anywhere_become_h2_and_ids_never_collide(corpus: dict[str, Built]) -> None:
    built = corpus["headings-and-notes"]
    root = lxml.html.parse(str(built.edition("html"))).getroot()
    body = root.xpath("//div[@class='article-body']")[0]
    assert [(h.tag, h.get("id")) for h in body.xpath(".//h2 | .//h3")] == [
        ("h2", "the-writer-started-at-level-three"),
        ("h3", "then-skipped-to-level-five"),
        ("h2", "footnotes"),
        ("h2", "fn1"),
        ("h2", "last"),
        ("h3", "setext-second-level"),
        ("h2", "_notes-title"),
    ]
    ids = root.xpath("//@id")
    assert len(ids) == len(set(ids))
    assert {i for i in ids if i.startswith(("fn", "footnote"))} == {"footnotes", "fn1"}  # the writer's, not pandoc's
    internal = body.xpath(".//a[starts-with(@href, '#')]/@href")
    assert internal
    assert all(href[1:] in ids for href in internal)


# -- fonts: only the pinned ones, only the glyphs used ---------------------------------


def _pdf_fonts(path: Path) -> set[str]:
    with pikepdf.open(path) as pdf:
        return {
            str(font.get("/BaseFont")).split("+", 1)[-1]
            for page in pdf.pages
            for font in page.obj.get("/Resources", {}).get("/Font", {}).values()
        }


@pytest.mark.parametrize("fixture", [p.stem for p in EVERY])
def test_the_pdf_uses_only_pinned_fonts(corpus: dict[str, Built], fixture: str) -> None:
    fonts = _pdf_fonts(corpus[fixture].edition("pdf"))
    assert fonts
    assert all(pinned(name) for name in fonts), fonts


def test_scripts_are_set_in_their_own_faces(corpus: dict[str, Built]) -> None:
    built = corpus["korean-terms"]
    assert _pdf_fonts(built.edition("pdf")) >= {
        "Literata",
        "Noto-Serif-CJK-KR",  # Hangul, and Hanja in Korean text
        "Noto-Serif-CJK-SC",  # lang=zh-Hans
        "Noto-Serif-CJK-TC",  # lang=zh-Hant
        "Noto-Serif-CJK-JP",  # lang=ja
        "Noto-Serif-CJK-KR-Bold",  # the title
    }
    css = lxml.html.parse(str(built.edition("html"))).getroot().xpath("//style")[0].text
    traditional = ":lang(zh-Hant), :lang(zh-TW), :lang(zh-HK), :lang(zh-MO)"
    assert f'{traditional} {{ font-family: "Literata", "Noto Serif CJK TC", serif; }}' in css
    assert "Noto-Emoji" in _pdf_fonts(corpus["everyday-habits"].edition("pdf"))
    assert _pdf_fonts(corpus["code-and-tasks"].edition("pdf")) >= {"JetBrains-Mono", "Noto-Serif-CJK-KR"}
    assert "Noto-Sans-Math" in _pdf_fonts(corpus["math"].edition("pdf"))


def _web_fonts(built: Built) -> Iterator[tuple[str, str, bytes]]:
    """(edition, face, font data) for every font the HTML and the EPUB carry."""
    import base64

    html = built.edition("html").read_text(encoding="utf-8")
    for family, data, weight in re.findall(
        r'font-family: "([^"]+)"; src: url\("data:font/woff;base64,([^"]+)"\)[^}]*font-weight: (\d+)', html
    ):
        yield "html", f"{family} {weight}", base64.b64decode(data)
    epub = Epub.open(built.edition("epub"))
    for name, data in epub.files.items():
        if name.startswith("EPUB/fonts/"):
            yield "epub", name, data


@pytest.mark.parametrize("fixture", ["us-north-korean-summitry-round-two", "korean-terms", "math", "code-and-tasks"])
def test_web_fonts_hold_only_the_glyphs_the_edition_uses(corpus: dict[str, Built], fixture: str) -> None:
    built = corpus[fixture]
    html = lxml.html.parse(str(built.edition("html"))).getroot()
    for el in html.xpath("//script | //style"):
        el.getparent().remove(el)
    epub = Epub.open(built.edition("epub"))
    texts = {
        "html": str(html.text_content()),
        "epub": "".join("".join(d.itertext()) for d in epub.spine_documents()) + "Contents Cover Title page",
    }
    faces = 0
    for edition, face, data in _web_fonts(built):
        font = TTFont(io.BytesIO(data))
        assert font.flavor == ("woff" if edition == "html" else None)  # the EPUB's are OpenType, for every reader
        used = {ord(c) for c in texts[edition]}
        used |= {code for c in texts[edition] if (code := math_italic(c)) is not None} | {ord("√")}
        extra = set(font.getBestCmap()) - used - ASCII - GENERATED - SPACES
        # HarfBuzz keeps the mirror image of a character a right-to-left run would draw: ≤ for ≥.
        extra = {code for code in extra if not unicodedata.mirrored(chr(code))}
        assert extra == set(), (edition, face, sorted(map(chr, extra))[:20])
        faces += 1
    assert faces >= 8


# -- what the writer typed shows as it was typed ---------------------------------------


def test_math_is_mathml_on_screen_and_laid_out_in_print(corpus: dict[str, Built]) -> None:
    built = corpus["math"]
    tex = [m.group(1).strip() for m in re.finditer(r"(?<!\\)\$\$?(.+?)\$\$?", built.body, re.DOTALL)]
    assert len(tex) == 26
    html = lxml.html.parse(str(built.edition("html"))).getroot()
    annotations = [a.text.strip() for a in html.iter("{*}annotation", "annotation")]
    assert annotations == tex
    epub = Epub.open(built.edition("epub"))
    item = epub.opf.xpath("//opf:item[@href='article.xhtml']", namespaces=NS)[0]
    assert item.get("properties") == "mathml"
    article = epub.document("EPUB/article.xhtml")
    assert len(article.xpath("//m:math", namespaces={"m": MATHML})) == 26
    pdf = "\n".join(pdf_pages(built.edition("pdf")))
    for symbol in ("∑", "∫", "√", "≥", "ℝ", "⇒", "λ"):
        assert symbol in pdf
    assert "\\frac" not in pdf
    assert "\\sum" not in pdf


def test_code_keeps_its_spacing_and_task_lists_show_their_state(corpus: dict[str, Built]) -> None:
    built = corpus["code-and-tasks"]
    html = lxml.html.parse(str(built.edition("html"))).getroot()
    blocks = [pre.text_content() for pre in html.xpath("//div[@class='article-body']//pre")]
    assert "x   = 1      # aligned\nyy  = 22     # columns" in blocks
    assert html.xpath("//pre[@class='language-python']")
    boxes = html.xpath("//ul[@class='task-list']//input")
    assert [(b.get("checked") is not None, b.get("disabled") is not None) for b in boxes] == [
        (True, True),
        (True, True),
        (False, True),
        (False, True),
    ]
    pdf = "\n".join(pdf_pages(built.edition("pdf")))
    assert pdf.count("✓") == 2
    assert "x = 1 # aligned" in pdf  # text extraction squeezes the spaces a monospaced line keeps


def test_raw_html_and_controls_of_a_writer_stay_text(corpus: dict[str, Built]) -> None:
    built = corpus["everyday-habits"]
    html = lxml.html.parse(str(built.edition("html"))).getroot()
    body = html.xpath("//div[@class='article-body']")[0]
    text = body.text_content()
    assert '<div class="colophon">A raw div is text</div>' in text.replace("“", '"').replace("”", '"')
    assert not body.xpath(".//div[@class='colophon'] | .//script")
    assert "% This line looks like a pandoc title block" in text
    assert "\\newcommand{\\x}{y}" in text
    assert "This paragraph sits between two lines of three hyphens" in text


@pytest.mark.parametrize("fixture", [p.stem for p in EVERY])
def test_publish_check_passes_every_output_strictly(corpus: dict[str, Built], fixture: str) -> None:
    """The editions and the kit's HTML carry all the licence asks, and their words are the manuscript's."""
    built = corpus[fixture]
    files = [built.edition(fmt) for fmt in ("html", "epub", "pdf")] + [built.out / "republish" / "article.html"]
    done = publish("check", "--strict", "--manuscript", built.manuscript, *files)
    assert (done.returncode, done.stderr) == (0, ""), done.stdout
    assert done.stdout.count(": complete attribution (") == 4


@pytest.mark.parametrize("fixture", [p.stem for p in EVERY])
def test_hyphenation_a_typesetter_would_sign(
    corpus: dict[str, Built], hyphenated: dict[str, Path], fixture: str
) -> None:
    """The editions are set without hyphenation, so copied text is the text written
    (test_pdf_structure). A publisher who turns it on gets breaks a typesetter would sign:
    three letters at least on each side, never in a capitalised word, at most two hyphenated
    lines in a row. PDFium reports a break as U+FFFE inside the word."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(hyphenated[fixture]))
    # a line may also end at a word's own hyphen ("Sino-US"), which PDFium reports the same way
    own = str(lxml.html.parse(str(corpus[fixture].edition("html"))).getroot().text_content())
    breaks = 0
    for index in range(len(pdf)):
        text = pdf[index].get_textpage().get_text_range()
        for line in text.split("\r\n"):
            assert line.count("\ufffe") <= 2, f"three hyphenated lines in a row: {line!r}"
            for found in re.finditer(r"(\w*)\ufffe(\w*)", line):
                before, after = found.groups()
                if f"{before}-{after}" in own:
                    continue
                breaks += 1
                assert len(before) >= 3, found.group(0)
                assert len(after) >= 3, found.group(0)
                assert not before[:1].isupper(), f"a capitalised word broken: {found.group(0)}"
    assert breaks < 40
    if fixture == "us-north-korean-summitry-round-two":
        assert breaks >= 5, "hyphenation is on"
