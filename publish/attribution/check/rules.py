"""The rules ``publish check`` applies: a stable code, a level, and where each comes from.

Errors are what the licence requires and the file lacks, contradicts or
falsely claims; section numbers are those of the CC 4.0 legal code (the same
in all six licences for the sections cited). Warnings are recommended
machine-readable fields that are missing or unreadable. The README's table is
made from this one.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    code: str
    level: str
    summary: str
    source: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule("licence-missing", ERROR, "no Creative Commons licence is identified at all", "CC 4.0 §3(a)(1)(C)"),
        Rule(
            "licence-not-shown",
            ERROR,
            "the licence is only in the metadata (or hidden): no reader can see its name, URI or link",
            "CC 4.0 §3(a)(1)(C)",
        ),
        Rule(
            "licence-conflict",
            ERROR,
            "fields, links or rights texts name different licences",
            "CC 4.0 §3(a)(1)(C)",
        ),
        Rule("creator-not-shown", ERROR, "no creator is shown to readers", "CC 4.0 §3(a)(1)(A)(i)"),
        Rule(
            "creator-mismatch",
            ERROR,
            "the metadata's authors are not the ones the visible byline names",
            "CC 4.0 §3(a)(1)(A)(i)",
        ),
        Rule(
            "notice-not-shown",
            ERROR,
            "a copyright or licence notice the file carries for machines is not shown to readers",
            "CC 4.0 §3(a)(1)(A)(ii)–(iii)",
        ),
        Rule(
            "source-not-shown",
            ERROR,
            "the metadata names the original, but no reader can see a link or URI to it",
            "CC 4.0 §3(a)(1)(A)(v)",
        ),
        Rule(
            "endorsement-claimed",
            ERROR,
            "the file claims endorsement, sponsorship or official status from the author or the licensor",
            "CC 4.0 §2(a)(6)",
        ),
        Rule(
            "adapted-under-nd",
            ERROR,
            "the file says it was adapted, under a NoDerivatives licence",
            "CC 4.0 ND licences §2(a)(1)(B); §1(a)",
        ),
        Rule(
            "technical-restriction",
            ERROR,
            "encryption, DRM or PDF permission flags restrict what recipients may do",
            "CC 4.0 §2(a)(5)(B)",
        ),
        Rule(
            "assumed-dropped",
            ERROR,
            "some statements say the licence is assumed, others state it as certain",
            "CC 4.0 §3(a)(1)(C); §2(a)(5)(B)",
        ),
        Rule(
            "changes-contradicted",
            ERROR,
            "statements of changes disagree, or one given to machines is not shown to readers",
            "CC 4.0 §3(a)(1)(B)",
        ),
        Rule(
            "text-differs",
            ERROR,
            "with --manuscript: the text differs from the manuscript's, yet the file says it is unchanged "
            "or the licence is NoDerivatives",
            "CC 4.0 §3(a)(1)(B); ND licences §2(a)(1)(B)",
        ),
        Rule(
            "manuscript-mismatch",
            ERROR,
            "with --manuscript: the title, creator, licence or notice is not the manuscript's",
            "CC 4.0 §3(a)(1)(A), §3(a)(1)(C)",
        ),
        Rule("meta-licence", WARNING, "no machine-readable licence", "ccREL; schema.org license; XMP; EPUB 3 OPF"),
        Rule("meta-title", WARNING, "no machine-readable title", "Dublin Core title; schema.org name"),
        Rule("meta-author", WARNING, "no machine-readable author", "Dublin Core creator; schema.org author"),
        Rule(
            "meta-notice",
            WARNING,
            "no machine-readable rights statement or copyright notice",
            "Dublin Core rights; schema.org copyrightNotice; XMP dc:rights",
        ),
        Rule(
            "meta-credit",
            WARNING,
            "no machine-readable attribution name or credit text",
            "ccREL cc:attributionName; schema.org creditText",
        ),
        Rule(
            "meta-xmp",
            WARNING,
            "a PDF with document Info only, no XMP metadata",
            "ISO 16684-1 (XMP); ISO 32000 metadata streams",
        ),
        Rule(
            "meta-disagree",
            WARNING,
            "machine-readable fields disagree with each other",
            "one work, one title and author across ccREL, schema.org, XMP and Info",
        ),
        Rule("meta-invalid", WARNING, "a metadata block cannot be read", "JSON-LD 1.1; XMP"),
        Rule(
            "title-not-shown",
            WARNING,
            "the title in the metadata is not shown",
            "CC's recommended practices for attribution (TASL)",
        ),
        Rule(
            "changes-unstated",
            WARNING,
            "no statement of whether the material was modified (required if it was)",
            "CC 4.0 §3(a)(1)(B)",
        ),
        Rule(
            "epub-mimetype",
            WARNING,
            "the EPUB's mimetype is not its first, stored entry",
            "EPUB 3.3, OCF ZIP container: the mimetype file",
        ),
        Rule(
            "epub-copyright-page",
            WARNING,
            "no copyright page marked for reading systems",
            "EPUB 3 Structural Semantics: copyright-page",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    where: str = ""

    @property
    def rule(self) -> Rule:
        return RULES[self.code]

    @property
    def level(self) -> str:
        return self.rule.level
