"""Sessions: build the editions, run the tests, lint. `nox -l` lists them."""

from __future__ import annotations

from pathlib import Path

import nox

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.sessions = ["build", "tests", "lint"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def _install(session: nox.Session, *groups: str) -> None:
    """The project (a real, non-editable install) plus dependency groups."""
    extra = [req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)]
    session.install(".", *extra)


@nox.session
def build(session: nox.Session) -> None:
    """Build the HTML, PDF and EPUB editions into dist/."""
    _install(session)
    session.run("publish", "build", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against the installed package."""
    _install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style with ruff and types with mypy --strict (package and noxfile)."""
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "--strict", "publish", "noxfile.py")
