"""The attribution every edition carries, derived once from the manuscript.

Templates and metadata writers read this object, never the manuscript's
fields directly, so a field added here appears in the HTML meta and JSON-LD,
the PDF's XMP, the EPUB's OPF and the republisher kit alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from publish.licences import Licence
from publish.manuscript import Author, Manuscript, PublicationDate, Source

FORMAT_LABELS = {"html": "an HTML edition", "pdf": "a PDF edition", "epub": "an EPUB edition"}


@dataclass(frozen=True)
class Terms:
    """What a reuser may, must and must not do, in plain words."""

    may: tuple[str, ...]
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    note: str | None


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
    keywords: tuple[str, ...] = ()

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
            keywords=manuscript.keywords,
        )

    @property
    def source_url(self) -> str | None:
        return self.source.url if self.source else None

    def changes(self, fmt: str) -> str:
        """The statement of changes CC 4.0 §3(a)(1)(B) asks for."""
        return f"Text unchanged; formatted as {FORMAT_LABELS[fmt]}."

    @property
    def endorsement(self) -> str:
        who = "the author" if len(self.authors) == 1 else "the authors"
        return f"This edition implies no endorsement by {who}."

    @property
    def licence_statement(self) -> str:
        """The licence of this edition in one sentence."""
        lic = self.licence
        line = f"This edition: {lic.name} ({lic.short_name}), {lic.deed_url}."
        if self.assumed:
            line += " The licence is assumed: the original notice names no specific licence."
        return line

    @property
    def rights_statement(self) -> str:
        """The original notice, verbatim, then this edition's licence: dc:rights."""
        return f"{self.notice} {self.licence_statement}"

    @property
    def credit_line(self) -> str:
        """Title, author, source, licence (TASL), ready to paste under a copy."""
        line = f"“{self.title}” by {self.byline}"
        if self.source is not None:
            if self.source.outlet and self.source.url:
                line += f", first published by {self.source.outlet} ({self.source.url})"
            elif self.source.outlet:
                line += f", first published by {self.source.outlet}"
            elif self.source.url:
                line += f", first published at {self.source.url}"
        lic = f"{self.licence.short_name} ({self.licence.deed_url})"
        if not self.licence.attribution:
            line += f", dedicated to the public domain under {lic}."
        elif self.assumed:
            line += ". Published under a Creative Commons licence; "
            line += f"used here under {lic}, the licence this edition assumes."
        else:
            line += f", is licensed under {lic}."
        return line + " Text unchanged."

    @property
    def usage_terms(self) -> str:
        """XMP UsageTerms: the licence and the credit to give, in one paragraph."""
        return f"{self.licence_statement} Credit: {self.credit_line}"

    @property
    def terms(self) -> Terms:
        lic = self.licence
        purpose = "for any purpose, even commercially" if lic.commercial else "for non-commercial purposes only"
        may = [f"copy and redistribute the article in any medium or format, {purpose}"]
        if lic.derivatives:
            adapt = "adapt it: translate, abridge, remix or build upon it"
            if lic.share_alike:
                adapt += ", and share your adaptation under the same licence"
            may.append(adapt)
        must = []
        if lic.attribution:
            must.append("credit the author with the credit line, as it stands")
            must.append(f"link to the licence, {lic.deed_url}")
        else:
            may.append("use it without credit, though credit is good practice")
        if lic.derivatives:
            must.append("say whether you changed it: “Text unchanged”, or describe your changes")
        else:
            must.append("say “Text unchanged”")
        must_not = []
        if not lic.derivatives:
            must_not.append(
                "change the text: under the NoDerivatives terms any edit makes an adaptation you may not share"
            )
        if not lic.commercial:
            must_not.append("use it commercially")
        must_not.append("imply that the author endorses you or your use")
        must_not.append("add DRM or other legal or technical restrictions on what others may do with it")
        note = None
        if self.assumed:
            note = (
                f"These terms follow {lic.short_name}, the most restrictive reading, "
                "because the original notice names no specific licence."
            )
        return Terms(tuple(may), tuple(must), tuple(must_not), note)

    def json_ld(self) -> dict[str, Any]:
        """schema.org metadata: one data block, never executable."""
        authors = []
        for author in self.authors:
            person: dict[str, Any] = {"@type": "Person", "name": author.name}
            if author.honorific:
                person["honorificPrefix"] = author.honorific
            if author.biography:
                person["description"] = author.biography
            authors.append(person)
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "Article",
            "identifier": self.identifier,
            "headline": self.title,
            "name": self.title,
            "author": authors,
            "inLanguage": self.language,
            "license": self.licence.deed_url,
            "copyrightNotice": self.notice,
            "creditText": self.credit_line,
            "isAccessibleForFree": True,
        }
        if self.date.inferred:
            # schema.org has no way to qualify datePublished, so an inferred
            # date is not stated as one: it is a property that says what it is.
            data["additionalProperty"] = {
                "@type": "PropertyValue",
                "name": "publication month, inferred from the text",
                "value": self.date.iso,
                "description": self.date.basis or "",
            }
        else:
            data["datePublished"] = self.date.iso
        if self.subtitle:
            data["alternativeHeadline"] = self.subtitle
        if self.keywords:
            data["keywords"] = list(self.keywords)
        if self.source_url:
            data["isBasedOn"] = self.source_url
        return data

    def json_ld_text(self) -> str:
        """The JSON-LD, safe inside a <script> element: nothing in it can close the element."""
        text = json.dumps(self.json_ld(), ensure_ascii=False, indent=2, sort_keys=False)
        # "<" as a JSON escape: neither "</script>" nor "<!--" can change how HTML parses the block.
        return text.replace("<", "\\u003c")
