from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from publish.build.run import build

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "manuscript" / "us-north-korean-summitry-round-two.md"
SEED = Path(__file__).resolve().parent / "fixtures" / "seed" / "article.txt"


@pytest.fixture(scope="session", autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every build in the tests, and every command they start, keeps its cache
    and HOME in a temporary folder: never in the checkout or the real home."""
    home = tmp_path_factory.mktemp("home")
    saved = {name: os.environ.get(name) for name in ("HOME", "PUBLISH_CACHE_DIR")}
    os.environ["HOME"] = str(home)
    os.environ["PUBLISH_CACHE_DIR"] = str(home / "publish-cache")
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def seed_lines() -> list[str]:
    """The article exactly as received: title, subtitle, 12 paragraphs, biography, notice."""
    lines = [line for line in SEED.read_text(encoding="utf-8").split("\n") if line]
    assert len(lines) == 16
    return lines


RICH = Path(__file__).resolve().parent / "fixtures" / "rich" / "field-notes-on-footnotes.md"


def _editions(manuscript: Path, out: Path) -> dict[str, Path]:
    """Build all three editions once; map each format to its file."""
    result = build(manuscript, out, environ={})
    return {
        p.suffix.lstrip("."): p
        for p in result.outputs
        if p.parent == out and p.stem == manuscript.stem and p.suffix in (".html", ".pdf", ".epub")
    }


@pytest.fixture(scope="session")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The article's three editions, built once for the whole session."""
    return _editions(ARTICLE, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def rich_editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A manuscript with headings, notes, a quote, lists, links, a table and a figure."""
    return _editions(RICH, tmp_path_factory.mktemp("rich"))


FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = sorted((FIXTURES / "corpus").glob("*.md"))
EVERY = [ARTICLE, RICH, *CORPUS, FIXTURES / "hostile" / "raw-html.md", FIXTURES / "hostile" / "raw-block.md"]


@dataclass(frozen=True)
class Built:
    manuscript: Path
    out: Path

    def edition(self, fmt: str) -> Path:
        return self.out / f"{self.manuscript.stem}.{fmt}"

    @property
    def body(self) -> str:
        return self.manuscript.read_text(encoding="utf-8").split("\n---\n", 1)[1]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """Every fixture's editions, built once, two at a time."""
    outs = [tmp_path_factory.mktemp(manuscript.stem) for manuscript in EVERY]
    _build_all([(manuscript, out, {}) for manuscript, out in zip(EVERY, outs, strict=True)])
    return {manuscript.stem: Built(manuscript, out) for manuscript, out in zip(EVERY, outs, strict=True)}


def _build_one(job: tuple[Path, Path, dict[str, object]]) -> None:
    manuscript, out, options = job
    build(manuscript, out, environ={}, **options)  # type: ignore[arg-type]


def _build_all(jobs: list[tuple[Path, Path, dict[str, object]]]) -> None:
    """Builds side by side in forked processes, one a core: the same bytes, in half the time."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_build_one, jobs))


@pytest.fixture(scope="session")
def hyphenated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every fixture's PDF, with a publisher's print.css that sets the body justified and hyphenated."""
    styles = tmp_path_factory.mktemp("hyphenating-styles")
    (styles / "css").mkdir()
    default = (Path(__file__).resolve().parents[1] / "styles" / "css" / "print.css").read_text(encoding="utf-8")
    ours = default.replace("text-align: left;\n  hyphens: manual;", "text-align: justify;\n  hyphens: auto;", 1)
    assert ours != default
    (styles / "css" / "print.css").write_text(ours, encoding="utf-8")
    outs = [tmp_path_factory.mktemp(f"hyphenated-{manuscript.stem}") for manuscript in EVERY]
    _build_all([(m, out, {"formats": ("pdf",), "styles": styles}) for m, out in zip(EVERY, outs, strict=True)])
    return {m.stem: out / f"{m.stem}.pdf" for m, out in zip(EVERY, outs, strict=True)}
