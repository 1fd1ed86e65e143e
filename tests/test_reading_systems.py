"""What real reading systems need of the EPUB, beyond what EPUBCheck asks.

Ace by DAISY runs on every fixture in test_corpus (tests/validators.py);
these tests pin the reasons it passes, and what Calibre and Adobe-engine
readers need: OpenType fonts, and CSS without custom properties.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from readers import NS, Epub, squash

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# DPUB-ARIA roles of the epub:type values the editions use (EPUB Type to ARIA Role Authoring Guide).
ROLES = {"chapter": "doc-chapter", "noteref": "doc-noteref", "endnotes": "doc-endnotes", "toc": "doc-toc"}


def test_the_package_states_its_language(editions: dict[str, Path]) -> None:
    book = Epub.open(editions["epub"])
    assert book.opf.get(XML_LANG) == "en"
    assert book.metadata("dc:language/text()") == ["en"]


def test_every_epub_type_with_a_role_has_it(editions: dict[str, Path], rich_editions: dict[str, Path]) -> None:
    seen = set()
    for path in (editions["epub"], rich_editions["epub"]):
        book = Epub.open(path)
        for doc in [*book.spine_documents(), book.document("EPUB/nav.xhtml")]:
            for el in doc.iter():
                for kind in (el.get(f"{{{NS['epub']}}}type") or "").split():
                    if kind in ROLES:
                        seen.add(kind)
                        assert ROLES[kind] in (el.get("role") or "").split(), etree.tostring(el)[:200]
    assert seen == set(ROLES)


def test_the_contents_list_every_section_nested(rich_editions: dict[str, Path]) -> None:
    nav = Epub.open(rich_editions["epub"]).document("EPUB/nav.xhtml")
    toc = nav.xpath("//x:nav[@epub:type='toc']/x:ol", namespaces=NS)[0]

    def entries(ol: etree._Element) -> list[object]:
        out: list[object] = []
        for li in ol.xpath("x:li", namespaces=NS):
            label = "".join(li.xpath("x:a", namespaces=NS)[0].itertext())
            nested = li.xpath("x:ol", namespaces=NS)
            out.append((label, entries(nested[0])) if nested else label)
        return out

    assert entries(toc) == [
        "Title page",
        (
            "Field Notes on Footnotes",
            ["Why notes matter", "A table and a figure", "Notes", "About the authors"],
        ),
        "Colophon",
    ]


def test_css_without_custom_properties_and_fonts_as_opentype(editions: dict[str, Path]) -> None:
    path = editions["epub"]
    with zipfile.ZipFile(path) as archive:
        css = archive.read("EPUB/css/style.css").decode()
        fonts = [n for n in archive.namelist() if n.startswith("EPUB/fonts/")]
        opf = archive.read("EPUB/content.opf").decode()
    assert "var(" not in css
    assert not re.search(r"--[\w-]+\s*:", css)
    assert "color: #1b1b1b" in css, "the values the custom properties held are in place"
    assert fonts
    assert all(name.endswith(".otf") for name in fonts), fonts
    assert 'media-type="font/otf"' in opf
    assert "font/woff" not in opf
    assert path.stat().st_size < 200_000


def _calibre(*args: str | Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("ebook-convert") is None:
        pytest.fail("Calibre is not installed (Debian: calibre); .ci/run installs it")
    env = {
        **os.environ,
        "QTWEBENGINE_CHROMIUM_FLAGS": "--no-sandbox",
        "CALIBRE_CONFIG_DIRECTORY": str(args[-1]) + ".cfg",
    }
    return subprocess.run(
        [str(a) for a in args[:-1]], capture_output=True, text=True, check=False, env=env, timeout=300
    )


@pytest.mark.validators
@pytest.mark.parametrize("fixture", ["editions", "rich_editions"])
def test_calibre_reads_and_converts_the_epub(fixture: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """Calibre, a reading system many people use, and its Kindle format (AZW3): no CSS it cannot read,
    the fonts kept, the metadata, the notice and the licence link."""
    epub: Path = request.getfixturevalue(fixture)["epub"]
    azw3 = tmp_path / "book.azw3"
    done = _calibre("ebook-convert", epub, azw3, tmp_path / "convert")
    assert done.returncode == 0, done.stderr[-2000:]
    log = (done.stdout + done.stderr).splitlines()
    assert [line for line in log if "CSSStyleDeclaration" in line or "CSS error" in line.lower()] == []
    meta = _calibre("ebook-meta", azw3, tmp_path / "meta").stdout
    book = Epub.open(epub)
    title = book.metadata("dc:title/text()")[0]
    assert re.search(rf"^Title\s*: {re.escape(title)}$", meta, re.M), meta
    assert re.search(r"^Author\(s\)\s*: \S", meta, re.M), meta
    assert re.search(r"^Languages\s*: eng$", meta, re.M), meta
    exploded = tmp_path / "exploded"
    _calibre("calibre-debug", "--explode-book", azw3, exploded, tmp_path / "explode")
    fonts = [p for p in exploded.rglob("*") if p.suffix.lower() in (".ttf", ".otf")]
    assert fonts, "the AZW3 kept no font"
    text = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in exploded.rglob("*.html"))
    notice = book.metadata("dc:rights/text()")[0].split(". ")[0]
    assert squash(notice) in squash(re.sub(r"<[^>]+>", " ", text))
    assert re.search(r'href="https://creativecommons\.org/licenses/[a-z-]+/4\.0/"', text)


def test_the_pdf_has_an_id_and_the_build_date(editions: dict[str, Path]) -> None:
    """Calibre showed "Published 0101-01-01": the dates are the build's, the /ID names the document."""
    import hashlib

    import pikepdf

    with pikepdf.open(editions["pdf"]) as pdf:
        permanent, revision = (bytes(part) for part in pdf.trailer.ID)
        assert permanent == hashlib.md5(b"urn:uuid:a6cea8ee-b5d4-582f-aca6-c1fec0aa2eb3").hexdigest().encode()
        assert len(revision) == 32
        assert str(pdf.docinfo["/CreationDate"]) == str(pdf.docinfo["/ModDate"]) == "D:20261127000000Z"
        with pdf.open_metadata() as xmp:
            assert xmp["xmp:CreateDate"] == xmp["xmp:ModifyDate"] == "2026-11-27T00:00:00Z"


