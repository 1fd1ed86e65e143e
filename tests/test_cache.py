"""The cache reuses work and never changes a byte; only what is asked for is built.

These are not timed tests (timing lives in `nox -s bench`): they check what
runs, not how fast.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from commands import snapshot
from conftest import ARTICLE, RICH

import publish.build.cache
import publish.source.body
from publish.build.cache import Cache
from publish.build.run import build
from publish.errors import UsageError


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the rich manuscript with its own styles, to change things in."""
    folder = tmp_path / "project"
    shutil.copytree(RICH.parent, folder / "manuscript")
    shutil.copytree(ARTICLE.parent.parent / "styles", folder / "styles")
    return folder / "manuscript" / RICH.name


def test_cached_and_uncached_builds_are_byte_identical(project: Path, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    first = build(project, tmp_path / "a", cache=cache, environ={})
    assert first.cached == ()
    second = build(project, tmp_path / "b", cache=cache, environ={})
    assert second.cached == ("html", "epub", "pdf", "kit", "cover")  # without a worker, the quickest first
    build(project, tmp_path / "c", environ={})  # no cache at all
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b") == snapshot(tmp_path / "c")


def test_pandoc_runs_once_and_not_at_all_when_cached(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = publish.source.body.subprocess.run

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(publish.source.body.subprocess, "run", counting)
    cache = Cache(tmp_path / "cache")
    build(project, tmp_path / "a", cache=cache, environ={})
    assert len(calls) == 1, "pandoc runs once for all three editions"
    build(project, tmp_path / "b", cache=cache, environ={})
    assert len(calls) == 1, "a rebuild with nothing changed runs pandoc no more"


@pytest.mark.parametrize(
    ("change", "still_cached"),
    [
        ("manuscript body", ()),
        ("manuscript front matter", ()),
        ("figure", ()),
        ("print.css", ()),  # any style file: every edition is rebuilt, the safe side
        ("the fonts' stacks", ()),  # the manifest's list of fonts too, which the body's entry holds
        ("a template", ()),
        ("source date", ()),
        ("paper", ("html", "epub", "kit", "cover")),
        ("toolchain code", ()),
    ],
)
def test_the_key_covers_every_input(
    change: str, still_cached: tuple[str, ...], project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Cache(tmp_path / "cache")
    build(project, tmp_path / "first", cache=cache, environ={})
    folder = project.parent.parent
    environ: dict[str, str] = {}
    paper = "a4"
    if change == "manuscript body":
        project.write_text(project.read_text(encoding="utf-8").replace("clean.", "tidy."), encoding="utf-8")
    elif change == "manuscript front matter":
        project.write_text(project.read_text(encoding="utf-8").replace("Jane Roe", "Jane Doe"), encoding="utf-8")
    elif change == "figure":
        from PIL import Image

        Image.new("RGB", (600, 300), (10, 120, 10)).save(project.parent / "figure.png")
    elif change == "print.css":
        css = folder / "styles" / "css" / "print.css"
        css.write_text(css.read_text() + "\nh2 { letter-spacing: 0.01em; }\n")
    elif change == "the fonts' stacks":
        config = folder / "styles" / "fonts" / "fonts.toml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace('text = ["Literata", ', 'text = ["JetBrains Mono", "Literata", ', 1))
    elif change == "a template":
        partials = folder / "styles" / "templates" / "partials.html.j2"
        partials.write_text(partials.read_text().replace("Colophon</", "Colophon </"))
    elif change == "source date":
        environ = {"SOURCE_DATE_EPOCH": "1700000000"}
    elif change == "paper":
        paper = "letter"
    elif change == "toolchain code":
        monkeypatch.setattr(publish.build.cache, "code_fingerprint", lambda: "a newer publish")
        monkeypatch.setattr("publish.build.run.code_fingerprint", lambda: "a newer publish")
    again = build(project, tmp_path / "second", cache=cache, environ=environ, paper=paper)
    assert again.cached == still_cached
    uncached = build(project, tmp_path / "third", environ=environ, paper=paper)
    assert snapshot(tmp_path / "second") == snapshot(tmp_path / "third"), "a stale entry was never served"
    assert uncached.cached == ()


def test_no_cache_leaves_the_cache_alone(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    done = subprocess.run(
        [sys.executable, "-m", "publish", "build", str(ARTICLE), "--out", str(tmp_path / "out"), "--no-cache",
         "--cache-dir", str(root), "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not root.exists()


def test_the_cache_may_not_live_in_the_output_folder(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is inside the output folder"):
        build(ARTICLE, tmp_path / "out", cache=Cache(tmp_path / "out" / ".cache"), environ={})


def test_an_unwritable_cache_makes_a_build_slower_not_wrong(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache would go")
    result = build(ARTICLE, tmp_path / "out", formats=("html",), cache=Cache(blocked), environ={})
    assert result.cached == ()
    assert (tmp_path / "out" / "us-north-korean-summitry-round-two.html").is_file()


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    cache.put_json("ab" + "0" * 62, {"kept": True})
    assert cache.get_json("ab" + "0" * 62) == {"kept": True}
    (tmp_path / "ab" / ("ab" + "0" * 62)).write_bytes(b'{"kept": tr')  # cut short, by a full disc say
    assert cache.get_json("ab" + "0" * 62) is None
    assert cache.get_json("cd" + "0" * 62) is None  # never written


def test_the_cache_drops_the_least_recently_used_past_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = Cache(tmp_path)
    keys = [f"{n:02x}" + "0" * 62 for n in range(4)]
    for age, key in enumerate(keys):
        cache.put(key, bytes(100))
        os.utime(tmp_path / key[:2] / key, (1_000_000 + age, 1_000_000 + age))
    os.utime(tmp_path / keys[0][:2] / keys[0], (2_000_000, 2_000_000))  # the oldest, read again since
    monkeypatch.setattr(publish.build.cache, "MAX_BYTES", 250)
    cache.put("ff" + "0" * 62, bytes(100))
    kept = sorted(p.name[:2] for p in tmp_path.glob("*/*"))
    assert kept == ["00", "ff"], kept  # 200 bytes: under 250, dropping 01, 02 and 03 in age order


def _modules_after(*arguments: str) -> set[str]:
    script = (
        "import sys\n"
        "from publish._entry import main\n"
        f"sys.argv = ['publish', {', '.join(repr(a) for a in arguments)}]\n"
        "main()\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def _state(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``folder``: its inode, its modification time and its bytes."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_build_with_nothing_to_do_parses_nothing_and_writes_nothing(project: Path, tmp_path: Path) -> None:
    """The stamp of the last build (publish.build.stamp): same inputs, same DIR, so not even the
    manuscript is parsed, and DIR is left as it is."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    arguments = ("build", str(project), "--out", str(out), "--cache-dir", str(cache))
    first = subprocess.run([sys.executable, "-m", "publish", *arguments], capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    before = _state(out)
    modules = _modules_after(*arguments)
    assert _state(out) == before
    heavy = ("yaml", "jinja2", "lxml", "weasyprint", "ebooklib", "pypandoc", "PIL", "fontTools", "publish.source")
    assert not [m for m in modules if m.startswith(heavy)]
    again = subprocess.run([sys.executable, "-m", "publish", *arguments], capture_output=True, text=True, check=False)
    assert re.fullmatch(
        rf"{re.escape(str(out))} is up to date: its \d+ files are what this build would write \(\d+\.\d\d s\)\n",
        again.stdout,
    )


@pytest.mark.parametrize(
    "change",
    ["an edition in DIR", "a file gone from DIR", "the figure", "a style", "SOURCE_DATE_EPOCH", "--only", "--paper"],
)
def test_anything_else_is_an_ordinary_build(change: str, project: Path, tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    arguments = ["build", str(project), "--out", str(out), "--cache-dir", str(cache)]
    env = {**os.environ}
    env.pop("SOURCE_DATE_EPOCH", None)
    assert subprocess.run([sys.executable, "-m", "publish", *arguments], env=env, check=False).returncode == 0
    slug = project.stem
    if change == "an edition in DIR":
        (out / f"{slug}.html").write_text("edited by hand", encoding="utf-8")
    elif change == "a file gone from DIR":
        (out / "republish" / "attribution.md").unlink()
    elif change == "the figure":
        from PIL import Image

        Image.new("RGB", (600, 300), (10, 120, 10)).save(project.parent / "figure.png")
    elif change == "a style":
        css = project.parent.parent / "styles" / "css" / "screen.css"
        css.write_text(css.read_text(encoding="utf-8") + "\np { margin: 0; }\n", encoding="utf-8")
    elif change == "SOURCE_DATE_EPOCH":
        env["SOURCE_DATE_EPOCH"] = "1700000000"
    elif change == "--only":
        arguments += ["--only", "html"]
    elif change == "--paper":
        arguments += ["--paper", "letter"]
    done = subprocess.run(
        [sys.executable, "-m", "publish", *arguments], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "is up to date" not in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("built ")
    fresh = subprocess.run(
        [
            sys.executable,
            "-m",
            "publish",
            *arguments[:2],
            "--out",
            str(tmp_path / "fresh"),
            "--no-cache",
            *arguments[6:],
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert fresh.returncode == 0, fresh.stderr
    if change != "--only":  # --only keeps the editions DIR had
        assert snapshot(out) == snapshot(tmp_path / "fresh")


def test_an_edition_not_asked_for_costs_nothing(tmp_path: Path) -> None:
    html_only = _modules_after(
        "build", str(ARTICLE), "--only", "html", "--no-cache", "-q", "--out", str(tmp_path / "h")
    )
    assert not any(m.startswith(("weasyprint", "ebooklib")) for m in html_only)
    pdf_only = _modules_after("build", str(ARTICLE), "--only", "pdf", "--no-cache", "-q", "--out", str(tmp_path / "p"))
    assert not any(m.startswith("ebooklib") for m in pdf_only)
    assert not any(m.startswith("weasyprint") for m in pdf_only), "WeasyPrint runs in the PDF worker only"
    assert sorted(p.suffix for p in (tmp_path / "p").glob("*.*")) == [
        ".html",
        ".json",
        ".pdf",
        ".png",
        ".png",
        ".xml",
        ".xml",
    ]


def test_progress_shows_after_its_threshold_and_quiet_silences_it(tmp_path: Path) -> None:
    """The threshold is set, not waited for: at 0 s every part shows, at an hour none does."""
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "publish",
        "build",
        str(ARTICLE),
        "--only",
        "pdf,html",
        "--no-cache",
        "--out",
        str(out),
    ]

    def run(*extra: str, after: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PUBLISH_PROGRESS_AFTER": after}
        return subprocess.run([*command, *extra], capture_output=True, text=True, check=True, env=env)

    shown = run(after="0").stderr.splitlines()
    assert [line.split()[0] for line in shown] == ["html", "kit", "cover", "pdf"], shown
    assert all(re.fullmatch(r"  (html |kit  |cover|pdf  ) \d+\.\d\d s", line) for line in shown), shown
    assert run(after="3600").stderr == ""
    quiet = run("--quiet", after="0")
    assert (quiet.stdout, quiet.stderr) == ("", "")


def test_a_progress_threshold_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    env = {**os.environ, "PUBLISH_PROGRESS_AFTER": "soon"}
    done = subprocess.run(
        [sys.executable, "-m", "publish", "build", str(ARTICLE), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 2
    assert done.stderr == "publish build: error: PUBLISH_PROGRESS_AFTER='soon': expected a number of seconds\n"
    assert not (tmp_path / "out").exists()


def test_a_stamp_that_cannot_be_read_or_trusted_means_an_ordinary_build(project: Path, tmp_path: Path) -> None:
    """Whatever is odd about the stamp or the inputs, `unchanged` says "build", never "up to date"."""
    from publish.build.stamp import _key, record, unchanged

    cache, out = Cache(tmp_path / "cache"), tmp_path / "out"
    options: dict = {"styles": None, "formats": ("html",), "paper": "a4", "environ": {}}
    build(project, out, formats=("html",), cache=cache, environ={})
    record(cache, project, out, slug=project.stem, images=[], **options)
    assert unchanged(cache, project, out, **options) is not None
    assert unchanged(cache, project.parent, out, **options) is None  # a folder
    key = _key(project, None, ("html",), "a4", {}, None)
    assert key is not None
    for damaged in (["not", "a", "dict"], {"slug": 1}, {"slug": "s", "images": 3, "files": {}}):
        cache.put_json(key, damaged)
        assert unchanged(cache, project, out, **options) is None, damaged
    cache.put_json(key, {"slug": project.stem, "images": {str(tmp_path / "gone.png"): "0" * 64}, "files": {}})
    assert unchanged(cache, project, out, **options) is None  # an image gone
    gone = tmp_path / "gone.md"
    record(cache, gone, out, slug="gone", images=[], **options)  # no manuscript: no stamp
    assert _key(gone, None, ("html",), "a4", {}, None) is None
    huge = tmp_path / "huge.md"
    huge.write_bytes(b"x" * (10 * 2**20 + 1))
    assert _key(huge, None, ("html",), "a4", {}, None) is None  # past the limit: the build refuses it, and says why
