"""The pinned typefaces: unchanged, licensed, the only fonts an edition can use.

fonts.toml names every family and the checksum of every file; the build
checks each file before it uses it. WeasyPrint runs with a fontconfig that
knows no font folder, so a character missing from every @font-face font
cannot be drawn from a system font: it fails the build instead.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from commands import publish
from conftest import ROOT

from publish.editions.printjob import PrintJob, Rights
from publish.errors import RenderError
from publish.styling.fonts import Typefaces
from publish.styling.styles import Styles

FONTS = ROOT / "styles" / "fonts"
CONFIG = tomllib.loads((FONTS / "fonts.toml").read_text(encoding="utf-8"))
KOREAN = ROOT / "tests" / "fixtures" / "corpus" / "korean-terms.md"


def _repo_faces() -> list[dict[str, str]]:
    return [face for family in CONFIG["family"] for face in family["faces"] if not face["file"].startswith("/")]


def test_every_pinned_file_matches_its_checksum_and_its_source_note() -> None:
    faces = _repo_faces()
    assert len(faces) == 10  # Literata and JetBrains Mono in four faces, Noto Sans Math and Noto Emoji in one
    for face in faces:
        path = FONTS / face["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == face["sha256"], face["file"]
        source = (path.parent / "SOURCE.md").read_text(encoding="utf-8")
        assert f"| {path.name} | {face['sha256']} |" in source


def test_every_family_in_the_repository_carries_its_licence() -> None:
    for family in CONFIG["family"]:
        if "licence" not in family:
            assert family["package"].startswith("fonts-noto-cjk")  # its licence is in the package and the fonts
            continue
        licence = (FONTS / family["licence"]).read_text(encoding="utf-8")
        assert "SIL OPEN FONT LICENSE Version 1.1" in licence
        holder = re.search(r"copyright (\d{4}(?:-\d{4})?) (.+)", family["credit"])
        assert holder is not None
        assert f"Copyright {holder[1]} {holder[2]}" in licence


def test_text_marked_with_a_language_takes_that_languages_han_forms() -> None:
    faces = Typefaces.of(Styles((FONTS.parent,)))
    assert faces.stack("text", "en") == ("Literata", "Noto Sans Math", "Noto Emoji", "Noto Serif CJK KR")
    assert faces.stack("text", "zh-Hans")[3] == "Noto Serif CJK SC"
    assert faces.stack("text", "zh-Hant-TW")[3] == "Noto Serif CJK TC"  # the later, longer match wins, as in CSS
    assert faces.stack("code", "ja")[0] == "JetBrains Mono"
    assert faces.stack("code", "ja")[-1] == "Noto Serif CJK JP"
    routing = faces.route({("text", "zh-Hant"): {ord("會"), ord("a")}, ("code", "en"): {ord("├")}})
    assert ord("會") in routing.chars["Noto Serif CJK TC"]
    assert ord("├") in routing.chars["JetBrains Mono"]
    assert routing.uncovered == set()
    assert ord("🎉") in faces.route({("text", "en"): {ord("🎉")}}).chars["Noto Emoji"]
    assert faces.route({("text", "en"): {ord("ا"), ord("न")}}).uncovered == {ord("ا"), ord("न")}


def test_weasyprint_cannot_reach_a_system_font(tmp_path: Path) -> None:
    """Past every check publish makes, a glyph no @font-face font has is a
    failed build, not DejaVu: WeasyPrint's fontconfig has no font folders."""
    from publish.editions.pdf import render

    literata = (FONTS / "literata" / "Literata-Regular.ttf").resolve()
    job = PrintJob(
        html='<html lang="en"><body><p>Latin, and a smile: ☺</p></body></html>',
        css=f'@font-face {{ font-family: "Literata"; src: url("{literata.as_uri()}"); }} '
        "html { font-family: Literata; }",
        base_url=tmp_path.as_uri() + "/",
        roots=(FONTS,),
        rights=Rights("rights", "https://creativecommons.org/licenses/by/4.0/", "terms", "Jane Roe"),
        source_date_epoch=1700000000,
        target=tmp_path / "out.pdf",
    )
    with pytest.raises(RenderError, match=r'\.notdef glyph rendered for Unicode string unsupported by fonts: "☺"'):
        render(job)


def _styles_with(tmp_path: Path, edit: object, manuscript: Path = KOREAN) -> Path:
    """A project beside a manuscript (the Korean one unless named), whose styles/fonts/fonts.toml is edited."""
    project = tmp_path / "project"
    (project / "manuscript").mkdir(parents=True)
    shutil.copy(manuscript, project / "manuscript" / manuscript.name)
    fonts = project / "styles" / "fonts"
    shutil.copytree(FONTS, fonts)
    config = fonts / "fonts.toml"
    config.write_text(edit(config.read_text(encoding="utf-8")), encoding="utf-8")  # type: ignore[operator]
    return project


def test_a_missing_system_font_says_what_to_install(tmp_path: Path) -> None:
    project = _styles_with(tmp_path, lambda text: text.replace("/usr/share/fonts/opentype/noto/", "/nonexistent/"))
    done = publish("build", "manuscript/korean-terms.md", "--out", "dist", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "font /nonexistent/NotoSerifCJK-Regular.ttc is missing: install fonts-noto-cjk" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (project / "dist").exists()


def test_a_font_that_is_not_the_pinned_file_is_refused(tmp_path: Path) -> None:
    project = _styles_with(tmp_path, lambda text: text.replace("7a3127b8aee7ac1f", "0000000000000000"))
    done = publish("build", "manuscript/korean-terms.md", "--out", "dist", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "Literata-Regular.ttf is not the pinned file (its SHA-256 differs from fonts.toml)" in done.stderr


def test_without_a_font_for_a_script_the_script_is_refused_at_its_lines(tmp_path: Path) -> None:
    def latin_only(text: str) -> str:
        text = text[: text.index("# Korean Hangul")]
        return text.replace(', "Noto Serif CJK KR"', "")

    project = _styles_with(tmp_path, latin_only)
    done = publish("build", "manuscript/korean-terms.md", "--out", "dist", cwd=project)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith("manuscript/korean-terms.md:3: '정' (U+C815 HANGUL SYLLABLE JEONG)")
    assert lines[0].endswith("add a font that has them to styles/fonts/fonts.toml (README, Fonts and scripts)")
    assert all(re.match(r"manuscript/korean-terms\.md:\d+: ", line) for line in lines)


def test_characters_that_tex_commands_make_are_refused_at_their_formula(tmp_path: Path) -> None:
    """\\mathbb{R} writes no ℝ in the manuscript: the refusal finds the formula by its TeX."""

    def without_math_font(text: str) -> str:
        return text.replace('"Noto Sans Math", ', "")

    math = ROOT / "tests" / "fixtures" / "corpus" / "math.md"
    project = _styles_with(tmp_path, without_math_font, manuscript=math)
    done = publish("build", "manuscript/math.md", "--out", "dist", cwd=project)
    assert done.returncode == 2, done.stderr
    formula = next(n for n, line in enumerate(math.read_text(encoding="utf-8").splitlines(), 1) if "mathbb" in line)
    at_formula = re.findall(rf"^manuscript/math\.md:{formula}: (.*)$", done.stderr, re.M)
    assert any("U+211D DOUBLE-STRUCK CAPITAL R" in line for line in at_formula), done.stderr
    assert not (project / "dist").exists()
