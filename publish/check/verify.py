"""The rules: from what one file shows and says, every finding.

Each rule reads only the Evidence (and, given ``--manuscript``, what the
manuscript says). Codes and levels are in ``rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publish.check.cc import LicenceRef, licence_of, licences_named
from publish.check.evidence import Evidence, Value, loose
from publish.check.rules import Finding
from publish.check.wording import adaptation_claims, endorsement_claims, sentences

_UNCHANGED = re.compile(r"\bunchanged\b|\bnot (?:been )?(?:modified|changed|altered|edited)\b", re.IGNORECASE)
_CHANGES = re.compile(
    r"\b(?:unchanged|modified|adapted|abridged|translated|edited|changes? (?:were|was|have been|has been) made|"
    r"no changes|with changes|changes:)",
    re.IGNORECASE,
)
_ASSUMED = re.compile(r"assum", re.IGNORECASE)


@dataclass(frozen=True)
class Expected:
    """What ``--manuscript`` says the file must carry."""

    title: str
    authors: tuple[str, ...]
    notice: str
    licence: LicenceRef | None
    assumed: bool
    main_words: tuple[str, ...]
    note_words: tuple[tuple[str, ...], ...]
    math_words: frozenset[str] = frozenset()


def _quote(text: str, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def _licence_refs(values: list[Value]) -> list[tuple[LicenceRef, Value]]:
    found = []
    for value in values:
        ref = licence_of(value.text)
        refs = {ref} if ref else licences_named(value.text)
        found += [(r, value) for r in sorted(refs)]
    return found


def verify(e: Evidence, expected: Expected | None = None) -> list[Finding]:
    findings = list(e.findings)
    if e.opaque:
        return findings
    visible = loose(e.visible_text)

    def shown(text: str) -> bool:
        wanted = loose(text)
        return bool(wanted) and wanted in visible

    def hidden_note(text: str) -> str:
        reason = e.hiding(text)
        return f"; it is in the file, but {reason}" if reason else ""

    def add(code: str, message: str, where: str = "") -> None:
        findings.append(Finding(code, message, where))

    # -- the licence: §3(a)(1)(C) ----------------------------------------------
    machine = _licence_refs(e.licences)
    statements = e.rights + e.credits + e.notices
    stated = _licence_refs(statements)
    visible_links = [(licence_of(link.href), link) for link in e.links if not link.hidden and licence_of(link.href)]
    hidden_links = [link for link in e.links if link.hidden and licence_of(link.href)]
    named_in_text = licences_named(e.visible_text)
    everywhere = {ref for ref, _ in machine + stated} | {ref for ref, _ in visible_links if ref}
    if not everywhere:
        everywhere = set(named_in_text)
    if not machine:
        add("meta-licence", "no machine-readable licence (a licence link, JSON-LD license, XMP cc:license or OPF link)")
    if not everywhere:
        hint = f"; {hidden_links[0].where} links one, but {hidden_links[0].hidden}" if hidden_links else ""
        add("licence-missing", f"no Creative Commons licence is named, linked or given to machines{hint}")
    elif len(everywhere) > 1:
        places: dict[LicenceRef, list[str]] = {}
        for ref, v in machine + stated:
            places.setdefault(ref, []).append(f"{v.field}" + (f" at {v.where}" if v.where else ""))
        for shown_ref, link in visible_links:
            if shown_ref:
                places.setdefault(shown_ref, []).append(f"the visible link at {link.where}")
        listing = "; ".join(
            f"{ref.short_name} in " + ", ".join(list(dict.fromkeys(where))[:3]) for ref, where in sorted(places.items())
        )
        add("licence-conflict", f"the file names different licences: {listing}")
    licence = sorted(everywhere)[0] if len(everywhere) == 1 else None
    seen = {r for r, _ in visible_links} | named_in_text
    for ref in sorted(everywhere):
        if len(everywhere) > 1 and seen & everywhere:
            break  # the conflict says it all: one licence is shown, another is only claimed
        if ref not in seen:
            add(
                "licence-not-shown",
                f"no reader can see the licence {ref.short_name}: no visible link to it, nor its name or URI"
                + (
                    f"; the link at {hidden_links[0].where} is {hidden_links[0].hidden}"
                    if hidden_links
                    else hidden_note(ref.short_name)
                ),
            )

    # -- the creator: §3(a)(1)(A)(i) ------------------------------------------
    names = list(dict.fromkeys(v.text for v in e.authors + e.attribution_names))
    if not e.authors and not e.author_uris:
        add("meta-author", "no machine-readable author")
    bylines = e.bylines
    if not names and not bylines:
        add("creator-not-shown", "no creator is named: no byline, and no author in the metadata")
    first_of = {v.text: v for v in reversed(e.authors + e.attribution_names)}
    for value in (first_of[name] for name in names):
        where = value.where
        if any(loose(value.text) in loose(b.text) for b in bylines):
            continue
        if bylines:
            byline = bylines[0]
            add(
                "creator-mismatch",
                f"{value.field} names {_quote(value.text)}, but the byline reads {_quote(byline.text)}"
                + (f" ({byline.where})" if byline.where else ""),
                where,
            )
        elif shown(value.text):
            add(
                "creator-not-shown",
                f"{value.field} names {_quote(value.text)}, but no byline credits them (“By …” or “Title” by …)",
                where,
            )
        else:
            add(
                "creator-not-shown",
                f"{value.field} names {_quote(value.text)}, but readers cannot see the name{hidden_note(value.text)}",
                where,
            )

    # -- the title (TASL) -------------------------------------------------------
    titles = e.titles
    if not titles:
        add("meta-title", "no machine-readable title")
    else:
        distinct = {loose(t.text) for t in titles}
        if any(not any(a in b or b in a for b in distinct - {a}) for a in distinct if len(distinct) > 1):
            listing = "; ".join(f"{t.field}: {_quote(t.text, 60)}" for t in titles)
            add("meta-disagree", f"the title differs between fields ({listing})")
        if not any(shown(t.text) for t in titles if t.field != "<title>") and not (
            all(t.field == "<title>" for t in titles) and shown(titles[0].text)
        ):
            main = next((t for t in titles if t.field != "<title>"), titles[0])
            add(
                "title-not-shown",
                f"the title {_quote(main.text)} ({main.field}) is not shown{hidden_note(main.text)}",
                main.where,
            )

    # -- notices: §3(a)(1)(A)(ii)-(iii) ------------------------------------------
    if not e.notices and not e.rights:
        add("meta-notice", "no machine-readable rights statement or copyright notice")
    for value in e.notices:
        if not shown(value.text):
            add(
                "notice-not-shown",
                f"the notice in {value.field} is not shown: {_quote(value.text)}{hidden_note(value.text)}",
                value.where,
            )
    for value in e.rights:
        first = sentences(value.text)[0] if sentences(value.text) else value.text
        if licences_named(first) or shown(first):
            continue
        add(
            "notice-not-shown",
            f"{value.field} begins with a notice that is not shown: {_quote(first)}{hidden_note(first)}",
            value.where,
        )
    if not e.attribution_names and not any("creditText" in v.field or "UsageTerms" in v.field for v in e.credits):
        add(
            "meta-credit",
            "no machine-readable attribution name (cc:attributionName) or credit text (schema.org creditText)",
        )

    # -- the source: §3(a)(1)(A)(v) -------------------------------------------
    hrefs = {link.href.rstrip("/") for link in e.links if not link.hidden}
    for value in e.sources:
        if value.text.rstrip("/") not in hrefs and not shown(value.text):
            add(
                "source-not-shown",
                f"{value.field} names the original, {value.text}, but no reader can see a link to it",
                value.where,
            )

    # -- claims: §2(a)(6), ND §2(a)(1)(B), §3(a)(1)(B) ------------------------
    people = [v.text for v in e.authors + e.attribution_names]
    machine_statements = [(v.text, f"{v.field}", v.where) for v in statements]
    texts = [(s, "", e.where_is(s)) for s in sentences(e.visible_text)] + machine_statements
    for claim, field, where in endorsement_claims(texts, people)[:3]:
        add(
            "endorsement-claimed",
            f"{'in ' + field + ': ' if field else ''}{_quote(claim)} claims an endorsement",
            where,
        )
    adaptations = adaptation_claims(texts)
    nd = [ref for ref in sorted(everywhere) if not ref.derivatives]
    if expected is not None and expected.licence is not None and not expected.licence.derivatives:
        nd = nd or [expected.licence]
    for claim, field, where in adaptations[:3] if nd else []:
        add(
            "adapted-under-nd",
            f"{'in ' + field + ': ' if field else ''}{_quote(claim)} says the material was adapted, "
            f"but {nd[0].short_name} allows sharing it only unadapted",
            where,
        )
    unchanged_visible = bool(_UNCHANGED.search(e.visible_text))
    unchanged_machine = [v for v in statements if _UNCHANGED.search(v.text)]
    if unchanged_machine and not unchanged_visible:
        v = unchanged_machine[0]
        add("changes-contradicted", f"{v.field} says the text is unchanged, but no visible text says so", v.where)
    if (unchanged_visible or unchanged_machine) and adaptations:
        claim, field, where = adaptations[0]
        add("changes-contradicted", f"the file says the text is unchanged, yet {_quote(claim)}", where)
    if not _CHANGES.search(e.visible_text) and not any(_CHANGES.search(v.text) for v in statements):
        add(
            "changes-unstated",
            "no statement of whether the material was modified (“Text unchanged”, or the changes made)",
        )

    # -- "assumed" ----------------------------------------------------------------
    licence_statements = [v for v in statements if licences_named(v.text)]
    credit_lines = [
        s for s in sentences(e.visible_text, blocks=True) if licences_named(s) and re.search(r"[”\"]\s*,?\s+by\s", s)
    ]
    licence_sentences = [s for s in sentences(e.visible_text) if re.search(r"licen[cs]e", s, re.IGNORECASE)]
    assumed_said = (
        any(_ASSUMED.search(v.text) for v in licence_statements)
        or any(_ASSUMED.search(s) for s in credit_lines + licence_sentences)
        or (expected is not None and expected.assumed)
    )
    if assumed_said:
        because = (
            "the manuscript's licence is assumed"
            if expected is not None and expected.assumed
            else "other statements say it is assumed"
        )
        for v in licence_statements:
            if not _ASSUMED.search(v.text):
                add("assumed-dropped", f"{v.field} states the licence as certain; {because}", v.where)
        for line in credit_lines:
            if not _ASSUMED.search(line):
                add(
                    "assumed-dropped",
                    f"the credit line {_quote(line)} states the licence as certain; {because}",
                    e.where_is(line),
                )
        if not any(_ASSUMED.search(s) for s in licence_sentences):
            add("assumed-dropped", f"no visible text says the licence is assumed; {because}")

    if expected is not None:
        findings += _against(e, expected, licence, shown, bool(unchanged_visible or unchanged_machine), bool(nd))
    return findings


def _against(
    e: Evidence, x: Expected, licence: LicenceRef | None, shown: object, unchanged: bool, nd: bool
) -> list[Finding]:
    from publish.check.text import first_difference

    assert callable(shown)
    found = []

    def add(message: str, where: str = "") -> None:
        found.append(Finding("manuscript-mismatch", message, where))

    titles = [t for t in e.titles if t.field != "<title>"] or e.titles
    if titles and not any(loose(t.text) == loose(x.title) for t in titles):
        add(
            f"the title is {_quote(titles[0].text)} ({titles[0].field}); the manuscript's is {_quote(x.title)}",
            titles[0].where,
        )
    elif not shown(x.title):
        add(f"the manuscript's title {_quote(x.title)} is not shown")
    for name in x.authors:
        if e.authors and not any(loose(name) in loose(v.text) for v in e.authors):
            add(f"the author {name} is missing from the metadata")
        if not any(loose(name) in loose(b.text) for b in e.bylines):
            add(f"the author {name} is not in the byline")
    if x.licence is not None and licence is not None and licence != x.licence:
        add(
            f"the licence is {licence.short_name} ({licence.deed}); "
            f"the manuscript's is {x.licence.short_name} ({x.licence.deed})"
        )
    if not shown(x.notice):
        add(f"the original notice is not shown verbatim: {_quote(x.notice)}")
    if unchanged or nd:
        difference = first_difference(e, x.main_words, x.note_words, x.math_words)
        if difference is not None:
            message, where = difference
            found.append(
                Finding(
                    "text-differs",
                    message
                    + (" while the file says the text is unchanged" if unchanged else " under a NoDerivatives licence"),
                    where,
                )
            )
    return found
