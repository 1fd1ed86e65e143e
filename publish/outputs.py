"""Writing into the output folder: stage everything, then move it into place.

A build writes into a staging folder beside DIR and moves its files into DIR
only when every edition has succeeded, so a failed build leaves the previous
editions exactly as they were. Files in DIR that the build does not write
(a release zip, say) are left alone.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

FILE_MODE = 0o644


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A fresh folder on DIR's file system, removed afterwards whatever happens."""
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=parent))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def move_into(stage: Path, written: Sequence[Path], out_dir: Path) -> list[Path]:
    """Move staged files to the same relative places in DIR; return their new paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    moved = []
    for source in written:
        relative = source.relative_to(stage)
        target = out_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        source.chmod(FILE_MODE)
        source.replace(target)  # atomic per file: a reader never sees half a file
        moved.append(target)
    return moved
