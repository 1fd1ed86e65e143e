"""The HTML edition: one self-contained file, styles inside."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from publish.document import Document


def build_html(document: Document, out_dir: Path) -> Path:
    styles = document.styles
    css = "\n".join(styles.read_text(f"css/{name}.css") for name in ("base", "screen"))
    html = styles.render("html.html.j2", css=Markup(css), **document.context("html"))
    target = out_dir / f"{document.manuscript.slug}.html"
    target.write_text(html, encoding="utf-8", newline="\n")
    return target
