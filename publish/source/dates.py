"""The one timestamp of a build."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

from publish.errors import UsageError
from publish.source.manuscript import Manuscript

ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest time a ZIP entry can hold


def source_date(manuscript: Manuscript, environ: Mapping[str, str] | None = None) -> dt.datetime:
    """SOURCE_DATE_EPOCH when it is set, else the manuscript's edition date.

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
