"""A content-addressed cache of finished work, outside the output folder.

Entries are named by a SHA-256 of everything that decides their bytes: the
manuscript, its images, every style file in effect, the versions of every
tool, the options, the build date and publish's own code. A changed input
gives a new key, so a stale entry is never served; an entry is only ever
bytes the uncached build would write, so the cache cannot change an output.

The cache is an optimisation: an unreadable or unwritable cache folder
makes a build slower, never wrong or failed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

VERSION = "publish-cache-1"
MAX_BYTES = 256 * 2**20


def default_root(environ: os._Environ[str] | dict[str, str] | None = None) -> Path:
    """$PUBLISH_CACHE_DIR, else $XDG_CACHE_HOME/publish, else ~/.cache/publish."""
    env = os.environ if environ is None else environ
    if env.get("PUBLISH_CACHE_DIR"):
        return Path(env["PUBLISH_CACHE_DIR"])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "publish"


def fingerprint(*parts: str | bytes) -> str:
    """A SHA-256 of the parts, each framed by its length so no two lists collide."""
    digest = hashlib.sha256(VERSION.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """publish's own code: a new version never reuses old work. (The styles in
    effect, the packaged defaults among them, are keyed file by file.)"""
    package = Path(__file__).resolve().parents[1]  # publish/, not publish/build/
    files = sorted(p for p in package.rglob("*.py") if "_data" not in p.relative_to(package).parts)
    return fingerprint(*(part for p in files for part in (p.relative_to(package).as_posix(), p.read_bytes())))


def file_digests(files: Iterable[tuple[str, Path]]) -> list[str]:
    return [f"{name}:{hashlib.sha256(path.read_bytes()).hexdigest()}" for name, path in files]


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._size: int | None = None  # the cache's size as last measured, plus what was put since

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
            os.utime(path)  # recently used: pruned last
        except OSError:
            return None
        return data

    def get_json(self, key: str) -> Any:
        data = self.get(key)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            import tempfile  # only when something is put: a build with nothing to do puts nothing

            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            Path(temporary).replace(path)  # readers see the whole entry or none
        except OSError:
            return
        if self._size is not None:
            self._size += len(data)
        if self._size is None or self._size > MAX_BYTES:
            self._prune()  # the folder is measured once, then again only when it may be over

    def put_json(self, key: str, value: Any) -> None:
        self.put(key, json.dumps(value, sort_keys=True).encode())

    def _prune(self) -> None:
        """Keep the cache under MAX_BYTES, dropping the least recently used entries."""
        try:
            entries = [(p.stat().st_mtime, p.stat().st_size, p) for p in self.root.glob("*/*") if p.is_file()]
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= MAX_BYTES:
                break
            try:
                path.unlink()
            except OSError:
                continue
            total -= size
        self._size = total
