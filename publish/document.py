"""Everything one build renders from: parsed once, shared by every edition."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from markupsafe import Markup

from publish.attribution.model import Attribution
from publish.errors import ManuscriptError, Problem, UsageError
from publish.options import PAPER_SIZES
from publish.source.body import render_body
from publish.source.dates import source_date
from publish.source.fragment import MAX_DEPTH, TooDeepError, check_depth, images, normalize
from publish.source.images import Image, ImageRefusedError, open_image
from publish.source.locate import Locator
from publish.source.manuscript import Manuscript, not_text, without_controls
from publish.source.precheck import nesting_problem, source_problems
from publish.source.sanitize import body_problems
from publish.styling.fonts import Routing, Typefaces, contexts, describe, merge
from publish.styling.styles import Styles


def _images(manuscript: Manuscript, body_html: str) -> tuple[list[Image], list[Problem]]:
    found: dict[str, Image] = {}
    problems = []
    where = Locator(manuscript)
    for src, alt in images(body_html):
        line = where.link(src, alt)
        if src.startswith("#"):  # ![Bar] with no file: pandoc took the heading "Bar" for its target
            problems.append(Problem(manuscript.label, line, f"image ![{alt}] names no file; write ![{alt}](file.png)"))
            continue
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


def text_contexts(manuscript: Manuscript, body_html: str) -> dict[tuple[str, str], set[int]]:
    """Every character the manuscript brings to the editions, by the stack that sets it."""
    from lxml import etree

    root = etree.fromstring(f'<div lang="{manuscript.language}">{body_html}</div>')
    fields = [manuscript.title, manuscript.subtitle or "", manuscript.notice, *manuscript.keywords]
    fields += [manuscript.rights.reason or "", manuscript.date.basis or ""]
    for author in manuscript.authors:
        fields += [author.display_name, author.biography or ""]
    metadata = {("text", manuscript.language): set(map(ord, "".join(fields)))}
    return merge(contexts(root, manuscript.language), metadata)


MAX_REPORTED_LINES = 12


def _math_lines(manuscript: Manuscript, body_html: str, chars: set[str]) -> list[tuple[int, list[str]]]:
    """Where characters that TeX commands made (not the writer) stand: at the
    line of each formula whose MathML holds them, found by its TeX."""
    from lxml import etree

    from publish.options import MATHML_NS
    from publish.source.locate import Locator

    where = Locator(manuscript)
    found = []
    root = etree.fromstring(f"<div>{body_html}</div>")
    for math in root.iter(f"{{{MATHML_NS}}}math"):
        annotation = math.find(f".//{{{MATHML_NS}}}annotation")
        here = sorted(chars & set("".join(str(t) for t in math.itertext())))
        if here and annotation is not None and annotation.text:
            found.append((where.text(annotation.text.strip(), key="math"), here))
    return found


def font_problems(manuscript: Manuscript, routing: Routing, body_html: str) -> list[Problem]:
    """Characters no font of the editions has, at each line that holds them."""
    if not routing.uncovered:
        return []
    uncovered = {chr(c) for c in routing.uncovered}
    lines = manuscript.path.read_text(encoding="utf-8-sig").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if routing.missing:
        from publish.styling.fonts import FontUnavailableError

        where = [n for n, line in enumerate(lines, start=1) if uncovered & set(line)][:5]
        raise FontUnavailableError(
            f"{manuscript.label}: lines {', '.join(map(str, where))} have characters that no available font has "
            f"({', '.join(describe(c) for c in sorted(routing.uncovered)[:5])}); " + "; ".join(routing.missing.values())
        )
    found = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        shown = html.unescape(line)  # &#x263A; is the character too
        here = sorted(set(shown) & uncovered, key=shown.index)
        if here:
            found.append((number, here))
            seen.update(here)
    if uncovered - seen:  # made by TeX commands, or written some other way
        found += _math_lines(manuscript, body_html, uncovered - seen)
        seen.update(c for _, chars in found for c in chars)
    if uncovered - seen:
        found.append((manuscript.body_line, sorted(uncovered - seen)))
    found.sort()

    def advice(count: int) -> str:
        it = "it" if count == 1 else "them"
        return (
            f"no font of the editions has {it}; remove {it}, or add a font that has {it} to "
            "styles/fonts/fonts.toml (README, Fonts and scripts)"
        )

    problems = [
        Problem(manuscript.label, number, f"{', '.join(describe(ord(c)) for c in chars)}: {advice(len(chars))}")
        for number, chars in found[:MAX_REPORTED_LINES]
    ]
    if len(found) > MAX_REPORTED_LINES:
        rest = found[MAX_REPORTED_LINES:]
        problems.append(
            Problem(
                manuscript.label,
                rest[0][0],
                f"and {len(rest)} more lines from here on hold characters that no font of the editions has",
            )
        )
    return problems


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
        # Characters that are not text are refused at their lines; pandoc
        # reads the rest, so that every other problem is reported with them.
        problems = not_text(manuscript.label, manuscript.body, manuscript.body_line)
        readable = replace(manuscript, body=without_controls(manuscript.body)) if problems else manuscript
        deep = nesting_problem(manuscript, MAX_DEPTH)
        if deep is not None:  # pandoc would take minutes over it; the editions could not carry it
            raise ManuscriptError([*problems, deep])
        problems += source_problems(manuscript)
        rendered = render_body(readable)
        problems += rendered.problems
        try:
            check_depth(rendered.html)
        except TooDeepError:
            raise ManuscriptError.single(
                manuscript.label,
                manuscript.body_line,
                f"body: quotes and lists nest more than {MAX_DEPTH} levels deep; flatten them",
            ) from None
        body = normalize(rendered.html)
        found, image_problems = _images(manuscript, body)
        problems += body_problems(manuscript, body) + image_problems
        problems += font_problems(manuscript, Typefaces.of(styles).route(text_contexts(manuscript, body)), body)
        if problems:
            raise ManuscriptError(problems)
        when = date if date is not None else source_date(manuscript, environ)
        return cls(manuscript, body, when, styles, tuple(found), paper)

    @cached_property
    def attribution(self) -> Attribution:
        return Attribution.of(self.manuscript)

    @cached_property
    def typefaces(self) -> Typefaces:
        return Typefaces.of(self.styles)

    @cached_property
    def routing(self) -> Routing:
        """Which family sets which of the manuscript's own characters."""
        return self.typefaces.route(text_contexts(self.manuscript, self.body_html))

    @cached_property
    def typeface_credits(self) -> list[str]:
        """The families the manuscript's own text is set in, as the colophon credits them."""
        return self.typefaces.credits(self.routing)

    @cached_property
    def font_files(self) -> list[dict[str, object]]:
        """For the manifest: every font file the manuscript's text is set from, by its checksum."""
        return self.typefaces.files(self.routing)

    def context(self, fmt: str, body: str) -> dict[str, object]:
        """What every template sees; ``body`` is the fragment adapted to the edition."""
        return {
            "m": self.manuscript,
            "a": self.attribution,
            "body": Markup(body),
            "fmt": fmt,
            "changes": self.attribution.changes(fmt),
            "edition_date": self.manuscript.edition_date,
            "typefaces": self.typeface_credits,
        }
