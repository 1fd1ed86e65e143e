"""The PDF as assistive technology and copy and paste see it: its structure tree,
its artifacts, and the text three independent extractors take from it.

tests/pdfua.py checks the Matterhorn Protocol's machine-checkable conditions
on every fixture's PDF; the tests here pin what the structure must say about
this product's documents (one article, whole paragraphs, notes linked from
their calls), and that poppler, MuPDF and PDFium all copy the words as written.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import copying
import lxml.html
import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import EVERY, Built
from copying import article, extracted, notes, squash
from pdfua import TEXT_SHOWING, Element, failures, pagination_artifacts, read_structure

FIXTURES = [p.stem for p in EVERY]
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


@pytest.mark.parametrize("fixture", FIXTURES)
def test_the_pdf_meets_the_machine_checkable_matterhorn_conditions(corpus: dict[str, Built], fixture: str) -> None:
    assert failures(corpus[fixture].edition("pdf")) == []


@pytest.mark.parametrize("fixture", FIXTURES)
def test_three_extractors_copy_every_paragraph_whole(corpus: dict[str, Built], fixture: str) -> None:
    """poppler, MuPDF and PDFium each give every paragraph of the article as its words, in order,
    with nothing between them: no word broken at a line end, no U+FFFE, no running head or page
    number inside a sentence, real hyphens and curly quotes kept (tests/copying.py)."""
    built = corpus[fixture]
    assert copying.problems(built.edition("pdf"), built.edition("html")) == []


def test_the_licence_name_copies_with_its_hyphens(corpus: dict[str, Built]) -> None:
    name = "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International"
    for extractor, text in extracted(corpus["us-north-korean-summitry-round-two"].edition("pdf")).items():
        assert name in squash(text), extractor


def _structure(pdf: Path) -> tuple[pikepdf.Pdf, list[Element]]:
    document = pikepdf.open(pdf)
    return document, read_structure(document).elements


def test_one_article_and_one_p_per_paragraph_across_pages(corpus: dict[str, Built]) -> None:
    for fixture in ("us-north-korean-summitry-round-two", "field-notes-on-footnotes"):
        built = corpus[fixture]
        document, elements = _structure(built.edition("pdf"))
        with document:
            assert len(document.pages) > 1
            articles = [e for e in elements if e.role == "Art"]
            assert len(articles) == 1, fixture
            # The body is the article's Div with the most paragraphs.
            divisions = [kid for kid in articles[0].kids if kid.role == "Div"]
            body = max(divisions, key=lambda d: sum(e.role == "P" for e in d.walk()))
            pdf_paragraphs = [e for e in body.walk() if e.role == "P"]
            html_paragraphs = article(built.edition("html")).xpath(
                ".//*[self::p or self::pre][not(ancestor::section[contains(@class, 'footnotes')])]"
            )
            assert len(pdf_paragraphs) == len(html_paragraphs), fixture
            pages = {page for p in pdf_paragraphs for page, _ in p.mcids}
            assert len(pages) > 1, "the body runs over pages"
            if fixture == "us-north-korean-summitry-round-two":
                crossing = [p for p in pdf_paragraphs if len({page for page, _ in p.mcids}) > 1]
                assert len(crossing) == 2, "two paragraphs cross a page, each one /P"


def test_notes_are_note_elements_called_by_their_links(corpus: dict[str, Built]) -> None:
    built = corpus["field-notes-on-footnotes"]
    expected = len(notes(article(built.edition("html"))))
    document, elements = _structure(built.edition("pdf"))
    with document:
        note_elements = [e for e in elements if e.role == "Note"]
        assert len(note_elements) == expected >= 2
        ids = document.Root.StructTreeRoot.IDTree.Names
        registered = {str(ids[i]): ids[i + 1].objgen for i in range(0, len(ids), 2)}
        for number, note in enumerate(note_elements, start=1):
            identifier = str(note.obj.ID)
            assert registered[identifier] == note.obj.objgen
            assert note.kids[0].role == "Lbl"
            siblings = note.parent.kids
            call = siblings[siblings.index(note) - 1]
            assert call.role == "Link"
            targets = {str(document.get_object(objgen).Dest) for objgen in call.annotations}
            assert targets == {identifier}, f"note {number} is not linked from the call before it"


def test_the_figure_is_read_once(corpus: dict[str, Built]) -> None:
    """The rich manuscript's figure has only a caption: the /Figure's alt text is that caption,
    and the /Caption is inside the /Figure, which its alt text replaces, so it is not read twice."""
    document, elements = _structure(corpus["field-notes-on-footnotes"].edition("pdf"))
    with document:
        (figure,) = [e for e in elements if e.role == "Figure"]
        assert str(figure.obj.Alt).startswith("A grey square")
        assert [kid.role for kid in figure.kids] == ["Caption"]
        assert figure.mcids, "the image itself is the figure's content"
        assert not [e for e in elements if e.role == "Caption" and e.parent is not figure]


def test_running_heads_and_page_numbers_are_drawn_artifacts(corpus: dict[str, Built]) -> None:
    """Furniture is marked /Artifact /Pagination and drawn as shapes, so no extractor copies it."""
    pdf = corpus["us-north-korean-summitry-round-two"].edition("pdf")
    with pikepdf.open(pdf) as document:
        for index, page in enumerate(document.pages):
            furniture = pagination_artifacts(page)
            assert len(furniture) == (0 if index == 0 else 2), f"page {index + 1}"
            assert not [op for _, ops in furniture for op in ops if op in TEXT_SHOWING], f"page {index + 1}: as text"
    for extractor, text in extracted(pdf).items():
        lines = [line.strip() for line in text.splitlines()]
        assert "US and North Korean Summitry: Round Two" not in lines, f"{extractor} copies a running head"
        assert not re.search(r"^\s*\d+\s*$", text, re.MULTILINE), f"{extractor} copies a page number"


def test_a_figure_that_does_not_fit_floats_while_the_text_flows_on(corpus: dict[str, Built]) -> None:
    """A tall chart after the opening paragraphs does not fit on page 1: in print the text after
    it moves up to fill the page, and no page before a figure is left more than a third empty.
    The HTML keeps the writer's order. A figure with its own description is a /Figure with that
    alt text beside its /Caption; one with only a caption holds the /Caption (read once)."""
    built = corpus["figures-that-float"]
    mm = 72 / 25.4
    document = pdfium.PdfDocument(str(built.edition("pdf")))
    floated = 0
    try:
        for index in range(1, len(document)):
            page, previous = document[index], document[index - 1]
            _, height = page.get_size()
            images = list(page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,)))
            if not images or max(image.get_bounds()[3] for image in images) < height - 24 * mm - 20:
                continue  # no figure heads this page
            floated += 1
            text = previous.get_textpage()
            bottoms = [
                text.get_charbox(i)[1] for i in range(text.count_chars()) if not text.get_text_range(i, 1).isspace()
            ]
            empty = (min(bottoms) - 26 * mm) / (height - 50 * mm)
            assert empty <= 1 / 3, f"page {index} is {empty:.0%} empty before the figure on page {index + 1}"
    finally:
        document.close()
    assert floated >= 1
    # The second chart comes right after its heading, which starts a page. The figure floats on past
    # the text after it, as any figure does; the heading stays with that text, not alone at a foot.
    pages = subprocess.run(
        ["pdftotext", "-layout", str(built.edition("pdf")), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    at = next(n for n, page in enumerate(pages) if "The chart again" in page)
    after_heading = pages[at].split("The chart again", 1)[1]
    assert "After the second chart the article goes on" in after_heading
    assert "The same chart again, with only a caption." in after_heading + pages[at + 1]
    html = lxml.html.parse(str(built.edition("html"))).getroot()
    body = html.xpath("//div[@class='article-body']")[0]
    assert [el.tag for el in body][:5] == ["p", "p", "p", "figure", "p"], "the HTML keeps the writer's order"
    pdf, elements = _structure(built.edition("pdf"))
    with pdf:
        figures = [e for e in elements if e.role == "Figure"]
        described, captioned = figures
        assert str(described.obj.Alt).startswith("A bar chart of five dark blue bars")
        assert described.parent.role == "Div"
        assert [k.role for k in described.parent.kids] == ["Figure", "Caption"]
        assert str(captioned.obj.Alt) == "The same chart again, with only a caption."
        assert [k.role for k in captioned.kids] == ["Caption"]


@pytest.mark.parametrize("fixture", FIXTURES)
def test_mupdf_draws_every_glyph(corpus: dict[str, Built], fixture: str) -> None:
    """MuPDF follows the PDF standard where poppler and PDFium are lenient: it looks a CID font's
    glyphs up by CID. It once drew no Chinese, Japanese or Korean at all (publish.styling.fonts)."""
    done = subprocess.run(
        ["mutool", "draw", "-q", "-r", "20", "-F", "pgm", "-o", "/dev/null", str(corpus[fixture].edition("pdf"))],
        capture_output=True,
        text=True,
        check=True,
    )
    complaints = [line for line in done.stderr.splitlines() if line and "ICC support is not available" not in line]
    assert complaints == []


def _tampered(pdf: Path, tmp: Path, change: Callable[[pikepdf.Pdf], None]) -> Path:
    out = tmp / f"tampered-{change.__name__}.pdf"
    with pikepdf.open(pdf) as document:
        change(document)
        document.save(out)
    return out


def test_the_checks_fail_on_the_defects_they_look_for(corpus: dict[str, Built], tmp_path: Path) -> None:
    """Each defect WeasyPrint's own tagging had, put back into a good PDF, is found."""
    good = corpus["field-notes-on-footnotes"].edition("pdf")

    def orphan(document: pikepdf.Pdf) -> None:
        element = next(e for e in read_structure(document).elements if e.role == "P" and e.mcids)
        element.obj.K = pikepdf.Array([])  # its text is still on the page, owned by nothing

    def link_under_span(document: pikepdf.Pdf) -> None:
        element = next(e for e in read_structure(document).elements if e.role == "Link")
        element.obj.S = pikepdf.Name("/Span")

    def zero_area(document: pikepdf.Pdf) -> None:
        annotation = next(a for page in document.pages for a in page.obj.get("/Annots", []))
        x1, y1, _, y2 = annotation.Rect
        annotation.Rect = pikepdf.Array([x1, y1, x1, y2])

    def note_without_id(document: pikepdf.Pdf) -> None:
        note = next(e for e in read_structure(document).elements if e.role == "Note")
        del note.obj["/ID"]

    def untagged_text(document: pikepdf.Pdf) -> None:
        page = document.pages[0]
        page.contents_add(document.make_stream(b"BT /F1 9 Tf 10 10 Td (x) Tj ET"), prepend=False)

    expected = {
        orphan: "01-005",
        link_under_span: "28-011",
        zero_area: "link-area",
        note_without_id: "19-003",
        untagged_text: "01-005",
    }
    for change, code in expected.items():
        found = failures(_tampered(good, tmp_path, change))
        assert any(f.startswith(code) for f in found), (change.__name__, found)