def test_footnote_calls_are_legible(rich_editions: dict[str, Path]) -> None:
    """No character of the rich manuscript's PDF, note calls included, is under 0.7 of the text size."""
    from collections import Counter

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    sizes: Counter[float] = Counter()
    digits: list[float] = []
    pdf = pdfium.PdfDocument(str(rich_editions["pdf"]))
    for index in range(len(pdf)):
        text = pdf[index].get_textpage()
        for char in range(text.count_chars()):
            letter = text.get_text_range(char, 1)
            size = round(pdfium_c.FPDFText_GetFontSize(text, char), 2)
            if letter.isalpha():
                sizes[size] += 1
            elif letter.isdigit():
                digits.append(size)
    body = sizes.most_common(1)[0][0]
    smallest = min([*sizes, *digits])
    assert smallest >= 0.7 * body, (smallest, body)


def test_conformance_is_claimed_only_with_a_publisher_to_stand_behind_it(
    editions: dict[str, Path], rich_editions: dict[str, Path]
) -> None:
    """The rich manuscript names its edition's publisher: its EPUB claims EPUB Accessibility 1.1 and
    WCAG 2.2 AA, certified by that publisher, and says the assessment is the publisher's own. The
    article names none (DESIGN.md: never invent an outlet), so its EPUB claims no conformance."""
    rich = Epub.open(rich_editions["epub"])
    assert rich.metadata("opf:meta[@property='dcterms:conformsTo']/text()") == [
        "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
    ]
    assert rich.metadata("opf:meta[@property='a11y:certifiedBy']/text()") == ["Example Press"]
    assert rich.metadata("dc:publisher/text()") == ["Example Press"]
    (summary,) = rich.metadata("opf:meta[@property='schema:accessibilitySummary']/text()")
    assert "in Example Press's own assessment" in summary
    assert "not certified by a third party" in summary
    article = Epub.open(editions["epub"])
    for prop in ("dcterms:conformsTo", "a11y:certifiedBy"):
        assert article.metadata(f"opf:meta[@property='{prop}']/text()") == []
    assert article.metadata("dc:publisher/text()") == []
