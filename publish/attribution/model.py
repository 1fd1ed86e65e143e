"""The attribution every edition carries, derived once from the manuscript.

Templates and metadata writers read this object, never the manuscript's
fields directly, so a field added here appears in the HTML meta and JSON-LD,
the PDF's XMP, the EPUB's OPF and the republisher kit alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from publish.source.licences import Licence
from publish.source.manuscript import Author, Manuscript, PublicationDate, Source

FORMAT_LABELS = {"html": "an HTML edition", "pdf": "a PDF edition", "epub": "an EPUB edition"}


# Creative Commons' own explanation of NonCommercial; the kit points to it and gives no advice of its own.
NONCOMMERCIAL_GUIDE = "https://wiki.creativecommons.org/wiki/NonCommercial_interpretation"


@dataclass(frozen=True)
class Pointer:
    """A sentence with a link in it: plain text reads it whole, HTML links the URL."""

    before: str
    url: str
    after: str

    def __str__(self) -> str:
        return f"{self.before}{self.url}{self.after}"


@dataclass(frozen=True)
class Terms:
    """What the licence allows and asks, in plain words: this edition's reading
    of the legal code, never terms of its own (CC 4.0 §2(a)(5): none that restrict recipients)."""

    intro: str
    may: tuple[str, ...]
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    guide: Pointer | None


@dataclass(frozen=True)
class CreditPart:
    """A piece of the credit line: its words, what it is ("title", "author", "outlet", "source",
    "licence", "licence-url"; "" for the words between), and where it links, if it does."""

    text: str
    role: str = ""
    href: str = ""


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
    def _who(self) -> str:
        return "the author" if len(self.authors) == 1 else "the authors"

    @property
    def endorsement(self) -> str:
        """CC 4.0 §2(a)(6): no endorsement by the creators nor by the licensor."""
        if not self.licence.attribution:
            return f"This edition implies no endorsement by {self._who}."
        return f"This edition implies no endorsement by {self._who} or by the licensor (§2(a)(6))."

    @property
    def reading(self) -> str:
        """What an assumed licence is: a reading of the original notice, the strictest only if it is."""
        lic = self.licence
        if lic.attribution and not lic.commercial and not lic.derivatives:
            return "the most restrictive reading of the original notice"
        return "this edition’s reading of the original notice"

    @property
    def licence_line(self) -> str:
        """The licence in one sentence: assumed, a reading; stated, the licence. The colophon's words."""
        lic = self.licence
        named = f"the {lic.name} licence" if lic.attribution else lic.name
        if self.assumed:
            return f"This edition assumes {named} ({lic.short_name}), {lic.deed_url}: {self.reading}."
        if not lic.attribution:
            return f"This edition is dedicated to the public domain under {named} ({lic.short_name}), {lic.deed_url}."
        return f"This edition is licensed under {named} ({lic.short_name}), {lic.deed_url}."

    @property
    def assumption(self) -> str | None:
        """Why the licence is assumed, where it is: the colophon's "Why this licence"."""
        if not self.assumed:
            return None
        if self.reason:
            return f"The licence is assumed. {self.reason}"
        return "The licence is assumed: the licence that really applies is the original’s."

    @property
    def licence_statement(self) -> str:
        """The licence of this edition, and why it is assumed where it is: dc:rights and XMP."""
        return f"{self.licence_line} {self.assumption}" if self.assumption else self.licence_line

    @property
    def source_note(self) -> str | None:
        """What a republisher must not make up: the original's source, where none is known."""
        if self.source is not None:
            return None
        unknown = "outlet, URL and date of first publication" if self.date.inferred else "outlet and URL"
        return f"The original {unknown} are unknown, so do not add a guessed source or a canonical link."

    @property
    def rights_statement(self) -> str:
        """The original notice, verbatim, then this edition's licence: dc:rights."""
        return f"{self.notice} {self.licence_statement}"

    @property
    def credit_parts(self) -> tuple[CreditPart, ...]:
        """The credit line (TASL: title, author, source, licence), in parts that say what each is.

        The one source of the credit line: ``credit_line`` joins the parts'
        text; the templates give each part its markup (RDFa and links in
        HTML, links in Markdown) and add nothing to the words.
        """
        parts = [
            CreditPart("“"),
            CreditPart(self.title, "title"),
            CreditPart("” by "),
            CreditPart(self.byline, "author"),
        ]
        sourced = self.source is not None and bool(self.source.outlet or self.source.url)
        if self.source is not None:
            if self.source.outlet:
                parts += [CreditPart(", first published by "), CreditPart(self.source.outlet, "outlet")]
                if self.source.url:
                    parts += [CreditPart(" ("), CreditPart(self.source.url, "source", self.source.url), CreditPart(")")]
            elif self.source.url:
                parts += [CreditPart(", first published at "), CreditPart(self.source.url, "source", self.source.url)]
        lic = self.licence
        if not lic.attribution:
            lead, tail = ", dedicated to the public domain under ", "."
        elif self.assumed:
            lead, tail = (
                ". Published under a Creative Commons licence; used here under ",
                ", the licence this edition assumes.",
            )
        else:  # the comma closes the source's clause; without one, none is needed
            lead, tail = (", is licensed under " if sourced else " is licensed under "), "."
        parts += [
            CreditPart(lead),
            CreditPart(lic.short_name, "licence", lic.deed_url),
            CreditPart(f" ({lic.deed_url})", "licence-url", lic.deed_url),
            CreditPart(tail + " Text unchanged."),
        ]
        return tuple(parts)

    @property
    def credit_line(self) -> str:
        """Title, author, source, licence (TASL), ready to paste under a copy."""
        return "".join(part.text for part in self.credit_parts)

    @property
    def usage_terms(self) -> str:
        """XMP UsageTerms: the licence and the credit to give, in one paragraph."""
        return f"{self.licence_statement} Credit: {self.credit_line}"

    @property
    def terms(self) -> Terms:
        """The licence's permissions and conditions, each with its section of the CC 4.0 legal code."""
        lic = self.licence
        if not lic.attribution:
            return Terms(
                intro=f"What {lic.short_name} allows, as this edition reads it; these are not terms this edition adds.",
                may=(
                    "copy, share and adapt the article, for any purpose, even commercially",
                    "do so without credit, though credit is good practice",
                ),
                must=(),
                must_not=(),
                guide=None,
            )
        intro = f"What {lic.short_name} allows and asks, as this edition reads the licence; "
        intro += "these are not terms this edition adds."
        if self.assumed:
            intro += " The licence is assumed: the licence that really applies is the original’s."
        else:
            intro += f" The legal code decides: {lic.legal_code_url}."
        only = "" if lic.commercial else ", for non-commercial purposes only"
        may = [
            f"copy and share the article, in whole or in part{only} (§2(a)(1)(A))",
            "change its medium or format: technical modifications never make Adapted Material (§2(a)(4))",
        ]
        if lic.derivatives:
            adapt = f"adapt it (translate, abridge, remix or build upon it) and share your adaptation{only}"
            if lic.share_alike:
                adapt += f", under {lic.short_name} or a later version, or a compatible licence (§2(a)(1)(B), §3(b))"
            else:
                adapt += " (§2(a)(1)(B))"
            may.append(adapt)
        must = (
            f"credit {self._who} with the credit line (§3(a)(1)(A)(i))",
            f"keep the original notice, verbatim: “{self.notice}” (§3(a)(1)(A)(ii)–(iii))",
            f"link the licence, {lic.deed_url} (§3(a)(1)(C))",
            "say whether you changed it, keeping “Text unchanged” only if you did not (§3(a)(1)(B))",
        )
        must_not = []
        if not lic.derivatives:
            must_not.append(
                "share Adapted Material: the article translated, altered, arranged, transformed or otherwise "
                "modified in a way that needs the licensor’s permission (§1(a), §2(a)(1)(B))"
            )
        if not lic.commercial:
            must_not.append("copy, share or adapt it for commercial purposes (§2(a)(1))")
        must_not.append(f"imply that {self._who} or the licensor endorses you or your use (§2(a)(6))")
        downstream = "§2(a)(5)(C)" if lic.share_alike else "§2(a)(5)(B)"
        must_not.append(
            f"add terms or technical measures, such as DRM, that restrict what others may do with it ({downstream})"
        )
        guide = None
        if not lic.commercial:
            guide = Pointer(
                "Creative Commons explains what NonCommercial means, for example for pages with advertising: ",
                NONCOMMERCIAL_GUIDE,
                ". That is Creative Commons’ own explanation, and this kit is not legal advice.",
            )
        return Terms(intro, tuple(may), must, tuple(must_not), guide)

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
        if self.assumed:
            # "license" holds a URL and cannot say it is assumed; usageInfo says so, and why.
            # No "name": a name in the block reads as another title of the article.
            data["usageInfo"] = {"@type": "CreativeWork", "text": self.assumption}
        return data

    def json_ld_text(self) -> str:
        """The JSON-LD, safe inside a <script> element: nothing in it can close the element."""
        text = json.dumps(self.json_ld(), ensure_ascii=False, indent=2, sort_keys=False)
        # "<" as a JSON escape: neither "</script>" nor "<!--" can change how HTML parses the block.
        return text.replace("<", "\\u003c")
