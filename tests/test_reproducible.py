"""The same source gives the same bytes, and DIR says what it holds."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ARTICLE, ROOT

from publish.build.release import bundle
from publish.build.run import build

sys.path.insert(0, str(ROOT / "tests" / "tools"))
from reproduce import reproduce

SLUG = "us-north-korean-summitry-round-two"
OWNED = [
    "SHA256SUMS",
    "feed.xml",
    "index.html",
    "manifest.json",
    "opds.xml",
    "republish/article.html",
    "republish/attribution.html",
    "republish/attribution.md",
    "republish/attribution.txt",
    f"{SLUG}-cover.png",
    f"{SLUG}-thumbnail.png",
    f"{SLUG}.epub",
    f"{SLUG}.html",
    f"{SLUG}.pdf",
]


def test_two_builds_under_different_conditions_are_byte_identical() -> None:
    outcome = reproduce(ROOT, say=lambda _: None)
    assert outcome.report == []
    signed = ["SHA256SUMS.minisig"] if shutil.which("minisign") else []  # one throwaway key, in both
    assert [name for name in outcome.identical if not name.startswith("collection/")] == sorted(OWNED + signed)
    # the collection of three: built with one job in one order, and with two jobs, in the other
    # order, as three shards merged; every file of every article, and the collection's own
    collection = [name.removeprefix("collection/") for name in outcome.identical if name.startswith("collection/")]
    assert {name.split("/")[0] for name in collection} == {
        "SHA256SUMS", "manifest.json", "index.html", "opds.xml", "feed.xml", *signed,
        SLUG, "field-notes-on-footnotes", "korean-terms",
    }  # fmt: skip
    assert [name.removeprefix(f"{SLUG}/") for name in collection if name.startswith(f"{SLUG}/")] == OWNED
    assert sum(name.startswith("korean-terms/") for name in collection) == len(OWNED)
    notes = " ".join(outcome.variants[1].notes)
    for condition in ("TZ=", "LC_ALL=C", "umask 077", "PYTHONHASHSEED", "HOME", "without .git"):
        assert condition in notes
    if os.geteuid() == 0:  # as in CI
        assert "run as the user nobody" in notes


def test_sha256sums_verifies_with_sha256sum(tmp_path: Path) -> None:
    build(ARTICLE, tmp_path, environ={})
    done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert sorted(line.split(": ")[0] for line in done.stdout.splitlines()) == sorted(set(OWNED) - {"SHA256SUMS"})


def test_manifest_records_inputs_tools_date_and_outputs(tmp_path: Path) -> None:
    build(ARTICLE, tmp_path, environ={})
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source_date"] == "2026-11-27T00:00:00Z"
    assert manifest["source_date_epoch"] == 1795737600
    inputs = manifest["inputs"]
    assert inputs[f"manuscript/{SLUG}.md"]["sha256"] == hashlib.sha256(ARTICLE.read_bytes()).hexdigest()
    for name in ("styles/css/print.css", "styles/templates/html.html.j2", "styles/fonts/literata/Literata-Regular.ttf"):
        assert name in inputs
    tools = manifest["tools"]
    for tool in (
        "python",
        "pandoc",
        "weasyprint",
        "pydyf",
        "ebooklib",
        "jinja2",
        "fonttools",
        "pillow",
        "pyphen",
        "lxml",
    ):
        assert tools[tool] not in ("", "not installed"), tool
    for library in ("pango", "harfbuzz", "freetype", "fontconfig", "zlib"):
        assert tools[library][0].isdigit(), library
    assert tools["pandoc"] == "3.9"
    for name, facts in manifest["outputs"].items():
        data = (tmp_path / name).read_bytes()
        assert facts == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "this_build": True}
    assert sorted(manifest["outputs"]) == sorted(set(OWNED) - {"SHA256SUMS", "manifest.json"})
    assert str(ROOT) not in (tmp_path / "manifest.json").read_text(), "no machine path in the manifest"


def test_source_date_epoch_sets_the_build_date(tmp_path: Path) -> None:
    build(ARTICLE, tmp_path, formats=("epub",), environ={"SOURCE_DATE_EPOCH": "1700000000"})
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source_date"] == "2023-11-14T22:13:20Z"
    with zipfile.ZipFile(tmp_path / f"{SLUG}.epub") as epub:
        assert {info.date_time for info in epub.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert b'<meta property="dcterms:modified">2023-11-14T22:13:20Z</meta>' in epub.read("EPUB/content.opf")


def test_only_keeps_earlier_editions_in_the_sums(tmp_path: Path) -> None:
    build(ARTICLE, tmp_path, environ={})
    pdf = (tmp_path / f"{SLUG}.pdf").read_bytes()
    build(ARTICLE, tmp_path, formats=("html",), environ={})
    assert (tmp_path / f"{SLUG}.pdf").read_bytes() == pdf
    sums = (tmp_path / "SHA256SUMS").read_text()
    assert f"{hashlib.sha256(pdf).hexdigest()}  {SLUG}.pdf" in sums
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"]["formats"] == ["html"]
    assert manifest["outputs"][f"{SLUG}.pdf"]["this_build"] is False  # left by the first build
    assert manifest["outputs"][f"{SLUG}.html"]["this_build"] is True


def test_release_bundle_is_deterministic_and_build_leaves_it_alone(tmp_path: Path) -> None:
    build(ARTICLE, tmp_path, environ={})
    first = bundle(tmp_path).read_bytes()
    second = bundle(tmp_path).read_bytes()
    assert first == second
    with zipfile.ZipFile(tmp_path / f"{SLUG}-editions.zip") as archive:
        names = archive.namelist()
        assert names == [f"{SLUG}-editions/{name}" for name in sorted(OWNED)]
        assert {info.date_time for info in archive.infolist()} == {(2026, 11, 27, 0, 0, 0)}
        assert archive.read(f"{SLUG}-editions/{SLUG}.pdf") == (tmp_path / f"{SLUG}.pdf").read_bytes()
    build(ARTICLE, tmp_path, environ={})
    assert (tmp_path / f"{SLUG}-editions.zip").read_bytes() == first
    assert "editions.zip" not in (tmp_path / "SHA256SUMS").read_text()


def _release(out_dir: Path) -> subprocess.CompletedProcess[str]:
    """What `nox -s release` runs after the build."""
    return subprocess.run(
        [sys.executable, "-m", "publish.build.release", str(out_dir)], capture_output=True, text=True, check=False
    )


def test_the_release_command_bundles_a_build(tmp_path: Path) -> None:
    build(ARTICLE, tmp_path, formats=("html",), environ={})
    done = _release(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {tmp_path / f'{SLUG}-editions.zip'}\n"
    with zipfile.ZipFile(tmp_path / f"{SLUG}-editions.zip") as archive:
        assert f"{SLUG}-editions/{SLUG}.html" in archive.namelist()


def test_release_needs_a_build(tmp_path: Path) -> None:
    done = _release(tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"release: {tmp_path}: no complete build to bundle (")
    assert done.stderr.rstrip().endswith("run `publish build` first")
    assert list(tmp_path.iterdir()) == []


def test_a_cjk_manuscript_gives_the_same_bytes_at_another_time(tmp_path: Path) -> None:
    """Its fonts are CFF subsets that publish rewrites (publish.styling.fonts): fontTools would stamp
    each with the clock. Two builds a decade apart, by faketime, give the same bytes."""
    if shutil.which("faketime") is None:
        pytest.fail("faketime is not installed (Debian: faketime); .ci/run installs it")
    manuscript = ROOT / "tests" / "fixtures" / "corpus" / "korean-terms.md"
    sums = []
    for when, out in (("2031-01-01 00:00:00", tmp_path / "a"), ("2041-06-15 12:30:00", tmp_path / "b")):
        command = [
            sys.executable,
            "-m",
            "publish",
            "build",
            "--no-cache",
            "--quiet",
            "--out",
            str(out),
            str(manuscript),
        ]
        subprocess.run(["faketime", when, *command], check=True, capture_output=True, env=dict(os.environ))
        sums.append((out / "SHA256SUMS").read_text(encoding="utf-8"))
    assert sums[0] == sums[1]


def test_the_folder_a_manuscript_is_built_in_changes_no_byte(tmp_path: Path) -> None:
    """A checkout elsewhere gives the same bytes. WeasyPrint names an image in the PDF by a hash of
    its URL, which held the folder's absolute path until images were given as publish-image:NAME."""
    from conftest import RICH

    near, far = tmp_path / "a", tmp_path / "somewhere" / "much" / "deeper"
    for folder in (near, far):
        shutil.copytree(RICH.parent, folder)
        build(folder / RICH.name, folder / "out", environ={})
    assert (near / "out" / "SHA256SUMS").read_bytes() == (far / "out" / "SHA256SUMS").read_bytes()
