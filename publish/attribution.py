"""The attribution every edition carries, derived once from the manuscript.

Templates and metadata writers read this object, never the manuscript's
fields directly, so that a credit added here appears in every format.
"""

from __future__ import annotations

from dataclasses import dataclass

from publish.licences import Licence
from publish.manuscript import Author, Manuscript, PublicationDate, Source

FORMAT_LABELS = {"html": "an HTML edition", "pdf": "a PDF edition", "epub": "an EPUB edition"}


@dataclass(frozen=True)
class Attribution:
    title: str
    subtitle: str | None
    authors: tuple[Author, ...]
    byline: str
    notice: str
    licence: Licence
    assumed: bool
    reason: str | None
    date: PublicationDate
    source: Source | None
    identifier: str
    language: str

    @classmethod
    def of(cls, manuscript: Manuscript) -> Attribution:
        return cls(
            title=manuscript.title,
            subtitle=manuscript.subtitle,
            authors=manuscript.authors,
            byline=manuscript.byline,
            notice=manuscript.notice,
            licence=manuscript.rights.licence,
            assumed=manuscript.rights.assumed,
            reason=manuscript.rights.reason,
            date=manuscript.date,
            source=manuscript.source,
            identifier=manuscript.identifier,
            language=manuscript.language,
        )

    @property
    def author_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.authors)

    def changes(self, fmt: str) -> str:
        """The statement of changes CC 4.0 §3(a)(1)(B) asks for."""
        return f"Text unchanged; formatted as {FORMAT_LABELS[fmt]}."

    @property
    def endorsement(self) -> str:
        who = "the author" if len(self.authors) == 1 else "the authors"
        return f"This edition implies no endorsement by {who}."

    @property
    def credit_line(self) -> str:
        """Title, author, source, licence (TASL), ready to paste under a copy."""
        line = f"“{self.title}” by {self.byline}"
        if self.source is not None:
            where = " ".join(
                part for part in (self.source.outlet, f"({self.source.url})" if self.source.url else None) if part
            )
            line += f", first published {'by ' if self.source.outlet else 'at '}{where}"
        lic = f"{self.licence.short_name} ({self.licence.deed_url})"
        if not self.licence.attribution:
            line += f", dedicated to the public domain under {lic}."
        elif self.assumed:
            line += ". Published under a Creative Commons licence; "
            line += f"used here under {lic}, the licence this edition assumes."
        else:
            line += f", is licensed under {lic}."
        return line + " Text unchanged."
