"""The rules: from what one file shows and says, every finding.

Each rule reads only the Evidence (and, given ``--manuscript``, what the
manuscript says). Codes and levels are in ``rules``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from publish.attribution.check.cc import LicenceRef, licence_of, licences_named
from publish.attribution.check.evidence import Evidence, Value, loose
from publish.attribution.check.rules import Finding
from publish.attribution.check.wording import adaptation_claims, endorsement_claims, sentences

_UNCHANGED = re.compile(r"\bunchanged\b|\bnot (?:been )?(?:modified|changed|altered|edited)\b", re.IGNORECASE)
_CHANGES = re.compile(
    r"\b(?:unchanged|modified|adapted|abridged|translated|edited|shortened|condensed|excerpted|removed|omitted|"
    r"changes? (?:were|was|have been|has been) made|"
    r"no changes|with changes|changes:)",
    re.IGNORECASE,
)
_ASSUMED = re.compile(r"assum(?!\w*\s+(?:no|any|all)\s+(?:liability|responsibility|risk))", re.IGNORECASE)


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
    unfloated_words: tuple[str, ...] = ()  # the main text without its figures, which print may float
    figure_words: tuple[tuple[str, ...], ...] = ()  # each figure's caption


def _quote(text: str, limit: int = 90) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


_HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "mx", "sir", "dame", "rev"}
# A block of visible text that states the work's licence, rather than an image's or a passing mention.
_OTHER_MATERIAL = re.compile(
    r"\b(?:photo|photograph|image|picture|illustration|figure|video|audio|logo|icon|font|typeface|software|"
    r"code|map|chart|cover art|drawing)s?\b",
    re.IGNORECASE,
)
# What puts a name in a credit: "by", "© 2022", "Author:", "Written by", and the same in a few languages.
_CUE = (
    r"(?:\b(?:by|von|por|par|di|door|de|copyright)\b|©|\(c\)|\bauthors?\s*:|\bcredits?\s*:|"
    r"\bphoto(?:graph)?s?\s*:|作者\s*[:：]?|著者\s*[:：]?)"
    r"\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*,?\s*)?(?:the\s+)?(?:(?:dr|prof|mr|mrs|ms)\.?\s+)?"
)


def _credited_in(name: str, text: str) -> bool:
    """Whether ``text`` credits every person in ``name`` after a cue ("by Jane Roe", "© 2022 Jane Roe")."""
    wanted = person_names(name)
    for person in wanted:
        # the person, or a later one in the list that follows the cue ("By Jane Roe and John Smith")
        pattern = _CUE + r"(?:[^.;:]{0,80}?[\s,&])?" + r"[\W_]+".join(re.escape(w) for w in person.split())
        pattern += r"(?![^\W_])"
        if not re.search(pattern, text.casefold()):
            return False
    return bool(wanted)


def words_of(text: str) -> str:
    """Letters and digits as space-separated, case-folded words, for matching names whole."""
    return " ".join(re.findall(r"[^\W_]+", text.casefold()))


def person_names(text: str) -> list[str]:
    """The names a free-text author field holds: "Jane Roe, John Smith", "Roe, Jane", "Dr. Jane Roe"."""
    parts = [p for p in re.split(r"\s*(?:;|&|\band\b)\s*", text) if p.strip()]
    names = []
    for part in parts:
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        if len(pieces) == 2 and all(len(p.split()) == 1 for p in pieces):
            pieces = [f"{pieces[1]} {pieces[0]}"]  # "Roe, Jane"
        for piece in pieces:
            kept = [w for w in words_of(piece).split() if w not in _HONORIFICS]
            if kept:
                names.append(" ".join(kept))
    return names


def names_in(name: str, text: str) -> bool:
    """Whether every name in the field ``name`` appears whole in ``text`` ("Jane Roe" is not in "Jane Roebuck")."""
    haystack = f" {words_of(text)} "
    wanted = person_names(name)
    return bool(wanted) and all(f" {n} " in haystack for n in wanted)


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
    visible_links = [(ref, link) for link in e.links if not link.hidden and (ref := licence_of(link.href))]
    licence_links = [(ref, link) for ref, link in visible_links if "license" in link.rel]
    hidden_links = [link for link in e.links if link.hidden and licence_of(link.href)]
    named_in_text = licences_named(e.visible_text)
    # Visible statements of the work's licence: a block that says "licensed" and names one or two licences,
    # not an image credit and not prose that explains the licences.
    blocks = [
        (refs, block)
        for block in sentences(e.visible_text, blocks=True)
        if re.search(r"licen[cs]", block, re.IGNORECASE)
        and 0 < len(refs := licences_named(block)) <= 2
        and not _OTHER_MATERIAL.search(block)
    ]
    everywhere = {ref for ref, _ in machine + stated + licence_links} | {r for refs, _ in blocks for r in refs}
    if not everywhere:
        everywhere = {ref for ref, _ in visible_links} | set(named_in_text)
    if not machine:
        add("meta-licence", "no machine-readable licence (a licence link, JSON-LD license, XMP cc:license or OPF link)")
    if not everywhere:
        hint = f"; {hidden_links[0].where} links one, but {hidden_links[0].hidden}" if hidden_links else ""
        add("licence-missing", f"no Creative Commons licence is named, linked or given to machines{hint}")
    elif len(everywhere) > 1:
        places: dict[LicenceRef, list[str]] = {}
        for ref, v in machine + stated:
            places.setdefault(ref, []).append(f"{v.field}" + (f" at {v.where}" if v.where else ""))
        for ref, link in licence_links:
            places.setdefault(ref, []).append(f"the visible link at {link.where}")
        for refs, block in blocks:
            for ref in refs:
                places.setdefault(ref, []).append(f"the visible text {_quote(block, 60)}")
        listing = "; ".join(
            f"{ref.short_name} in " + ", ".join(list(dict.fromkeys(where))[:3]) for ref, where in sorted(places.items())
        )
        add("licence-conflict", f"the file names different licences: {listing}")
    licence = sorted(everywhere)[0] if len(everywhere) == 1 else None
    public_domain = bool(everywhere) and all(ref.public_domain for ref in everywhere)
    seen = {r for r, _ in visible_links} | named_in_text
    for ref in sorted(everywhere):
        if public_domain or (len(everywhere) > 1 and seen & everywhere):
            break  # CC0 asks for nothing; in a conflict, one licence is shown and another only claimed
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
    # Where readers see who made it: bylines and credit lines, and short blocks that credit someone
    # ("© 2022 Jane Roe", "Written by …", a name alone under the title) — not a name in the body's prose.
    blocks_seen = sentences(e.visible_text, blocks=True)

    def credited(name: str) -> bool:
        if any(names_in(name, b.text) for b in e.bylines) or any(_credited_in(name, b) for b in blocks_seen):
            return True
        if e.bylines:
            return False
        # no byline: a name on a line of its own, or nearly ("March 3, 2024 · 2 min · Jane Roe"), not a sentence
        size = len(words_of(name).split())
        return any(
            len(words_of(b).split()) <= size + 6 and not b.rstrip().endswith(".") and names_in(name, b)
            for b in blocks_seen
        )

    # with no name to look for: a cue followed by a capitalised name ("© 2006–2022 Sam Sample")
    credit_cue = re.search(_CUE + r"(?-i:[A-Z])[\w'’.-]*\s+(?-i:[A-Z])", e.visible_text, re.IGNORECASE)
    if not names and not e.bylines and not credit_cue and not public_domain:
        add("creator-not-shown", "no creator is named: no byline, and no author in the metadata")
    first_of = {v.text: v for v in reversed(e.authors + e.attribution_names)}
    for value in (first_of[name] for name in names):
        where = value.where
        if public_domain or credited(value.text):
            continue
        if e.bylines:
            byline = e.bylines[0]
            add(
                "creator-mismatch",
                f"{value.field} names {_quote(value.text)}, but the byline reads {_quote(byline.text)}"
                + (f" ({byline.where})" if byline.where else ""),
                where,
            )
        elif names_in(value.text, e.visible_text):
            add(
                "creator-not-shown",
                f"{value.field} names {_quote(value.text)}, but the text names them only in passing, "
                "in no byline or credit",
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
    texts = [(s, "", "") for s in sentences(e.visible_text)] + machine_statements

    def located(claims: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """Claims that are not the manuscript's own words, with where each visible one is."""
        if expected is not None:
            claims = [c for c in claims if not _in_manuscript(c[0], expected)]
        return [(text, field, where or (e.where_is(text) if not field else "")) for text, field, where in claims[:3]]

    for claim, field, where in located(endorsement_claims(texts, people)):
        add(
            "endorsement-claimed",
            f"{'in ' + field + ': ' if field else ''}{_quote(claim)} claims an endorsement",
            where,
        )
    adaptations = located(adaptation_claims(texts))
    nd = [ref for ref in sorted(everywhere) if not ref.derivatives]
    if expected is not None and expected.licence is not None and not expected.licence.derivatives:
        nd = nd or [expected.licence]
    for claim, field, where in adaptations if nd else []:
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


