"""What real reading systems need of the EPUB, beyond what EPUBCheck asks.

Ace by DAISY runs on every fixture in test_corpus (tests/validators.py);
these tests pin the reasons it passes, and what Calibre and Adobe-engine
readers need: OpenType fonts, and CSS without custom properties.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree
from readers import NS, Epub

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
