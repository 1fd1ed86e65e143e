"""The real validators pass every edition, and the gate does fail bad ones.

These run EPUBCheck and the Nu checker (Java), axe-core in Chromium and qpdf;
they are never skipped: a missing tool is a failure that says what to install.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pikepdf
import pytest
from validators import axe, epub_fonts, epubcheck, nu_html, pdf_structure, validate

pytestmark = pytest.mark.validators  # nox -s quick leaves these out


@pytest.mark.parametrize("fixture", ["editions", "rich_editions"])
def test_every_edition_passes_every_validator(fixture: str, request: pytest.FixtureRequest) -> None:
    editions: dict[str, Path] = request.getfixturevalue(fixture)
    findings = validate(sorted(editions.values()))
    assert [str(f) for f in findings] == []


def _with_article(epub: Path, target: Path, closing: str) -> Path:
    """A copy of the EPUB whose article ends with ``closing`` instead of its closing </section>."""
    with zipfile.ZipFile(epub) as source, zipfile.ZipFile(target, "w") as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "EPUB/article.xhtml":
                data = data.replace(b"</section>", closing.encode(), 1)
            copy.writestr(info, data)
    return target


def test_epubcheck_reports_a_broken_epub(editions: dict[str, Path], tmp_path: Path) -> None:
    broken = _with_article(editions["epub"], tmp_path / "broken.epub", "<p>unclosed</section>")
    assert any("ERROR" in f.message or "FATAL" in f.message for f in epubcheck(broken))


def test_nu_checker_reports_invalid_html(editions: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text(editions["html"].read_text(encoding="utf-8").replace("<main>", "<main><div><p>stray</main>"))
    assert any(f.message.startswith("error") for f in nu_html(bad))


def test_axe_reports_an_image_without_alt_text_and_sideways_scroll(editions: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    html = editions["html"].read_text(encoding="utf-8")
    bad.write_text(html.replace("<main>", '<main><img src="data:," style="width:900px;height:10px">', 1))
    messages = [f.message for f in axe(bad, widths=(360,), schemes=("light",))]
    assert any(m.startswith("image-alt") for m in messages)
    assert any("scrolls sideways" in m for m in messages)


def test_pdf_checks_report_an_untagged_pdf_with_a_fallback_font(editions: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy.pdf"
    shutil.copy(editions["pdf"], copy)
    with pikepdf.open(copy, allow_overwriting_input=True) as pdf:
        del pdf.Root["/MarkInfo"]
        del pdf.Root["/Lang"]
        font = next(iter(pdf.pages[0].Resources.Font.values()))
        font.BaseFont = pikepdf.Name("/ABCDEF+DejaVuSerif")
        pdf.save(copy)
    messages = [f.message for f in pdf_structure(copy)]
    assert "not tagged: /MarkInfo /Marked is not true" in messages
    assert "no document language (/Lang)" in messages
    assert "font /ABCDEF+DejaVuSerif is not one of the pinned families: a system fallback" in messages


def test_the_browser_check_reports_a_font_that_does_not_load(editions: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    html = editions["html"].read_text(encoding="utf-8")
    bad.write_text(html.replace("data:font/woff;base64,d09G", "data:font/woff;base64,AAAA", 1))
    messages = [f.message for f in axe(bad, widths=(360,), schemes=("light",))]
    assert any(m.startswith("Literata 400 normal did not load") for m in messages), messages


def test_the_browser_check_reports_a_glyph_from_a_system_font(editions: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    html = editions["html"].read_text(encoding="utf-8")
    bad.write_text(html.replace("<main>", "<main><p>한국 ∀</p>", 1), encoding="utf-8")
    messages = [f.message for f in axe(bad, widths=(360,), schemes=("light",))]
    assert any(re.fullmatch(r"\d+ glyphs drawn in the system font .+", m) for m in messages), messages


def test_the_epub_check_reports_a_glyph_from_a_system_font(editions: dict[str, Path], tmp_path: Path) -> None:
    broken = _with_article(editions["epub"], tmp_path / "broken.epub", "<p>한국 ∀</p></section>")
    messages = [f"{f.where}: {f.message}" for f in epub_fonts(broken)]
    assert any(
        re.fullmatch(r"broken\.epub/EPUB/article\.xhtml: \d+ glyphs drawn in the system font .+", m) for m in messages
    )