def test_the_copy_check_fails_on_hyphenated_text(corpus: dict[str, Built], hyphenated: dict[str, Path]) -> None:
    """The same article set justified and hyphenated (a publisher's choice): some words are broken
    at line ends, and the copy check says where, for MuPDF and PDFium at least."""
    problems = copying.problems(
        hyphenated["us-north-korean-summitry-round-two"], corpus["us-north-korean-summitry-round-two"].edition("html")
    )
    assert any(p.startswith("mupdf: not whole") for p in problems)
    assert any(p.startswith("pdfium: U+FFFE") for p in problems)


def test_a_table_over_pages_repeats_its_header_as_an_artifact(corpus: dict[str, Built]) -> None:
    """The header row is real content once, where the table starts; where it repeats on a later page
    it is a pagination artifact drawn as shapes, so it is neither read nor copied again."""
    pdf = corpus["notes-and-tables"].edition("pdf")
    with pikepdf.open(pdf) as document:
        headers = [e for e in read_structure(document).elements if e.role == "TH"]
        assert len(headers) == 6
        assert all(len({page for page, _ in th.mcids}) == 1 for th in headers), "a /TH gathers text from two pages"
        repeated = [
            ops for page in list(document.pages)[1:] for subtype, ops in pagination_artifacts(page) if not subtype
        ]
        assert not [op for ops in repeated for op in ops if op in TEXT_SHOWING]
    assert len(repeated) >= 2 * 6, "each of the 6 header cells repeats on pages 2 and 3"
    for extractor, text in extracted(pdf).items():
        assert squash(text).count("Harvested") == 1, extractor


