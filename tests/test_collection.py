"""Collections: many manuscripts in one build, each into DIR/<slug>/, one SHA256SUMS and one
manifest.json over all, every problem reported at once, and DIR never half old, half new."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from commands import publish, snapshot
from conftest import ARTICLE, RICH, ROOT

KOREAN = ROOT / "tests" / "fixtures" / "corpus" / "korean-terms.md"


@pytest.fixture
def shelf(tmp_path: Path) -> Path:
    """A folder of three manuscripts: the article, the rich fixture (with its figure) and Korean text."""
    folder = tmp_path / "shelf"
    folder.mkdir()
    for manuscript in (ARTICLE, RICH, KOREAN):
        shutil.copy(manuscript, folder / manuscript.name)
    shutil.copy(RICH.parent / "figure.png", folder / "figure.png")
    return folder


def test_a_folder_builds_every_manuscript_in_it(shelf: Path, tmp_path: Path) -> None:
    done = publish("build", shelf, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    slugs = sorted(p.stem for p in shelf.glob("*.md"))
    assert sorted(p.name for p in out.iterdir()) == sorted([*slugs, "SHA256SUMS", "manifest.json"])
    for slug in slugs:
        assert (out / slug / f"{slug}.pdf").is_file()
        assert (out / slug / "republish" / "attribution.md").is_file()
    listed = dict(reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines())
    every = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert sorted(listed) == [name for name in every if name not in ("SHA256SUMS", "manifest.json")]
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    manifest = json.loads((out / "manifest.json").read_text())
    assert [a["slug"] for a in manifest["articles"]] == slugs
    assert manifest["articles"][0]["manifest"] == f"{slugs[0]}/manifest.json"


def test_the_bytes_do_not_depend_on_the_order_of_the_files(shelf: Path, tmp_path: Path) -> None:
    files = sorted(shelf.glob("*.md"))
    first = publish("build", *files, "--out", tmp_path / "a", "--no-cache", cwd=tmp_path)
    second = publish("build", *reversed(files), "--out", tmp_path / "b", cwd=tmp_path)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    differ = {name: (a.get(name), b.get(name)) for name in set(a) | set(b) if a.get(name) != b.get(name)}
    assert not differ, {k: v for k, v in differ.items() if k.endswith("manifest.json")}


def test_every_problem_of_every_manuscript_at_once_and_nothing_replaced(shelf: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert publish("build", shelf, "--out", out, cwd=tmp_path).returncode == 0
    before = snapshot(out)
    article = shelf / ARTICLE.name
    article.write_text(article.read_text(encoding="utf-8").replace("value: 2019-02\n", "value: 2019-02-30\n"))
    korean = shelf / KOREAN.name
    korean.write_text(korean.read_text(encoding="utf-8").replace("licence: CC", "licence: XX", 1))
    done = publish("build", shelf, "--out", out, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert any(line.startswith(f"{shelf / ARTICLE.name}:") and "2019-02-30" in line for line in lines), lines
    assert any(line.startswith(f"{shelf / KOREAN.name}:") and "licence" in line for line in lines), lines
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".out.staging-*"))

    kept = publish("build", shelf, "--out", out, "--keep-going", cwd=tmp_path)
    assert kept.returncode == 2
    assert "kept their previous editions" in kept.stdout
    after = snapshot(out)
    for slug in (ARTICLE.stem, KOREAN.stem):  # failed: their previous editions, byte for byte
        assert {k: v for k, v in after.items() if k.startswith(f"{slug}/")} == {
            k: v for k, v in before.items() if k.startswith(f"{slug}/")
        }


def test_two_manuscripts_for_one_folder_or_one_identifier_are_refused(shelf: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    twin = other / ARTICLE.name
    shutil.copy(ARTICLE, twin)
    done = publish("build", shelf, twin, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2
    assert f"its slug '{ARTICLE.stem}' is also" in done.stderr
    assert not (tmp_path / "out").exists()
    copy = shelf / "a-copy.md"
    shutil.copy(KOREAN, copy)
    done = publish("build", shelf, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2
    assert "identifier: urn:uuid:" in done.stderr
    assert "is also" in done.stderr
    assert str(copy) in done.stderr


def test_keep_going_is_for_collections(tmp_path: Path) -> None:
    done = publish("build", ARTICLE, "--keep-going", "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2
    assert "--keep-going is for a collection" in done.stderr
