"""The manuscript body through pandoc, once, sandboxed, to an HTML fragment."""

from __future__ import annotations

import functools

import pypandoc

from publish.errors import RenderError, ToolError
from publish.manuscript import Manuscript

PANDOC_VERSION = "3.9"

# Raw HTML and raw-format blocks are escaped, not passed through: a manuscript
# from outside must not be able to put markup of its own into the editions.
MARKDOWN = "markdown-raw_html-raw_attribute-raw_tex"

PANDOC_ARGS = (
    "--sandbox",  # pandoc reads no file and fetches nothing
    "--wrap=none",
    "--shift-heading-level-by=1",  # the title is the only h1; body sections are h2
)


@functools.cache
def pandoc_version() -> str:
    try:
        return str(pypandoc.get_pandoc_version())
    except OSError as exc:  # pragma: no cover - pypandoc-binary ships pandoc
        raise ToolError(f"pandoc is not available: {exc}") from exc


def render_body(manuscript: Manuscript) -> str:
    """The body as an HTML5 fragment (XHTML-compatible: void tags self-closed)."""
    version = pandoc_version()
    if version != PANDOC_VERSION:
        raise ToolError(
            f"pandoc {version} found, {PANDOC_VERSION} required (pinned through pypandoc-binary); "
            "reinstall the project's dependencies"
        )
    try:
        return str(
            pypandoc.convert_text(
                manuscript.body,
                to="html5",
                format=MARKDOWN,
                extra_args=list(PANDOC_ARGS),
                verify_format=False,
            )
        )
    except RuntimeError as exc:
        raise RenderError(f"{manuscript.path}: pandoc failed: {exc}") from exc
