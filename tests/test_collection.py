"""Collections: many manuscripts in one build, each into DIR/<slug>/, one SHA256SUMS and one
manifest.json over all, every problem reported at once, and DIR never half old, half new."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
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
    room = ["index.html", "opds.xml", "feed.xml"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*slugs, "SHA256SUMS", "manifest.json", *room])
    for slug in slugs:
        assert (out / slug / f"{slug}.pdf").is_file()
        assert (out / slug / "republish" / "attribution.md").is_file()
    listed = dict(reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines())
    every = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert sorted(listed) == [name for name in every if name != "SHA256SUMS"]  # the room and the manifest too
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    manifest = json.loads((out / "manifest.json").read_text())
    assert [a["slug"] for a in manifest["articles"]] == slugs
    assert manifest["articles"][0]["manifest"] == f"{slugs[0]}/manifest.json"
    for entry in manifest["articles"]:
        article = json.loads((out / entry["manifest"]).read_text())
        assert article["identifier"] == entry["identifier"]
        assert article["slug"] == entry["slug"]
    release = subprocess.run([sys.executable, "-m", "publish.build.release", str(out)], capture_output=True, text=True)
    assert release.returncode == 0, release.stderr
    for slug in slugs:  # what `nox -s release` runs: one bundle an article, republished one by one
        with zipfile.ZipFile(out / slug / f"{slug}-editions.zip") as bundle:
            assert f"{slug}-editions/{slug}.pdf" in bundle.namelist()
    again = publish("build", shelf, "--out", out, cwd=tmp_path)
    assert "is up to date" in again.stdout  # the bundles are the publisher's, not the build's
    assert (out / slugs[0] / f"{slugs[0]}-editions.zip").is_file()


def test_the_bytes_do_not_depend_on_order_jobs_or_shards(shelf: Path, tmp_path: Path) -> None:
    files = sorted(shelf.glob("*.md"))
    first = publish("build", *files, "--out", tmp_path / "a", "--no-cache", "--jobs", "1", cwd=tmp_path)
    second = publish("build", *reversed(files), "--out", tmp_path / "b", "--jobs", "2", cwd=tmp_path)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    a, b = snapshot(tmp_path / "a"), snapshot(tmp_path / "b")
    assert a == b
    shards = [tmp_path / f"shard-{k}" for k in (1, 2, 3)]
    held = []
    for number, shard in enumerate(shards, 1):
        done = publish("build", shelf, "--shard", f"{number}/3", "--out", shard, "--no-cache", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        held += [entry["slug"] for entry in json.loads((shard / "manifest.json").read_text())["articles"]]
    assert sorted(held) == sorted(p.stem for p in files)  # each article in one shard, and only one
    merged = publish("merge", *shards, "--out", tmp_path / "merged", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr
    assert "3 article(s)" in merged.stdout
    assert snapshot(tmp_path / "merged") == a
    again = publish("build", *files, "--shard", "2/3", "--out", tmp_path / "again", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert snapshot(tmp_path / "again") == snapshot(shards[1])  # the same share however it is run


def test_shard_is_decided_by_the_slug_alone() -> None:
    from publish.build.collection import parse_shard, shard_of

    slugs = [f"article-{n}" for n in range(300)]
    counts = [sum(shard_of(slug, 3) == k for slug in slugs) for k in (1, 2, 3)]
    assert sum(counts) == 300
    assert min(counts) > 70  # shared out, roughly evenly
    assert [shard_of(slug, 3) for slug in slugs] == [shard_of(slug, 3) for slug in slugs]
    assert all(shard_of(slug, 1) == 1 for slug in slugs)
    assert parse_shard("2/3") == (2, 3)
    for wrong in ("0/3", "4/3", "3", "a/b", "-1/2", "1/0"):
        with pytest.raises(Exception, match="expected K/N"):
            parse_shard(wrong)


def test_a_rebuild_builds_only_what_changed_and_nothing_when_nothing_did(shelf: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert publish("build", shelf, "--out", out, cwd=tmp_path).returncode == 0
    pdf = out / ARTICLE.stem / f"{ARTICLE.stem}.pdf"
    inode = pdf.stat().st_ino
    same = publish("build", shelf, "--out", out, cwd=tmp_path)
    assert same.returncode == 0
    assert f"{out} is up to date: its 3 article(s) and" in same.stdout
    assert same.stderr == ""
    page = (out / "index.html").read_bytes()
    (out / "index.html").write_bytes(page.replace(b"Creative Commons articles", b"Some articles"))
    repaired = publish("build", shelf, "--out", out, cwd=tmp_path)  # the room's files are checked too
    assert "is up to date" not in repaired.stdout
    assert (out / "index.html").read_bytes() == page
    korean = shelf / KOREAN.name
    korean.write_text(korean.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    changed = publish("build", shelf, "--out", out, cwd=tmp_path)
    assert changed.returncode == 0, changed.stderr
    assert "built 1 article(s), 2 unchanged" in changed.stdout
    assert changed.stderr.splitlines() == [f"[1/1] {KOREAN.stem}"]  # progress: one article to build
    assert pdf.stat().st_ino == inode  # the unchanged articles' files were not even rewritten
    assert "One more sentence." in (out / KOREAN.stem / f"{KOREAN.stem}.html").read_text(encoding="utf-8")
    sums = (out / "SHA256SUMS").read_text()
    digest = hashlib.sha256((out / KOREAN.stem / f"{KOREAN.stem}.html").read_bytes()).hexdigest()
    assert f"{digest}  {KOREAN.stem}/{KOREAN.stem}.html\n" in sums


def test_progress_counts_articles_and_quiet_silences_it(shelf: Path, tmp_path: Path) -> None:
    done = publish("build", shelf, "--out", tmp_path / "out", "--no-cache", "--jobs", "1", cwd=tmp_path)
    assert done.returncode == 0
    lines = done.stderr.splitlines()
    assert [line.split("]")[0] for line in lines] == ["[1/3", "[2/3", "[3/3"]
    assert all(line.endswith(" left") for line in lines[:2]), lines
    assert "left" not in lines[2]
    # the longest manuscript first, so the others fill in around it
    sizes = {p.stem: p.stat().st_size for p in shelf.glob("*.md")}
    assert lines[0].split()[1].rstrip(",") == max(sizes, key=sizes.__getitem__)
    quiet = publish("build", shelf, "--out", tmp_path / "quiet", "--no-cache", "--quiet", cwd=tmp_path)
    assert quiet.returncode == 0
    assert quiet.stdout == quiet.stderr == ""


def test_what_else_the_folder_holds_stays_and_dropped_articles_go(shelf: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert publish("build", shelf, "--out", out, cwd=tmp_path).returncode == 0
    (out / "README.txt").write_text("a note of the publisher's\n")
    (out / "extra").mkdir()
    (out / "extra" / "x.txt").write_text("x\n")
    (shelf / KOREAN.name).unlink()
    done = publish("build", shelf, "--out", out, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (out / KOREAN.stem).exists()
    assert (out / "README.txt").read_text() == "a note of the publisher's\n"
    assert (out / "extra" / "x.txt").is_file()
    assert "README.txt" not in (out / "SHA256SUMS").read_text()
    slugs = [a["slug"] for a in json.loads((out / "manifest.json").read_text())["articles"]]
    assert slugs == sorted([ARTICLE.stem, RICH.stem])
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]


def test_merge_refuses_a_missing_shard_and_a_changed_manifest(shelf: Path, tmp_path: Path) -> None:
    shards = [tmp_path / f"s{k}" for k in (1, 2, 3)]
    for number, folder in enumerate(shards, 1):
        done = publish("build", shelf, "--shard", f"{number}/3", "--out", folder, "--no-cache", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert json.loads((folder / "manifest.json").read_text())["shard"] == {"number": number, "count": 3}
    partial = publish("merge", shards[0], shards[2], "--out", tmp_path / "merged", cwd=tmp_path)
    assert partial.returncode == 2
    assert "shard 2/3 is missing" in partial.stderr
    twice = publish("merge", *shards, shards[0], "--out", tmp_path / "merged", cwd=tmp_path)
    assert twice.returncode == 2
    assert "it is shard 1/3, and so is" in twice.stderr
    manifest = shards[1] / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"count": 3', '"count": 3, "note": "changed"'))
    changed = publish("merge", *shards, "--out", tmp_path / "merged", cwd=tmp_path)
    assert changed.returncode == 2
    assert "manifest.json does not match its checksum" in changed.stderr
    assert not (tmp_path / "merged").exists()


def test_a_rebuild_drops_a_signature_that_no_longer_holds(shelf: Path, tmp_path: Path) -> None:
    single, collection = tmp_path / "single", tmp_path / "collection"
    assert publish("build", shelf / ARTICLE.name, "--out", single, cwd=tmp_path).returncode == 0
    assert publish("build", shelf, "--out", collection, cwd=tmp_path).returncode == 0
    for folder in (single, collection):
        (folder / "SHA256SUMS.minisig").write_text("a signature of these checksums\n")
        same = publish("build", *([shelf / ARTICLE.name] if folder == single else [shelf]), "--out", folder,
                       "--no-cache", cwd=tmp_path)  # fmt: skip
        assert same.returncode == 0, same.stderr
        assert (folder / "SHA256SUMS.minisig").is_file(), folder  # the same checksums: it still holds
        other = publish("build", *([shelf / ARTICLE.name] if folder == single else [shelf]), "--out", folder,
                        "--paper", "letter", cwd=tmp_path)  # fmt: skip
        assert other.returncode == 0, other.stderr
        assert not (folder / "SHA256SUMS.minisig").exists(), folder  # other checksums: it went with them


def test_no_temporary_folder_is_left_behind(shelf: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    for args in ([shelf / ARTICLE.name, "--out", tmp_path / "a"], [shelf, "--out", tmp_path / "b"]):
        command = [sys.executable, "-m", "publish", "build", *map(str, args), "--no-cache", "--quiet"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in scratch.iterdir()) == []  # WeasyPrint's font folders included


def test_merge_verifies_each_shard_and_refuses_one_article_twice(shelf: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert publish("build", shelf / ARTICLE.name, shelf / KOREAN.name, "--out", one, cwd=tmp_path).returncode == 0
    assert publish("build", shelf / KOREAN.name, "--shard", "1/1", "--out", two, cwd=tmp_path).returncode == 0
    twice = publish("merge", one, two, "--out", tmp_path / "merged", cwd=tmp_path)
    assert twice.returncode == 2
    assert f"{two / 'manifest.json'}:1: article '{KOREAN.stem}' is also in {one}" in twice.stderr
    assert not (tmp_path / "merged").exists()
    html = one / ARTICLE.stem / f"{ARTICLE.stem}.html"
    html.write_bytes(html.read_bytes().replace(b"James Person", b"Someone Else"))
    listed = (one / "SHA256SUMS").read_text().splitlines()
    line = next(n for n, text in enumerate(listed, 1) if text.endswith(f"{ARTICLE.stem}/{ARTICLE.stem}.html"))
    tampered = publish("merge", one, "--out", tmp_path / "merged", cwd=tmp_path)
    assert tampered.returncode == 2
    assert f"{one / 'SHA256SUMS'}:{line}: {ARTICLE.stem}/{ARTICLE.stem}.html does not match its checksum" in (
        tampered.stderr
    )
    lone = publish("merge", shelf, "--out", tmp_path / "merged", cwd=tmp_path)
    assert lone.returncode == 2
    assert "not a collection's manifest" in lone.stderr


def test_several_manuscripts_in_the_manuscript_folder_build_them_all(shelf: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(shelf, project / "manuscript")
    (project / "manuscript" / ".#draft.md").write_text("an editor's lock file, not a manuscript")
    done = publish("build", "--quiet", cwd=project)  # what `nox -s build` runs
    assert done.returncode == 0, done.stderr
    slugs = [a["slug"] for a in json.loads((project / "dist" / "manifest.json").read_text())["articles"]]
    assert slugs == sorted(p.stem for p in shelf.glob("*.md"))


def test_every_problem_of_every_manuscript_at_once_and_nothing_replaced(shelf: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert publish("build", shelf, "--out", out, cwd=tmp_path).returncode == 0
    before = snapshot(out)
    article = shelf / ARTICLE.name
    article.write_text(article.read_text(encoding="utf-8").replace("value: 2019-02\n", "value: 2019-02-30\n"))
    korean = shelf / KOREAN.name
    korean.write_text(korean.read_text(encoding="utf-8").replace("licence: CC", "licence: XX", 1))
    (shelf / "figure.png").unlink()  # found only when the article is built, in a build process
    done = publish("build", shelf, "--out", out, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert any(line.startswith(f"{shelf / ARTICLE.name}:") and "2019-02-30" in line for line in lines), lines
    assert any(line.startswith(f"{shelf / KOREAN.name}:") and "licence" in line for line in lines), lines
    assert any(line.startswith(f"{shelf / RICH.name}:") and "figure.png" in line for line in lines), lines
    assert snapshot(out) == before
    assert not list(tmp_path.glob(".out.staging-*"))

    kept = publish("build", shelf, "--out", out, "--keep-going", cwd=tmp_path)
    assert kept.returncode == 2
    assert "3 kept their previous editions" in kept.stdout
    after = snapshot(out)
    assert after == before  # every article failed, so every one kept its editions
    shutil.copy(RICH.parent / "figure.png", shelf / "figure.png")
    (out / RICH.stem / f"{RICH.stem}.html").unlink()  # so it is built again, not found unchanged
    kept = publish("build", shelf, "--out", out, "--keep-going", cwd=tmp_path)
    assert kept.returncode == 2
    assert "built 1 article(s)" in kept.stdout
    assert "2 kept their previous editions" in kept.stdout
    after = snapshot(out)
    assert (out / RICH.stem / f"{RICH.stem}.html").is_file()
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


@pytest.mark.parametrize("option", [["--keep-going"], ["--jobs", "2"]])
def test_collection_options_are_for_collections(option: list[str], tmp_path: Path) -> None:
    done = publish("build", ARTICLE, *option, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2
    assert f"{option[0]} is for a collection" in done.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("option", "message"), [(["--jobs", "0"], "at least 1"), (["--shard", "4/3"], "K/N")])
def test_bad_collection_options_are_refused(option: list[str], message: str, shelf: Path, tmp_path: Path) -> None:
    done = publish("build", shelf, *option, "--out", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert not (tmp_path / "out").exists()


def test_the_entry_point_starts_no_pdf_worker_for_a_collection(shelf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from publish._entry import _wants_pdf

    monkeypatch.chdir(shelf.parent)
    assert _wants_pdf(["build", "shelf/" + ARTICLE.name])
    assert _wants_pdf(["build", "--out", "shelf", "x.md"])  # a folder, but as --out's value
    assert not _wants_pdf(["build", "shelf"])
    assert not _wants_pdf(["build", "a.md", "b.md"])
    assert not _wants_pdf(["build", "a.md", "--jobs=2"])
    assert not _wants_pdf(["build", "a.md", "--shard", "1/2"])
    (shelf.parent / "manuscript").mkdir()
    assert _wants_pdf(["build"])
    for name in ("a.md", "b.md"):
        (shelf.parent / "manuscript" / name).write_text("")
    assert not _wants_pdf(["build"])


def _build_processes(root: int) -> list[int]:
    """The processes a collection build forked to build its articles: the forkserver's children."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue

    def descends(pid: int) -> bool:
        while pid in parents and pid != root:
            pid = parents[pid]
        return pid == root

    servers = [pid for pid in parents if descends(pid) and b"forkserver" in _cmdline(pid)]
    return [pid for pid, parent in parents.items() if parent in servers]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_a_build_process_killed_fails_the_build_and_replaces_nothing(shelf: Path, tmp_path: Path) -> None:
    import os
    import signal
    import time

    out = tmp_path / "out"
    out.mkdir()
    (out / "note.txt").write_text("the publisher's\n")
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "publish", "build", str(shelf), "--out", str(out), "--no-cache", "--jobs", "1"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 30
    while not (found := _build_processes(process.pid)) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert found, "no build process was seen"
    os.kill(found[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr
    assert "the process building it stopped without a word" in stderr
    assert sorted(p.name for p in out.iterdir()) == ["note.txt"]
    assert not [p for p in tmp_path.iterdir() if ".staging-" in p.name]
