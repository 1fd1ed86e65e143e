"""The PDF edition: the print HTML laid out by WeasyPrint, as tagged PDF/UA-1.

WeasyPrint is imported here and nowhere else: it takes most of a second to
import, and a build without a PDF should not pay for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from publish.css import file_uri, stylesheet
from publish.document import Document
from publish.errors import RenderError, ToolError
from publish.fetch import Fetcher, RefusedResourceError
from publish.fragment import for_print

PAGE_SIZES = {"a4": "A4", "letter": "letter"}


class _ConfinedFetcher(URLFetcher):  # type: ignore[misc]
    """WeasyPrint's side of publish.fetch: local allowed files and data: only."""

    def __init__(self, fetcher: Fetcher) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self._fetcher = fetcher

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        try:
            body, media_type = self._fetcher.read(url)
        except RefusedResourceError as exc:
            raise ValueError(str(exc)) from None
        return URLFetcherResponse(url, body=body, headers={"Content-Type": media_type})


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _failing_on_warnings() -> Iterator[None]:
    """WeasyPrint logs problems instead of raising them; make them fail the build."""
    handler = _Collect()
    weasyprint.LOGGER.addHandler(handler)
    try:
        yield
    finally:
        weasyprint.LOGGER.removeHandler(handler)
    if any("HarfBuzz-Subset" in message for message in handler.messages):
        # fontTools would subset instead, with other bytes: a silent change of output.
        raise ToolError(
            "WeasyPrint needs the HarfBuzz subsetter for reproducible fonts: "
            "install libharfbuzz-subset0 (Debian, Ubuntu) or harfbuzz (other systems)"
        )
    if handler.messages:
        raise RenderError("WeasyPrint reported problems:\n  " + "\n  ".join(handler.messages))


def build_pdf(document: Document, out_dir: Path) -> Path:
    styles = document.styles
    manuscript = document.manuscript
    fetcher = _ConfinedFetcher(Fetcher.of(manuscript.folder, *styles.folders))
    html = styles.render("print.html.j2", **document.context("pdf", for_print(document.body_html)))
    css = stylesheet(styles, ("fonts-print", "base", "print"), file_uri)
    css += f"\n@page {{ size: {PAGE_SIZES[document.paper]}; }}\n"
    target = out_dir / f"{manuscript.slug}.pdf"
    with _failing_on_warnings():
        fonts = FontConfiguration()  # without it, @font-face rules are ignored
        pdf = weasyprint.HTML(
            string=html,
            base_url=manuscript.folder.resolve().as_uri() + "/",
            url_fetcher=fetcher,
        ).write_pdf(
            stylesheets=[weasyprint.CSS(string=css, url_fetcher=fetcher, font_config=fonts)],
            font_config=fonts,
            pdf_variant="pdf/ua-1",
        )
    target.write_bytes(pdf)
    return target
