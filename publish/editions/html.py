"""The HTML edition: one self-contained file, styles, fonts and images inside."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from publish.attribution.kit import article_fragment
from publish.document import Document
from publish.source.fragment import for_html
from publish.styling.css import data_uri, stylesheet
from publish.styling.fonts import page_fonts


def build_html(document: Document, out_dir: Path) -> Path:
    styles = document.styles
    css = stylesheet(styles, ("base", "screen"), data_uri)
    images = {image.src: data_uri(image.src, image.path) for image in document.images}
    body = for_html(document.body_html, images)

    def render(fonts: str, typefaces: list[str]) -> str:
        return styles.render(
            "html.html.j2",
            css=Markup(fonts + css),
            json_ld=Markup(document.attribution.json_ld_text()),
            fragment=article_fragment(document),  # escaped: shown as source to copy
            **{**document.context("html", body), "typefaces": typefaces},
        )

    # The page's own text decides which glyphs its fonts keep, and which
    # families the colophon credits: the republisher's snippet is set in
    # the code face even when the article has no code.
    fonts = page_fonts(document.typefaces, render("", document.typeface_credits), document.manuscript.language)
    target = out_dir / f"{document.manuscript.slug}.html"
    target.write_text(render(fonts.css, fonts.credits), encoding="utf-8", newline="\n")
    return target
