"""Nothing fails silently, nothing is lost, and the loader cannot be crashed."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from commands import snapshot
from conftest import ARTICLE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.build.run import build
from publish.errors import ManuscriptError, RenderError
from publish.source.manuscript import load

FIELDS = ["identifier", "title", "subtitle", "author", "language", "date", "notice", "licence", "edition", "source"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30), st.dates()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from([*FIELDS, "name", "id", "value", "date"]) | st.text(max_size=8), inner, max_size=5
        )
    ),
    max_leaves=12,
)


def _attempt(tmp_path: Path, text: str) -> None:
    path = tmp_path / "case.md"
    path.write_text(text, encoding="utf-8")
    problems = []
    try:
        load(path, display="case.md")
    except ManuscriptError as exc:  # the only exception it may raise
        problems = exc.problems
        assert problems
        for problem in problems:
            assert problem.path == "case.md"
            assert problem.line >= 1
            assert "\n" not in problem.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    front=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), VALUES, max_size=10),
    body=st.text(max_size=200),
)
def test_loader_raises_only_its_own_error_for_any_front_matter(
    tmp_path: Path, front: dict[str, object], body: str
) -> None:
    _attempt(tmp_path, "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(front=st.text(max_size=300))
def test_loader_survives_any_text_between_the_fences(tmp_path: Path, front: str) -> None:
    _attempt(tmp_path, f"---\n{front}\n---\nBody.\n")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=VALUES)
def test_loader_survives_any_value_in_a_real_manuscript(tmp_path: Path, field: str, value: object) -> None:
    text = ARTICLE.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    data = yaml.safe_load(head.removeprefix("---\n"))
    data[field] = value
    _attempt(tmp_path, "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n" + body)


# -- nothing fails silently ------------------------------------------------------


def test_a_weasyprint_warning_fails_the_build(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "manuscript").mkdir(parents=True)
    shutil.copy(ARTICLE, project / "manuscript" / "article.md")
    (project / "styles" / "css").mkdir(parents=True)
    (project / "styles" / "css" / "print.css").write_text("p { colour: red; }\n")
    with pytest.raises(RenderError, match=r"WeasyPrint reported problems:\n  Ignored `colour: red`"):
        build(project / "manuscript" / "article.md", tmp_path / "out", formats=("pdf",), environ={})
    assert not (tmp_path / "out").exists()


def test_an_ebooklib_write_failure_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import publish.editions.epub as epub_module

    monkeypatch.setattr(epub_module.epub, "write_epub", lambda *args, **kwargs: False)
    with pytest.raises(RenderError, match="write_epub returned False"):
        build(ARTICLE, tmp_path / "out", formats=("epub",), environ={})

    def broken(*args: object, **kwargs: object) -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(epub_module.epub, "write_epub", broken)
    with pytest.raises(RenderError, match="No space left on device"):
        build(ARTICLE, tmp_path / "out", formats=("epub",), environ={})
    assert not (tmp_path / "out").exists()


# -- nothing is lost ---------------------------------------------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_build_leaves_dist_as_it_was(signum: int, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build(ARTICLE, out, formats=("html",), environ={})
    before = snapshot(out)
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "build", str(ARTICLE), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not list(tmp_path.glob(".dist.staging-*")):  # the editions are being written now
        assert process.poll() is None, "the build ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"], "no staging folder or partial file left"


def test_a_failed_build_keeps_every_previous_file(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    build(ARTICLE, out, environ={})
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    broken = tmp_path / "broken.md"
    broken.write_text(ARTICLE.read_text(encoding="utf-8").replace("licence:\n  id:", "licence:\n  idd:"))
    with pytest.raises(ManuscriptError):
        build(broken, out, environ={})
    assert snapshot(out) == before


def test_a_build_killed_outright_has_its_staging_folder_swept_by_the_next(tmp_path: Path) -> None:
    """SIGKILL leaves no chance to clean up: the next build into the same folder removes what a dead
    process left, once it has sat unchanged for a minute, and never a live build's."""
    import os

    dead = 2**22 + 12345  # above the kernel's largest process number: no process has it
    assert dead > int(Path("/proc/sys/kernel/pid_max").read_text())
    old = time.time() - 3600
    left = {
        "dead and old": (tmp_path / f".dist.staging-{dead}-abc", old),
        "dead but fresh": (tmp_path / f".dist.staging-{dead}-def", time.time()),
        "ours": (tmp_path / f".dist.staging-{os.getpid()}-ghi", old),
        "an older name": (tmp_path / ".dist.staging-jkl", old),
        "another folder's": (tmp_path / f".other.staging-{dead}-mno", old),
    }
    for folder, when in left.values():
        folder.mkdir()
        (folder / "book.pdf").write_bytes(b"half a PDF")
        os.utime(folder, (when, when))
    build(ARTICLE, tmp_path / "dist", formats=("html",), environ={})
    kept = {name for name, (folder, _) in left.items() if folder.exists()}
    assert kept == {"dead but fresh", "ours", "an older name", "another folder's"}