def test_a_note_keeps_its_lists_code_and_quotations_and_a_heading_keeps_only_its_words(
    corpus: dict[str, Built],
) -> None:
    built = corpus["notes-and-tables"]
    text = squash(extracted(built.edition("pdf"))["poppler"])
    for kept in (
        "drop anything that failed twice;",
        '=IF(AND(C2>0, D2>0), "keep", "review")',
        "Grow what you eat, and eat what you grow.",
        "That last line is my grandmother’s.",
    ):
        assert kept in text
    assert "7. Total each crop’s yield. 8. Mark the failures" in text, "the list starts at 7, as written"
    with pikepdf.open(built.edition("pdf")) as document:
        elements = read_structure(document).elements
        heading = next(e for e in elements if e.role == "H2")
        assert [kid.role for kid in heading.kids] == ["Link"], "the heading holds its words and the call"
        note = heading.parent.kids[heading.parent.kids.index(heading) + 1]
        assert note.role == "Note", "the note called from the heading follows it"


def test_no_note_is_lost_when_notes_crowd_the_pages(tmp_path: Path) -> None:
    """WeasyPrint 70 drops a footnote now and then when long notes crowd the pages; the PDF then
    sets the notes as end notes, and every note's text is there."""
    from publish.build.run import build

    sentence = (
        "The hand is a confident copperplate, probably a schoolmaster’s; the ink has browned but is legible "
        "throughout. The same reader annotated at least eleven other volumes in the collection, always in the "
        "lower margin, always beginning with a small cross, and never, as far as I can tell, agreeing with the "
        "author on any point of substance."
    )
    paragraphs = [
        "The parish library holds about four hundred books given between 1790 and 1880. Many carry notes "
        "written by their readers, transcribed here as footnotes."
    ]
    notes = []
    for n in range(1, 12):
        paragraphs.append(
            f"Volume {n} of the collection, a book of sermons or travels, carries a note on page {7 * n}.[^m{n}] "
            "The note is longer than the passage it sits beside, which is typical; readers here argued with "
            f"their books at length, and sometimes with each other, in the same margin, years apart.[^r{n}]"
        )
        notes += [f"[^m{n}]: {' '.join([sentence] * 3)}", f"[^r{n}]: A second hand answers the first in volume {n}."]
    manuscript = tmp_path / "marginalia.md"
    header = (FIXTURES_DIR / "corpus" / "everyday-habits.md").read_text(encoding="utf-8").split("\n---\n", 1)[0]
    manuscript.write_text(header + "\n---\n\n" + "\n\n".join(paragraphs + notes) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    build(manuscript, out, environ={})
    assert copying.problems(out / "marginalia.pdf", out / "marginalia.html") == []
    text = squash(extracted(out / "marginalia.pdf")["poppler"])
    assert text.count("A second hand answers the first in volume") == 11
    assert text.count("The hand is a confident copperplate") == 11 * 3
