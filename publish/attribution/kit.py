"""The republisher kit: DIR/republish/, everything needed to copy the article right.

- attribution.txt, attribution.md: the credit line, the licence and the terms
  in plain words (what you may, must and must not do);
- attribution.html: the credit line with ccREL RDFa, to paste under a copy;
- article.html: the article as a fragment of simple tags, no scripts and no
  styles, with the credit line at the top and the bottom;
- images/: the article's figures, if it has any, for article.html.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publish.options import EXTENSIONS

if TYPE_CHECKING:
    from publish.document import Document

FOLDER = "republish"
FILES = ("attribution.txt", "attribution.md", "attribution.html", "article.html")


def _image_names(images: Sequence[tuple[str, str]]) -> dict[str, str]:
    """(src, format) -> the image's file name in the kit and in the EPUB."""
    return {src: f"images/{n:03d}{EXTENSIONS[fmt]}" for n, (src, fmt) in enumerate(images, start=1)}


def image_names(document: Document) -> dict[str, str]:
    return _image_names([(image.src, image.format) for image in document.images])


def kit_names(images: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every file the kit writes, relative to DIR."""
    pictures = _image_names([(i["src"], i["format"]) for i in images])
    return [f"{FOLDER}/{name}" for name in (*FILES, *pictures.values())]


def article_fragment(document: Document) -> str:
    """article.html: also shown, as source, in the HTML edition's republish section."""
    from publish.source.fragment import for_kit

    body = for_kit(document.body_html, image_names(document))
    return document.styles.render("kit/article.html.j2", **document.context("html", body))


def build_kit(document: Document, out_dir: Path) -> list[Path]:
    folder = out_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    context = document.context("html", "")
    written = []
    for name in FILES[:3]:
        target = folder / name
        target.write_text(document.styles.render(f"kit/{name}.j2", **context), encoding="utf-8", newline="\n")
        written.append(target)
    target = folder / "article.html"
    target.write_text(article_fragment(document), encoding="utf-8", newline="\n")
    written.append(target)
    for image in document.images:
        target = folder / image_names(document)[image.src]
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(image.path.read_bytes())
        written.append(target)
    return written
