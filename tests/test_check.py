"""`publish check` passes complete editions and catches every kind of tampering."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from commands import publish
from conftest import ARTICLE, RICH

NOTICE = "This article is published under a Creative Commons License and may be republished with attribution."
DEED = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
OTHER_DEED = "https://creativecommons.org/licenses/by/4.0/"


def check(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return publish("check", *args)


def lines(done: subprocess.CompletedProcess[str], path: Path) -> list[str]:
    prefix = f"{path}: "
    return [line.removeprefix(prefix) for line in done.stdout.splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("fixture", ["editions", "rich_editions"])
def test_complete_editions_pass(fixture: str, request: pytest.FixtureRequest) -> None:
    editions: dict[str, Path] = request.getfixturevalue(fixture)
    manuscript = ARTICLE if fixture == "editions" else RICH
    for args in ((), ("--manuscript", manuscript)):
        done = check(*editions.values(), *args)
        assert done.returncode == 0, done.stdout
        kinds = sorted(line.rsplit("(", 1)[1] for line in done.stdout.splitlines())
        assert kinds == ["EPUB)", "HTML)", "PDF)"]


def test_the_wrong_manuscript_is_caught(editions: dict[str, Path]) -> None:
    done = check(editions["html"], "--manuscript", RICH)
    assert done.returncode == 1
    found = lines(done, editions["html"])
    title = "“US and North Korean Summitry: Round Two”, the manuscript's is “Field Notes on Footnotes”"
    assert f"manuscript: the title is {title}" in found
    assert f"manuscript: the licence is {DEED}, the manuscript's is {OTHER_DEED}" in found


# -- tampered copies -------------------------------------------------------------


def _edit_zip(source: Path, target: Path, edit: Callable[[str, bytes], bytes]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info, edit(info.filename, old.read(info)))


def _copy(path: Path, tmp_path: Path) -> Path:
    target = tmp_path / f"copy{path.suffix}"
    shutil.copy(path, target)
    return target


def test_html_tampering(editions: dict[str, Path], tmp_path: Path) -> None:
    original = editions["html"].read_text(encoding="utf-8")
    cases = {
        "notice removed": (
            original.replace(f">{NOTICE}<", "><"),
            f"inconsistent: the notice in JSON-LD copyrightNotice is not shown: “{NOTICE}”",
        ),
        "licence link changed": (
            original.replace(f'rel="license" href="{DEED}">CC BY', f'rel="license" href="{OTHER_DEED}">CC BY'),
            f"inconsistent: the visible licence link {OTHER_DEED} is not the licence in the metadata, {DEED}",
        ),
        "wrong author": (
            original.replace('"name": "James Person"', '"name": "John Doe"'),
            "inconsistent: the author “John Doe” in the metadata is not the one shown",
        ),
        "JSON-LD removed": (
            re.sub(r'<script type="application/ld\+json">.*?</script>', "", original, flags=re.S),
            "machine-readable: no schema.org JSON-LD block",
        ),
    }
    for name, (text, expected) in cases.items():
        path = tmp_path / f"{name.replace(' ', '-')}.html"
        path.write_text(text, encoding="utf-8")
        done = check(path)
        assert done.returncode == 1, name
        assert expected in lines(done, path), (name, done.stdout)


def test_html_notice_removed_against_the_manuscript(editions: dict[str, Path], tmp_path: Path) -> None:
    path = tmp_path / "no-notice.html"
    html = editions["html"].read_text(encoding="utf-8").replace(f">{NOTICE}<", "><")
    path.write_text(html.replace(f'"copyrightNotice": "{NOTICE}"', '"copyrightNotice": "All rights reserved."'))
    done = check(path, "--manuscript", ARTICLE)
    found = lines(done, path)
    assert "manuscript: the original notice is not shown verbatim" in found
    assert "manuscript: JSON-LD copyrightNotice does not carry the original notice" in found


def test_pdf_tampering(editions: dict[str, Path], tmp_path: Path) -> None:
    def no_xmp(pdf: pikepdf.Pdf) -> None:
        del pdf.Root["/Metadata"]

    def no_rights(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            del meta["dc:rights"]

    def wrong_author(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:creator"] = ["John Doe"]

    def other_link(pdf: pikepdf.Pdf) -> None:
        for page in pdf.pages:
            for annotation in page.get("/Annots", []):
                if str(annotation.get("/A", {}).get("/URI", "")) == DEED:
                    annotation.A.URI = pikepdf.String(OTHER_DEED)

    def encrypted(pdf: pikepdf.Pdf) -> None:
        pass  # saved with encryption below

    cases: dict[str, tuple[Callable[[pikepdf.Pdf], None], str]] = {
        "XMP removed": (no_xmp, "machine-readable: no XMP metadata"),
        "dc:rights removed": (no_rights, "machine-readable: XMP has no dc:rights"),
        "wrong author": (wrong_author, "inconsistent: the author “John Doe” in the metadata is not the one shown"),
        "licence link changed": (
            other_link,
            f"inconsistent: the visible licence link {OTHER_DEED} is not the licence in the metadata, {DEED}",
        ),
        "encrypted": (encrypted, "encrypted: CC licences forbid technical restrictions on reuse"),
    }
    for name, (edit, expected) in cases.items():
        path = tmp_path / f"{name.replace(' ', '-').replace(':', '')}.pdf"
        with pikepdf.open(editions["pdf"]) as pdf:
            edit(pdf)
            encryption = pikepdf.Encryption(owner="o", user="", allow=pikepdf.Permissions(extract=False))
            pdf.save(path, encryption=encryption if name == "encrypted" else False)
        done = check(path)
        assert done.returncode == 1, name
        assert expected in lines(done, path), (name, done.stdout)


def test_epub_tampering(editions: dict[str, Path], tmp_path: Path) -> None:
    def opf(edit: Callable[[str], str]) -> Callable[[str, bytes], bytes]:
        return lambda name, data: edit(data.decode()).encode() if name.endswith(".opf") else data

    def documents(edit: Callable[[str], str]) -> Callable[[str, bytes], bytes]:
        return lambda name, data: edit(data.decode()).encode() if name.endswith(".xhtml") else data

    cases: dict[str, tuple[Callable[[str, bytes], bytes], str]] = {
        "dc:rights removed": (
            opf(lambda s: re.sub(r"<dc:rights>.*?</dc:rights>", "", s, flags=re.S)),
            "machine-readable: the OPF has no dc:rights",
        ),
        "wrong author": (
            opf(lambda s: s.replace(">James Person</dc:creator>", ">John Doe</dc:creator>")),
            "inconsistent: the author “John Doe” in the metadata is not the one shown",
        ),
        "notice removed": (
            documents(lambda s: s.replace(f">{NOTICE}<", "><")),
            f"inconsistent: the notice in OPF dc:rights is not shown: “{NOTICE}”",
        ),
        "licence link changed": (
            documents(lambda s: s.replace(f'rel="license" href="{DEED}"', f'rel="license" href="{OTHER_DEED}"')),
            f"inconsistent: the visible licence link {OTHER_DEED} is not the licence in the metadata, {DEED}",
        ),
        "no copyright page": (
            documents(lambda s: s.replace('epub:type="copyright-page"', 'epub:type="appendix"')),
            'no document is marked epub:type="copyright-page"',
        ),
    }
    for name, (edit, expected) in cases.items():
        path = tmp_path / f"{name.replace(' ', '-').replace(':', '')}.epub"
        _edit_zip(editions["epub"], path, edit)
        done = check(path)
        assert done.returncode == 1, name
        assert expected in lines(done, path), (name, done.stdout)


def test_unreadable_files_exit_2(editions: dict[str, Path], tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just text\n")
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(editions["pdf"].read_bytes()[:300])
    missing = tmp_path / "missing.epub"
    for path, message in (
        (text, "unreadable: not an HTML, PDF or EPUB file"),
        (truncated, "unreadable: not a readable PDF"),
        (missing, "unreadable: cannot read: No such file or directory"),
    ):
        done = check(path)
        assert done.returncode == 2, path
        assert any(line.startswith(message) for line in lines(done, path)), done.stdout
    mixed = check(editions["html"], text)
    assert mixed.returncode == 2, "the worst result wins"


def test_a_file_without_attribution_lists_what_is_missing(tmp_path: Path) -> None:
    bare = tmp_path / "bare.html"
    bare.write_text("<!DOCTYPE html><html><head><title>T</title></head><body><p>Hello.</p></body></html>")
    done = check(bare)
    assert done.returncode == 1
    found = lines(done, bare)
    for expected in (
        'machine-readable: no <link rel="license"> in the head',
        "machine-readable: no schema.org JSON-LD block",
        "visible: no link to the licence",
        "visible: no Creative Commons notice",
        "visible: no statement of changes (e.g. “Text unchanged”)",
        "visible: no statement that no endorsement is implied",
    ):
        assert expected in found


def test_attribution_command_prints_the_credit_line() -> None:
    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "publish", "attribution", *args], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    text = run(str(ARTICLE))
    assert text.startswith("“US and North Korean Summitry: Round Two” by Dr James Person.")
    assert text.endswith("Text unchanged.")
    markdown = run(str(RICH), "--format", "markdown")
    assert f"[CC BY 4.0]({OTHER_DEED})" in markdown
    html = run(str(ARTICLE), "--format", "html")
    assert 'property="cc:attributionName">Dr James Person</span>' in html
    assert f'rel="license" href="{DEED}"' in html
