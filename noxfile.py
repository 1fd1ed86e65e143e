"""The project's sessions (build, tests, quick, lint, validate, reproduce, bench,
release, preview, pictures, merge, sign); `nox -l` lists them with what each does."""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.needs_version = ">=2026.10.20"
nox.options.default_venv_backend = "uv"  # sessions install from uv.lock
nox.options.reuse_venv = "yes"
nox.options.sessions = ["build", "tests", "lint"]

ROOT = Path(__file__).parent
NODE_TOOLS = ROOT / "tests" / "tools"


def _install(session: nox.Session, *groups: str, editable: bool = False) -> None:
    """The project and the dependency groups, at the versions and hashes uv.lock pins."""
    command = ["uv", "sync", "--frozen", "--no-default-groups", "--compile-bytecode"]
    command += [] if editable else ["--no-editable"]
    for group in groups:
        command += ["--group", group]
    session.run_install(*command, env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location}, external=True)


def _node_tools(session: nox.Session) -> None:
    """The Nu Html Checker, axe-core and Ace by DAISY, at the versions package-lock.json pins.
    Ace's puppeteer runs the system Chromium; it downloads no browser of its own."""
    session.run(
        "npm",
        "ci",
        "--prefix",
        str(NODE_TOOLS),
        "--no-audit",
        "--no-fund",
        "--silent",
        external=True,
        env={"PUPPETEER_SKIP_DOWNLOAD": "1"},
    )


@nox.session
def build(session: nox.Session) -> None:
    """Build the HTML, PDF and EPUB editions into dist/."""
    _install(session)
    session.run("publish", "build", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite, validators included, against the installed package."""
    _install(session, "test")
    _node_tools(session)
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "combine", "--quiet")
    session.run("coverage", "report")  # publish's own code, the subprocesses and the PDF worker included


@nox.session(default=False)
def quick(session: nox.Session) -> None:
    """The edit loop: every test except the external validators and reading systems."""
    _install(session, "test")
    session.run("pytest", "-m", "not validators", "-n", "auto", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Check style with ruff, types with mypy --strict, and the CI workflow with actionlint."""
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "--strict", "publish", "noxfile.py")
    session.run("deptry", ".")  # every import declared, every declaration imported
    session.run("lint-imports")  # the stages import downwards only (pyproject.toml: [tool.importlinter])
    session.run("actionlint", ".github/workflows/editions.yml")


@nox.session(default=False)
def validate(session: nox.Session) -> None:
    """Build dist/ and run EPUBCheck, the Nu checker, axe in Chromium and the PDF checks on it."""
    _install(session, "test")
    _node_tools(session)
    session.run("publish", "build", "--quiet", *session.posargs)
    session.run("python", "tests/validators.py", "dist")


@nox.session(default=False)
def merge(session: nox.Session) -> None:
    """Join the folders of a sharded build: `nox -s merge -- shard-1 shard-2 shard-3 --out dist`."""
    _install(session)
    session.run("publish", "merge", *session.posargs)


@nox.session(default=False)
def sign(session: nox.Session) -> None:
    """Sign a build's checksums: `nox -s sign -- dist` (the key from $PUBLISH_MINISIGN_KEY or `--key FILE`)."""
    _install(session)
    session.run("publish", "sign", *session.posargs)


@nox.session(default=False)
def preview(session: nox.Session) -> None:
    """Preview while you edit: build, serve on this machine, rebuild on every save.

    Arguments go to `publish preview`: `nox -s preview -- manuscript/article.md --open`.
    """
    _install(session)
    session.run("publish", "preview", *session.posargs)


@nox.session(default=False)
def pictures(session: nox.Session) -> None:
    """Redraw the README's pictures: docs/editions.png and docs/preview-overlay.png."""
    _install(session, "test")
    session.run("publish", "build", "--quiet")
    session.run("python", "tests/tools/pictures.py", "dist", "docs")


@nox.session(default=False)
def reproduce(session: nox.Session) -> None:
    """Build twice under different conditions and compare every byte; show any difference."""
    _install(session, "test")
    session.run("python", "tests/tools/reproduce.py", str(ROOT))


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Time publish build against pandoc alone, alternating runs, medians and ratios."""
    _install(session, "test")
    session.run("python", "tests/tools/bench.py", *session.posargs)


@nox.session(default=False)
def release(session: nox.Session) -> None:
    """Build dist/, sign its checksums when a key is given, and bundle it: dist/<slug>-editions.zip.

    The key: $PUBLISH_MINISIGN_KEY_FILE (a file as `minisign -G` writes it) or $PUBLISH_MINISIGN_KEY (its
    text, as a CI secret gives it), with $PUBLISH_MINISIGN_PASSWORD if it has one. No key: no signature.
    """
    _install(session)
    session.run("publish", "build", "--quiet", *session.posargs)
    key_file = os.environ.get("PUBLISH_MINISIGN_KEY_FILE")
    if key_file:
        session.run("publish", "sign", "dist", "--key", key_file)
    elif os.environ.get("PUBLISH_MINISIGN_KEY"):
        session.run("publish", "sign", "dist")
    session.run("python", "-m", "publish.build.release", "dist")