def _in_manuscript(sentence: str, x: Expected) -> bool:
    """Whether a sentence is the manuscript's own (an original's note that it was adapted is no claim of ours)."""
    from publish.attribution.check.text import words

    wanted = words(sentence)
    if len(wanted) < 3:
        return False
    text = " " + " ".join(x.main_words) + " "
    return f" {' '.join(wanted)} " in text


def _against(
    e: Evidence, x: Expected, licence: LicenceRef | None, shown: object, unchanged: bool, nd: bool
) -> list[Finding]:
    from publish.attribution.check.text import first_difference

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
        if e.authors and not any(names_in(name, v.text) for v in e.authors):
            add(f"the author {name} is missing from the metadata")
        if not any(names_in(name, b.text) for b in e.bylines):
            add(f"the author {name} is not in the byline")
    if x.licence is not None and licence is not None and licence != x.licence:
        add(
            f"the licence is {licence.short_name} ({licence.deed}); "
            f"the manuscript's is {x.licence.short_name} ({x.licence.deed})"
        )
    if not shown(x.notice):
        add(f"the original notice is not shown verbatim: {_quote(x.notice)}")
    if unchanged or nd:
        difference = first_difference(e, x.main_words, x.note_words, x.math_words, x.unfloated_words, x.figure_words)
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
