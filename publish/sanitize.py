"""What a manuscript body may carry into the editions, and what it may not.

The policy, documented in the README:
- raw HTML in the Markdown is escaped by pandoc (shown as text), never passed
  through, so no tag of the manuscript's own reaches an edition;
- links may be http, https or mailto, or point within the article (``#…``);
  ``javascript:``, ``data:``, ``file:`` and relative file links are refused;
- attributes (pandoc's ``{…}`` syntax) are limited to a harmless set: event
  handlers, ``rel``, inline styles (beyond pandoc's own table alignment) and
  anything else are refused;
- only raster images (PNG, JPEG, GIF, WebP) beside the manuscript can be
  shown, at most 20 MiB and 50 megapixels each; SVG, video, audio and
  embedded documents are refused.

Every refusal is a manuscript problem with its line, reported all at once.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from publish.errors import Problem
from publish.manuscript import Manuscript
from publish.options import IMAGE_FORMATS

MAX_PIXELS = 50_000_000

_ATTRIBUTES = {
    "id", "class", "lang", "dir", "title", "href", "src", "alt", "role", "type", "start", "reversed",
    "colspan", "rowspan", "scope", "headers", "width", "height", "datetime", "cite", "value",
}  # fmt: skip
# pandoc's own inline styles: table alignment and column widths.
_SAFE_STYLE = re.compile(r"\s*(?:text-align:\s*(?:left|right|center|justify)|width:\s*\d+(?:\.\d+)?%)\s*;?\s*")
_SAFE_LINK = re.compile(r"(?:https?:|mailto:|#)", re.IGNORECASE)
_MEDIA = {"video", "audio", "embed", "iframe", "object", "source", "track", "frame", "frameset", "portal"}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def source_line(manuscript: Manuscript, needle: str, after: int = 0) -> int:
    """The manuscript line on which ``needle`` next appears in the body, at or
    after body line ``after`` (0-based); the body's first line if nowhere."""
    lines = manuscript.body.split("\n")
    # pandoc may have percent-encoded the reference or changed its spaces.
    candidates = [c for c in dict.fromkeys((needle, unquote(needle))) if c]
    for loose in (False, True):
        for offset in range(after, len(lines)):
            line = _INVISIBLE.sub("", lines[offset]) if loose else lines[offset]
            if any((_INVISIBLE.sub("", c) if loose else c) in line for c in candidates):
                return manuscript.body_line + offset
    return manuscript.body_line


class _Lines:
    """Finds the line of each occurrence in turn: the second problem with the
    same text points at its second appearance, not the first again."""

    def __init__(self, manuscript: Manuscript) -> None:
        self.manuscript = manuscript
        self.seen: dict[str, int] = {}

    def __call__(self, needle: str) -> int:
        line = source_line(self.manuscript, needle, self.seen.get(needle, 0))
        self.seen[needle] = line - self.manuscript.body_line + 1
        return line


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def body_problems(manuscript: Manuscript, fragment: str) -> list[Problem]:
    """Everything in pandoc's fragment that the policy above refuses."""
    root = etree.fromstring(f"<div>{fragment}</div>")
    problems: list[Problem] = []
    where = _Lines(manuscript)

    def refuse(needle: str, message: str) -> None:
        problems.append(Problem(manuscript.label, where(needle), message))

    inside_media = set()
    for el in root.iter():
        if el is root or not isinstance(el.tag, str) or el.getparent() in inside_media:
            if el.getparent() in inside_media:
                inside_media.add(el)  # a media element's fallback content is part of it
            continue
        if el.tag in _MEDIA:
            inside_media.add(el)
            src = str(el.get("src", ""))
            refuse(src or el.tag, f"{el.tag} '{_short(src)}': only images (PNG, JPEG, GIF, WebP) can be shown")
            continue
        for key, raw in el.attrib.items():
            name, value = str(key), str(raw)
            if name == "id" and value.startswith("edition-"):
                refuse(f"#{value}", f"id '{value}': ids starting with edition- belong to the editions' own parts")
            if name.startswith("on"):
                refuse(f"{name}=", f"attribute {name}: event handlers are not allowed in the body")
            elif name == "style":
                if not _SAFE_STYLE.fullmatch(value):
                    refuse(value, f'attribute style="{_short(value)}": inline styles are not allowed; use the CSS')
            elif name == "href":
                target = _INVISIBLE.sub("", value)
                if not _SAFE_LINK.match(target):
                    refuse(
                        value,
                        f"link '{_short(value)}': only http, https and mailto links, or links within the "
                        "article (#…), are allowed",
                    )
            elif not (name in _ATTRIBUTES or name.startswith(("data-", "aria-"))):
                refuse(f"{name}=", f"attribute {name}: not allowed in the body")
    return problems


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
