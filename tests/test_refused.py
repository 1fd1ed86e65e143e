"""Manuscripts that must be refused: exit 2, one `path:line: message` per
problem at the writer's line, the same whatever editions are asked for, and
the output folder untouched.

The expected lines are a golden file, tests/fixtures/refused/expected.txt,
read by a person when it changes: every line names the right line of the
Markdown and says how to fix it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from commands import publish, snapshot
from conftest import ARTICLE

REFUSED = Path(__file__).resolve().parent / "fixtures" / "refused"
EXPECTED = (REFUSED / "expected.txt").read_text(encoding="utf-8").splitlines()
CASES = sorted(p.stem for p in REFUSED.glob("*.md"))


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = publish("build", ARTICLE, "--out", out, "--only", "html")
    assert done.returncode == 0, done.stderr
    return out


def test_every_case_has_expected_lines() -> None:
    assert sorted({line.split(":", 1)[0].removesuffix(".md") for line in EXPECTED}) == CASES


@pytest.mark.parametrize("only", ["html,pdf,epub", "html"])
@pytest.mark.parametrize("case", CASES)
def test_refused_at_the_writers_lines(case: str, only: str, dist: Path) -> None:
    before = snapshot(dist)
    done = publish("build", f"{case}.md", "--out", dist, "--only", only, cwd=REFUSED)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [line for line in EXPECTED if line.startswith(f"{case}.md:")]
    assert snapshot(dist) == before
