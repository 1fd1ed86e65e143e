"""The cover the EPUB carries, as a file of its own for the feeds, with a thumbnail."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from publish.editions.cover import make_cover
from publish.room.catalogue import cover_names

if TYPE_CHECKING:
    from publish.document import Document

THUMBNAIL_WIDTH = 200  # pixels: what OPDS apps show in a list


def thumbnail(cover: bytes) -> bytes:
    """The cover made small; the same cover always gives the same bytes."""
    from PIL import Image

    with Image.open(io.BytesIO(cover)) as image:
        height = round(image.height * THUMBNAIL_WIDTH / image.width)
        small = image.convert("RGB").resize((THUMBNAIL_WIDTH, height), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def write_covers(document: Document, stage: Path) -> None:
    m = document.manuscript
    cover = make_cover(document.typefaces, m.title, m.byline, m.language)
    big, small = cover_names(m.slug)
    (stage / big).write_bytes(cover)
    (stage / small).write_bytes(thumbnail(cover))
