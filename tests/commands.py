"""Running the command as a user would, and looking at what it left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def publish(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m publish ARGS`, with a bare PATH: nothing but the package itself
    (pandoc comes inside it) may be needed. HOME and the cache are the tests' own."""
    return subprocess.run(
        [sys.executable, "-m", "publish", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": os.environ["HOME"],
            "PUBLISH_CACHE_DIR": os.environ["PUBLISH_CACHE_DIR"],
            # coverage measures the command too, when the tests run under it
            **{k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")},
        },
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` and its bytes: to show that nothing changed."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
