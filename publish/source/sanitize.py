"""What a manuscript body may carry into the editions, and what it may not.

The policy, documented in the README:
- raw HTML in the Markdown is shown as text, never passed through, so no tag
  of the manuscript's own reaches an edition (pandoc's reader options);
- the writer's ids, classes and attributes are held to a small set by
  policy.lua, inside pandoc; what pandoc then writes is checked again here,
  as a second line of defence: event handlers, inline styles beyond
  pandoc's own table alignment, and anything outside the set are refused;
- links must be valid http, https or mailto URLs, or ``#id`` links to an id
  of the article's own (see publish.source.links);
- every id is unique;
- video, audio and embedded documents are refused (images: publish.source.images).

Every refusal is a manuscript problem with its line, reported all at once.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

from publish.errors import Problem
from publish.options import MATHML_NS
from publish.source.links import link_problem
from publish.source.locate import Locator
from publish.source.manuscript import Manuscript

# What pandoc itself writes, besides the writer's lang, dir, width and height.
_ATTRIBUTES = {
    "id", "class", "lang", "dir", "title", "href", "src", "alt", "role", "type", "start", "reversed",
    "colspan", "rowspan", "width", "height", "checked", "disabled", "aria-hidden", "aria-labelledby",
    "data-cites", "style",
}  # fmt: skip
# Classes pandoc writes, and the few a writer may use (policy.lua).
_CLASSES = {
    "footnote-ref", "footnotes", "footnotes-end-of-document", "footnote-back", "task-list", "uri", "email",
    "citation", "smallcaps", "line-block", "example", "math", "inline", "display",
}  # fmt: skip
_LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]+")
# pandoc's own inline styles: table alignment, column widths, image sizes.
_SAFE_STYLE = re.compile(
    r"\s*(?:(?:text-align:\s*(?:left|right|center|justify)|(?:width|height):\s*\d+(?:\.\d+)?(?:%|px|em|cm|mm|in)"
    r"|padding-(?:left|right|top|bottom):\s*0(?:\.\d+)?(?:em|ex|px)?)\s*;?\s*)+"
)  # the last for the columns of aligned equations in pandoc's MathML
_MEDIA = {"video", "audio", "embed", "iframe", "object", "source", "track", "frame", "frameset", "portal"}
_MATHML = f"{{{MATHML_NS}}}"
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def body_problems(manuscript: Manuscript, fragment: str) -> list[Problem]:
    """Everything in the fragment (pandoc's, normalised) that the policy above refuses."""
    root = etree.fromstring(f"<div>{fragment}</div>")
    problems: list[Problem] = []
    where = Locator(manuscript)

    def refuse(line: int, message: str) -> None:
        problems.append(Problem(manuscript.label, line, message))

    ids = [str(el.get("id")) for el in root.iter() if isinstance(el.tag, str) and el.get("id")]
    problems += _duplicate_ids(manuscript, root, ids)
    known = frozenset(ids)
    skip: set[etree._Element] = set()
    for el in root.iter():
        if el is root or not isinstance(el.tag, str) or el in skip:
            continue
        tag = str(el.tag)
        if tag in _MEDIA:
            skip.update(el.iterdescendants())  # a media element's fallback content is part of it
            src = str(el.get("src", ""))
            line = where.link(src) if src else where.text(f"<{tag}")
            refuse(line, f"{tag} '{_short(src)}': only images (PNG, JPEG, GIF, WebP) can be shown")
            continue
        for key, raw in el.attrib.items():
            name, value = str(key), str(raw)
            found = _attribute_problem(name, value, tag.startswith(_MATHML), known)
            if found is not None:
                pattern, message = found
                if name == "href":
                    line = where.link(value, "".join(str(t) for t in el.itertext()))
                else:
                    line = where.attribute(pattern, f"{name}:{pattern}")
                refuse(line, message)
    return problems


def _attribute_problem(name: str, value: str, mathml: bool, ids: frozenset[str]) -> tuple[str, str] | None:
    """(a pattern that finds it in the Markdown, the message), or None if the attribute may stay."""
    assignment = re.escape(name) + r"\s*="
    if name.lower().startswith("on"):
        return assignment, f"attribute {name}: event handlers are not allowed in the body"
    if name == "style":
        if _SAFE_STYLE.fullmatch(value):
            return None
        return assignment, f'attribute style="{_short(value)}": inline styles are not allowed; use the CSS'
    if name == "href":
        problem = link_problem(value, ids)
        return None if problem is None else ("", f"link '{_short(value)}': {problem}")
    if mathml:  # MathML's own attributes, but nothing that fetches
        return (
            (assignment, f"math: attribute {name} is not allowed") if name == "src" or name.endswith("href") else None
        )
    if name == "class":
        for css_class in value.split():
            if css_class not in _CLASSES and not _LANGUAGE_CLASS.fullmatch(css_class):
                return r"\." + re.escape(css_class), f"class .{css_class}: not allowed in the body"
        return None
    return None if name in _ATTRIBUTES else (assignment, f"attribute {name}: not allowed in the body")


def _duplicate_ids(manuscript: Manuscript, root: etree._Element, ids: list[str]) -> list[Problem]:
    """Every id given twice, naming the lines of both."""
    twice = [name for name, count in Counter(ids).items() if count > 1]
    problems = []
    for name in twice:
        where = Locator(manuscript)
        explicit = re.compile(r"\{[^{}]*#" + re.escape(name) + r"(?=[\s}])")
        lines = []
        for el in root.iter():
            if not isinstance(el.tag, str) or el.get("id") != name:
                continue
            line = None
            if str(el.tag) in _HEADINGS:  # an ATX heading with that id, or with that text
                text = re.escape("".join(str(t) for t in el.itertext()).strip())
                heading = re.compile(r"^\s{0,3}#{1,6}\s+(?:.*" + explicit.pattern + r"|" + text + r")")
                line = where.search(heading, key="heading")
                if line is None:
                    line = where.text("".join(str(t) for t in el.itertext()).strip(), key="heading-text")
            else:
                line = where.search(explicit, key="explicit")
            lines.append(line if line is not None else manuscript.body_line)
        shown = " and ".join(str(n) for n in sorted(set(lines)))
        problems.append(
            Problem(
                manuscript.label,
                max(lines),
                f"id '{name}' is used more than once (lines {shown}); every id must be unique: rename one "
                "(a heading without {#id} takes its id from its text)",
            )
        )
    return problems
