"""The command line as a user meets it: exit codes, messages, what lands in DIR."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from commands import publish, snapshot
from conftest import ARTICLE

SLUG = "us-north-korean-summitry-round-two"


@pytest.fixture(scope="module")
def good_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("good") / "dist"
    done = publish("build", ARTICLE, "--out", out)
    assert done.returncode == 0, done.stderr
    return out


def test_build_prints_what_it_wrote(good_dist: Path) -> None:
    assert sorted(p.name for p in good_dist.iterdir()) == [
        "SHA256SUMS",
        "feed.xml",
        "index.html",
        "manifest.json",
        "opds.xml",
        "republish",
        f"{SLUG}-cover.png",
        f"{SLUG}-thumbnail.png",
        f"{SLUG}.epub",
        f"{SLUG}.html",
        f"{SLUG}.pdf",
    ]


def test_bad_manuscript_exits_2_with_located_problems_and_leaves_dist_alone(good_dist: Path, tmp_path: Path) -> None:
    before = snapshot(good_dist)
    bad = tmp_path / SLUG / "bad.md"
    bad.parent.mkdir()
    bad.write_text(
        ARTICLE.read_text(encoding="utf-8")
        .replace("language: en", "language: 42 x")
        .replace("id: CC-BY-NC-ND-4.0", "id: CC-BY-2.0"),
        encoding="utf-8",
    )
    done = publish("build", bad, "--out", good_dist)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"{bad}:10: language: '42 x' is not a BCP 47 language tag; write e.g. en or en-GB",
        f"{bad}:17: licence.id: unknown licence 'CC-BY-2.0'; use one of CC-BY-4.0, CC-BY-SA-4.0, "
        "CC-BY-NC-4.0, CC-BY-NC-SA-4.0, CC-BY-ND-4.0, CC-BY-NC-ND-4.0, CC0-1.0",
    ]
    assert "Traceback" not in done.stderr
    assert snapshot(good_dist) == before
    assert [p.name for p in good_dist.parent.iterdir()] == ["dist"], "no staging folder left behind"


def test_failed_render_leaves_dist_alone(good_dist: Path, tmp_path: Path) -> None:
    before = snapshot(good_dist)
    project = tmp_path / "project"
    (project / "manuscript").mkdir(parents=True)
    shutil.copy(ARTICLE, project / "manuscript" / f"{SLUG}.md")
    (project / "styles" / "templates" / "epub").mkdir(parents=True)
    (project / "styles" / "templates" / "epub" / "article.xhtml.j2").write_text("{{ no_such_value }}")
    done = publish("build", "--out", good_dist, cwd=project)
    assert done.returncode == 1
    assert "no_such_value" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(good_dist) == before


def test_only_builds_the_editions_asked_for(tmp_path: Path) -> None:
    done = publish("build", ARTICLE, "--out", tmp_path / "out", "--only", "epub,html")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "SHA256SUMS",
        "feed.xml",
        "index.html",
        "manifest.json",
        "opds.xml",
        "republish",
        f"{SLUG}-cover.png",
        f"{SLUG}-thumbnail.png",
        f"{SLUG}.epub",
        f"{SLUG}.html",
    ]
    acquisitions = (tmp_path / "out" / "opds.xml").read_text()
    assert f'href="{SLUG}.epub"' in acquisitions
    assert f'href="{SLUG}.pdf"' not in acquisitions  # the room offers what the folder holds


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    done = publish("build", ARTICLE, "--out", tmp_path / "out", "--only", "html,docx")
    assert done.returncode == 2
    assert "unknown format 'docx'; choose from html,pdf,epub" in done.stderr
    assert not (tmp_path / "out").exists()


def test_help_is_complete() -> None:
    top = publish("--help")
    assert top.returncode == 0
    for command in ("build", "check", "attribution"):
        assert command in top.stdout
    build = publish("build", "--help")
    assert build.returncode == 0
    for option in ("MANUSCRIPT", "--out", "--only", "--paper", "--styles", "--quiet", "Exit codes"):
        assert option in build.stdout
    check = publish("check", "--help")
    for option in ("FILE", "--manuscript", "--strict", "--format", "{text,json}", "Exit codes: 0 no errors"):
        assert option in check.stdout
    attribution = publish("attribution", "--help")
    for option in ("MANUSCRIPT", "--format", "text", "html", "markdown", "Exit codes"):
        assert option in attribution.stdout


def test_console_script_is_installed() -> None:
    script = shutil.which("publish", path=str(Path(sys.executable).parent))
    assert script is not None
    done = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("publish ")


def test_installed_package_builds_the_bundled_article_anywhere(tmp_path: Path) -> None:
    """No checkout around: the default styles and article come from the package."""
    done = publish("build", "--only", "html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "dist" / f"{SLUG}.html").read_text(encoding="utf-8")
    assert "US and North Korean Summitry: Round Two" in html


def test_a_project_styles_folder_overrides_the_defaults_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "manuscript").mkdir()
    shutil.copy(ARTICLE, tmp_path / "manuscript" / "other-article.md")
    (tmp_path / "styles" / "css").mkdir(parents=True)
    (tmp_path / "styles" / "css" / "screen.css").write_text("body { --house-marker: 1; }\n")
    done = publish("build", "--only", "html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "dist" / "other-article.html").read_text(encoding="utf-8")
    assert "--house-marker: 1" in html  # the project's screen.css
    assert ".colophon dt" in html  # the default base.css, not overridden
    assert "max-width: 38em" not in html  # the default screen.css is replaced


def test_several_manuscripts_are_a_collection_to_build_and_a_choice_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "manuscript").mkdir()
    for name in ("a.md", "b.md"):
        shutil.copy(ARTICLE, tmp_path / "manuscript" / name)
    done = publish("build", cwd=tmp_path)  # a collection: two copies of one article are refused, as typed
    assert done.returncode == 2
    assert done.stderr.startswith("manuscript/b.md:3: identifier: urn:uuid:")
    assert "is also manuscript/a.md's" in done.stderr
    assert not (tmp_path / "dist").exists()
    done = publish("attribution", cwd=tmp_path)
    assert done.returncode == 2
    assert "holds several manuscripts (a.md, b.md); name the one to build" in done.stderr
