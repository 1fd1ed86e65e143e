"""Everything one build renders from: parsed once, shared by every edition."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from publish.attribution import Attribution
from publish.body import render_body
from publish.errors import UsageError
from publish.manuscript import Manuscript
from publish.styles import Styles

ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest time a ZIP entry can hold


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
class Document:
    """A manuscript with its body rendered, its build date and its styles."""

    manuscript: Manuscript
    body_html: str
    source_date: dt.datetime
    styles: Styles

    @classmethod
    def prepare(cls, manuscript: Manuscript, styles: Styles, environ: Mapping[str, str] | None = None) -> Document:
        return cls(manuscript, render_body(manuscript), source_date(manuscript, environ), styles)

    @cached_property
    def attribution(self) -> Attribution:
        return Attribution.of(self.manuscript)

    def context(self, fmt: str) -> dict[str, object]:
        """What every template sees."""
        return {
            "m": self.manuscript,
            "a": self.attribution,
            "body": self.body_html,
            "fmt": fmt,
            "changes": self.attribution.changes(fmt),
            "edition_date": self.manuscript.edition_date,
        }
