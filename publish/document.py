"""Everything one build renders from: parsed once, shared by every edition."""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from markupsafe import Markup

from publish.attribution import Attribution
from publish.body import render_body
from publish.errors import ManuscriptError, Problem, UsageError
from publish.fetch import Fetcher, RefusedResourceError
from publish.fragment import MAX_DEPTH, TooDeepError, check_depth, images
from publish.manuscript import Manuscript
from publish.sanitize import EXTENSIONS, IMAGE_FORMATS, body_problems, image_problem, source_line
from publish.styles import Styles

ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest time a ZIP entry can hold
PAPER_SIZES = ("a4", "letter")


def source_date(manuscript: Manuscript, environ: Mapping[str, str] | None = None) -> dt.datetime:
    """The one timestamp of a build: SOURCE_DATE_EPOCH, else the edition date.

    Never the clock and never git: an exported source archive must build the
    same bytes as a checkout.
    """
    env = os.environ if environ is None else environ
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        if not raw.isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds since 1970")
        seconds = int(raw)
        if seconds < ZIP_EPOCH:
            raise UsageError(f"SOURCE_DATE_EPOCH={raw} is before 1980, which ZIP (and so EPUB) cannot record")
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    return dt.datetime.combine(manuscript.edition_date, dt.time(0, 0), tzinfo=dt.UTC)


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


def _images(manuscript: Manuscript, body_html: str) -> tuple[list[Image], list[Problem]]:
    fetcher = Fetcher.of(manuscript.folder)
    found: dict[str, Image] = {}
    problems = []
    where = 0
    for src, alt in images(body_html):
        line = source_line(manuscript, src, where)
        where = line - manuscript.body_line
        if not alt.strip():
            problems.append(
                Problem(manuscript.label, line, f"image '{src}' has no text alternative; write ![what it shows]({src})")
            )
        if src in found:
            continue
        try:
            url = src if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", src) else (manuscript.folder / src).resolve().as_uri()
            path = fetcher.resolve(url, shown=src)
        except RefusedResourceError as exc:
            problems.append(Problem(manuscript.label, line, f"image {exc}"))
            continue
        fmt, why = image_problem(path)
        if fmt is None:
            problems.append(Problem(manuscript.label, line, f"image '{src}' {why}"))
        else:
            found[src] = Image(src, path, fmt)
    return list(found.values()), problems


@dataclass(frozen=True)
class Document:
    """A manuscript with its body rendered, its build date, styles and options."""

    manuscript: Manuscript
    body_html: str
    source_date: dt.datetime
    styles: Styles
    images: tuple[Image, ...] = ()
    paper: str = "a4"

    @classmethod
    def prepare(
        cls,
        manuscript: Manuscript,
        styles: Styles,
        environ: Mapping[str, str] | None = None,
        *,
        paper: str = "a4",
    ) -> Document:
        if paper not in PAPER_SIZES:
            raise UsageError(f"paper size {paper!r} is not one of {', '.join(PAPER_SIZES)}")
        body = render_body(manuscript)
        try:
            check_depth(body)
        except TooDeepError:
            raise ManuscriptError.single(
                manuscript.label,
                manuscript.body_line,
                f"body: quotes and lists nest more than {MAX_DEPTH} levels deep; flatten them",
            ) from None
        found, problems = _images(manuscript, body)
        problems = body_problems(manuscript, body) + problems
        if problems:
            raise ManuscriptError(problems)
        return cls(manuscript, body, source_date(manuscript, environ), styles, tuple(found), paper)

    @cached_property
    def attribution(self) -> Attribution:
        return Attribution.of(self.manuscript)

    def context(self, fmt: str, body: str) -> dict[str, object]:
        """What every template sees; ``body`` is the fragment adapted to the edition."""
        return {
            "m": self.manuscript,
            "a": self.attribution,
            "body": Markup(body),
            "fmt": fmt,
            "changes": self.attribution.changes(fmt),
            "edition_date": self.manuscript.edition_date,
        }
