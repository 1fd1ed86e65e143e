"""The images a manuscript shows: files beside it, in a raster format,
within the caps.

Only PNG, JPEG, GIF and WebP (read from the file, not its name), at most 50
megapixels; the fetcher keeps the file inside the manuscript's folder and
under 20 MiB. SVG is refused: it can carry scripts and fetch files. Kept
apart from the document so that a rebuild from the cache can check its
images again without loading pandoc or lxml.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from publish.options import EXTENSIONS, IMAGE_FORMATS
from publish.source.fetch import Fetcher, RefusedResourceError
from publish.source.manuscript import Manuscript

MAX_PIXELS = 50_000_000


@dataclass(frozen=True)
class Image:
    """An image the body shows: as the manuscript names it, the file, its format."""

    src: str
    path: Path
    format: str  # PNG, JPEG, GIF or WEBP, read from the file, not its name

    @property
    def media_type(self) -> str:
        return IMAGE_FORMATS[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


class ImageRefusedError(Exception):
    """An image the editions may not show; the message says why."""


def open_image(manuscript: Manuscript, src: str, known: Mapping[str, str] | None = None) -> Image:
    """The image ``src`` names, if it is a file beside the manuscript in an
    accepted format. ``known`` is what an earlier build found ("sha256",
    "format"): while the file is unchanged, its format is not read again."""
    # src is a URL, as pandoc writes it: "my chart.png", written <my chart.png>, is my%20chart.png.
    url = src if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", src) else (manuscript.folder / unquote(src)).resolve().as_uri()
    try:
        path = Fetcher.of(manuscript.folder).resolve(url, shown=src)
    except RefusedResourceError as exc:
        raise ImageRefusedError(f"image {exc}") from None
    if known is not None and hashlib.sha256(path.read_bytes()).hexdigest() == known["sha256"]:
        return Image(src, path, known["format"])
    fmt, why = image_problem(path)
    if fmt is None:
        raise ImageRefusedError(f"image '{src}' {why}")
    return Image(src, path, fmt)


def image_problem(path: Path) -> tuple[str | None, str | None]:
    """(format, None) for an acceptable image, e.g. ("PNG", None); (None, why not) otherwise."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                fmt, (width, height) = image.format, image.size
    except Image.DecompressionBombError:
        return None, f"has more than {MAX_PIXELS // 1_000_000} megapixels"
    except (OSError, SyntaxError, ValueError):
        kind = "SVG (it can carry scripts and fetch files); convert it to PNG" if path.suffix.lower() == ".svg" else ""
        return None, f"is {kind}" if kind else "is not a PNG, JPEG, GIF or WebP image"
    if fmt not in IMAGE_FORMATS:
        return None, f"is a {fmt} image; use PNG, JPEG, GIF or WebP"
    if width * height > MAX_PIXELS:
        return None, f"is {width}×{height}, over {MAX_PIXELS // 1_000_000} megapixels; scale it down"
    return fmt, None
