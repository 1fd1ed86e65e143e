"""Where publish looks when it is not told: the cache folder, the manuscript, the tool versions
it records, and what it says when something is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.build import environment
from publish.build.cache import default_root
from publish.errors import UsageError
from publish.styling.defaults import default_manuscript


def test_the_cache_folder_follows_the_environment(tmp_path: Path) -> None:
    assert default_root({"PUBLISH_CACHE_DIR": str(tmp_path / "c")}) == tmp_path / "c"
    assert default_root({"XDG_CACHE_HOME": str(tmp_path / "x")}) == tmp_path / "x" / "publish"
    assert default_root({}) == Path.home() / ".cache" / "publish"


def test_the_one_manuscript_in_the_manuscript_folder(tmp_path: Path) -> None:
    folder = tmp_path / "manuscript"
    folder.mkdir()
    with pytest.raises(UsageError) as none:
        default_manuscript(tmp_path)
    assert str(none.value) == f"{folder} holds no .md manuscript; name one: publish build path/to/article.md"
    (folder / "a.md").write_text("", encoding="utf-8")
    assert default_manuscript(tmp_path) == folder / "a.md"
    (folder / "b.md").write_text("", encoding="utf-8")
    with pytest.raises(UsageError) as several:
        default_manuscript(tmp_path)
    assert str(several.value) == f"{folder} holds several manuscripts (a.md, b.md); name the one to build"


def test_without_a_manuscript_folder_the_bundled_article(tmp_path: Path) -> None:
    assert default_manuscript(tmp_path).name == "us-north-korean-summitry-round-two.md"


def test_what_is_not_there_is_recorded_as_such() -> None:
    assert environment._package("a-package-nobody-installed") == "not installed"
    assert environment._string_version("no-such-library-anywhere", "no_function") == "not found"
    assert environment._package("publish") != "not installed", "publish is installed as publish-editions"


def test_a_library_that_will_not_load_is_recorded_as_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(environment._SONAMES, "fontconfig", "libfontconfig.so.999")
    import ctypes.util

    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert environment._library("fontconfig") is None
    assert environment._fontconfig() == "not found"
    assert environment._freetype() != "not found"  # its own soname still loads
    monkeypatch.setattr(environment, "_library", lambda name: None)
    assert environment._freetype() == "not found"


def test_an_installation_without_its_default_styles_says_to_reinstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publish.errors import ToolError
    from publish.styling import defaults

    monkeypatch.setattr(defaults, "_PACKAGE", tmp_path / "site-packages" / "publish")
    with pytest.raises(ToolError) as raised:
        defaults.default_styles()
    assert str(raised.value) == "the default styles/ folder is missing from this installation; reinstall publish"


def test_the_library_api_starts_and_owns_its_own_worker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """cli.main called from Python, not through the publish command: it forks its own PDF worker
    and ends it; handed a worker it does not need, it stops that one."""
    from conftest import ARTICLE

    from publish.build.worker import PdfWorker
    from publish.cli import main

    assert main(["build", "--quiet", "--no-cache", "--only", "pdf", "--out", str(tmp_path / "a"), str(ARTICLE)]) == 0
    assert (tmp_path / "a" / f"{ARTICLE.stem}.pdf").is_file()
    with PdfWorker() as unneeded:
        assert (
            main(["build", "--quiet", "--only", "html", "--out", str(tmp_path / "b"), str(ARTICLE)], worker=unneeded)
            == 0
        )
    assert capsys.readouterr().err == ""
    assert not (tmp_path / "b" / f"{ARTICLE.stem}.pdf").exists()


def test_a_paper_size_the_library_does_not_know_is_refused() -> None:
    from conftest import ARTICLE

    from publish.document import Document
    from publish.source.manuscript import load
    from publish.styling.styles import Styles

    manuscript = load(ARTICLE)
    with pytest.raises(UsageError) as raised:
        Document.prepare(manuscript, Styles.for_manuscript(manuscript.folder, None), paper="a5")
    assert str(raised.value) == "paper size 'a5' is not one of a4, letter"


def test_a_problem_is_located_even_when_pandoc_changed_its_spaces(tmp_path: Path) -> None:
    """The locator finds text pandoc reports with its spaces changed, and falls back to the body's
    first line for text it cannot find at all."""
    from conftest import ARTICLE

    from publish.source.locate import Locator
    from publish.source.manuscript import load

    head = ARTICLE.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    path = tmp_path / "spaces.md"
    path.write_text(head + "\n---\n\nFirst line.\n\nThe second paragraph, with its words.\n", encoding="utf-8")
    manuscript = load(path)
    where = Locator(manuscript)
    assert where.text("The second\n  paragraph,") == manuscript.body_line + 3  # its spaces changed
    assert where.text("nowhere in the text") == manuscript.body_line
