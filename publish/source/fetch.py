"""The one resource fetcher every engine uses.

A build reads local files only under the manuscript's folder and the style
folders, plus ``data:`` URLs. Everything else (other paths, ``file:`` URLs
to system files, http, https) is refused: a build never touches the network.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

MAX_RESOURCE_BYTES = 20 * 1024 * 1024

_TYPES = {
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


class RefusedResourceError(Exception):
    """A reference the build will not follow; the message says why."""


def media_type(path: Path) -> str:
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class Fetcher:
    """Resolves references against allowed folders only."""

    roots: tuple[Path, ...]

    @classmethod
    def of(cls, *roots: Path) -> Fetcher:
        return cls(tuple(r.resolve() for r in roots))

    def resolve(self, url: str, shown: str | None = None) -> Path:
        """The local file a URL names, if it lies under an allowed folder.

        ``shown`` is how messages name the reference (as the manuscript wrote it).
        """
        name = shown if shown is not None else url
        parts = urlsplit(url)
        if parts.scheme not in ("file", ""):
            raise RefusedResourceError(
                f"'{name}': only local files beside the manuscript are allowed, not {parts.scheme}:"
            )
        if parts.netloc not in ("", "localhost"):
            raise RefusedResourceError(f"'{name}': remote file hosts are not allowed")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise RefusedResourceError(
                f"'{name}': outside the manuscript and styles folders; copy the file beside the manuscript"
            )
        if not path.is_file():
            raise RefusedResourceError(f"'{name}': no such file; put it beside the manuscript, or correct the name")
        size = path.stat().st_size
        if size > MAX_RESOURCE_BYTES:
            raise RefusedResourceError(
                f"'{name}': {size / 2**20:.1f} MiB is over the {MAX_RESOURCE_BYTES // 2**20} MiB cap"
            )
        return path

    def read(self, url: str) -> tuple[bytes, str]:
        """The bytes and media type of an allowed resource."""
        path = self.resolve(url)
        return path.read_bytes(), media_type(path)
