"""Everything one build renders from: parsed once, shared by every edition."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from markupsafe import Markup

from publish.attribution import Attribution
from publish.body import render_body
from publish.dates import source_date
from publish.errors import ManuscriptError, Problem, UsageError
from publish.fetch import Fetcher, RefusedResourceError
from publish.fragment import MAX_DEPTH, TooDeepError, check_depth, images
from publish.manuscript import Manuscript
from publish.options import EXTENSIONS, IMAGE_FORMATS, PAPER_SIZES
from publish.sanitize import body_problems, image_problem, source_line
from publish.styles import Styles


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
    url = src if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", src) else (manuscript.folder / src).resolve().as_uri()
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


def _images(manuscript: Manuscript, body_html: str) -> tuple[list[Image], list[Problem]]:
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
            found[src] = open_image(manuscript, src)
        except ImageRefusedError as exc:
            problems.append(Problem(manuscript.label, line, str(exc)))
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
        *,
        date: dt.datetime | None = None,
        paper: str = "a4",
        environ: Mapping[str, str] | None = None,
    ) -> Document:
        """Run pandoc on the body and check everything it refers to.

        ``date`` is the build date; by default SOURCE_DATE_EPOCH from
        ``environ`` (or the process environment), else the edition date.
        """
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
        when = date if date is not None else source_date(manuscript, environ)
        return cls(manuscript, body, when, styles, tuple(found), paper)

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
