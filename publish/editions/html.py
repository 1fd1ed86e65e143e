"""The HTML edition: one self-contained file, styles, fonts and images inside."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from publish.css import data_uri, stylesheet
from publish.document import Document
from publish.fragment import for_html
from publish.kit import article_fragment


def build_html(document: Document, out_dir: Path) -> Path:
    styles = document.styles
    css = stylesheet(styles, ("fonts", "base", "screen"), data_uri)
    images = {image.src: data_uri(image.src, image.path) for image in document.images}
    body = for_html(document.body_html, images)
    html = styles.render(
        "html.html.j2",
        css=Markup(css),
        json_ld=Markup(document.attribution.json_ld_text()),
        fragment=article_fragment(document),  # escaped: shown as source to copy
        **document.context("html", body),
    )
    target = out_dir / f"{document.manuscript.slug}.html"
    target.write_text(html, encoding="utf-8", newline="\n")
    return target
