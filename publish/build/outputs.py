"""Writing into the output folder: stage everything, then move it into place.

A build writes into a staging folder beside DIR and moves its files into DIR
only when every edition has succeeded, so a failed build leaves the previous
editions exactly as they were. It owns the files it writes: the editions of
its manuscript, ``republish/``, ``SHA256SUMS`` and ``manifest.json``; other
files in DIR (a release zip, say) are left alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from publish.options import SUMS

HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)
FILE_MODE = 0o644
DIR_MODE = 0o755
MANIFEST = "manifest.json"
KIT = "republish"
EDITION_SUFFIXES = (".html", ".pdf", ".epub")


STALE_AFTER = 60  # seconds without a change before a dead build's staging folder is swept


def _sweep(parent: Path, prefix: str) -> None:
    """Remove the staging folders that builds killed outright (SIGKILL, a power cut) left: those
    whose process is gone and which have not changed for a minute. A live build's is never touched."""
    import time

    for folder in parent.glob(f"{prefix}*"):
        pid = folder.name.removeprefix(prefix).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # its build still runs (or another process has the number now): leave it
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        try:
            if time.time() - folder.stat().st_mtime > STALE_AFTER:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


@contextmanager
def staging(out_dir: Path) -> Iterator[Path]:
    """A fresh folder on DIR's file system, removed afterwards whatever happens. Its name holds
    this process's number, so a later build can sweep it if this one is killed outright."""
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out_dir.name}.staging-"
    _sweep(parent, prefix)
    stage: Path | None = None
    try:
        with _signals_held():  # a signal between making the folder and naming it would leave it behind
            stage = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))
        yield stage
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)


def digest(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def owned(out_dir: Path, slug: str) -> dict[str, Path]:
    """The files of this manuscript's build that DIR holds now, by relative name."""
    from publish.room.names import FILES, cover_names

    found = {}
    for name in (*(f"{slug}{suffix}" for suffix in EDITION_SUFFIXES), *cover_names(slug), *FILES):
        path = out_dir / name
        if path.is_file():
            found[path.name] = path
    kit = out_dir / KIT
    if kit.is_dir():
        for path in kit.rglob("*"):
            if path.is_file():
                found[path.relative_to(out_dir).as_posix()] = path
    return found


def held(out_dir: Path, slug: str) -> dict[str, Path]:
    """Everything of this manuscript's build that DIR holds: what it owns, its checksums and manifest."""
    files = owned(out_dir, slug)
    for name in (SUMS, MANIFEST):
        if (out_dir / name).is_file():
            files[name] = out_dir / name
    return files


def after_build(stage: Path, out_dir: Path, slug: str) -> dict[str, Path]:
    """What DIR will hold once the staged files replace it: staged files win,
    editions from earlier builds (``--only``) stay, and the kit is replaced whole."""
    staged = owned(stage, slug)
    editions = {f"{slug}{suffix}" for suffix in EDITION_SUFFIXES}  # the room and the kit are made anew
    kept = {name: path for name, path in owned(out_dir, slug).items() if name in editions}
    return dict(sorted({**kept, **staged}.items()))


def write_sums(stage: Path, files: Mapping[str, Path]) -> Path:
    """SHA256SUMS in the format `sha256sum -c` reads."""
    lines = [f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}\n" for name, path in sorted(files.items())]
    target = stage / SUMS
    target.write_text("".join(lines), encoding="utf-8", newline="\n")
    return target


def manifest_text(content: Mapping[str, Any]) -> str:
    """A manifest as it is written: the same content always gives the same text."""
    return json.dumps(content, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_manifest(stage: Path, content: Mapping[str, Any]) -> Path:
    target = stage / MANIFEST
    target.write_text(manifest_text(content), encoding="utf-8", newline="\n")
    return target


def _normalise(paths: Iterable[Path]) -> None:
    for path in paths:
        path.chmod(DIR_MODE if path.is_dir() else FILE_MODE)


def move_into(stage: Path, out_dir: Path) -> list[Path]:
    """Move everything staged into DIR; return the new paths of the files.

    Each file is replaced atomically (a reader never sees half a file), and
    ``republish/`` is swapped as a whole so no stale file survives in it.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with _signals_held():
        return _move(stage, out_dir)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C or SIGTERM during the move would leave DIR half old, half new:
    note them, finish the move, then act on them.

    Python runs signal handlers in the main thread whichever thread the
    signal reaches, so replacing the handlers holds them reliably (a
    signal mask would not: it covers one thread only).
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be set from the main thread
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in HELD_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught:
            raise KeyboardInterrupt


def _move(stage: Path, out_dir: Path) -> list[Path]:
    entries = sorted(stage.iterdir())
    _normalise(p for entry in entries for p in [entry, *(entry.rglob("*") if entry.is_dir() else [])])
    moved: list[Path] = []
    for entry in entries:
        target = out_dir / entry.name
        if entry.is_dir():
            old = None
            if target.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{entry.name}.old-", dir=out_dir))
                target.replace(old / entry.name)
            entry.replace(target)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            moved.extend(sorted(p for p in target.rglob("*") if p.is_file()))
        else:
            entry.replace(target)
            moved.append(target)
    return moved
