"""What a reader of an HTML or XHTML document actually sees, and where.

The document becomes a list of segments, each a run of text with its line
and, when a reader cannot see it, the reason: the ``hidden`` attribute,
``aria-hidden="true"``, a closed ``<details>``, or ``display: none``,
``visibility: hidden``, ``opacity: 0``, ``font-size: 0`` or a zero box with
its overflow hidden, set inline or by the document's own style sheets.
Rules inside conditional ``@media`` blocks are left out: they hide text only
on some screens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

_NOT_RENDERED = {
    "head", "script", "style", "template", "noscript", "title", "meta", "link", "base", "annotation", "annotation-xml",
}  # fmt: skip
_BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
}  # fmt: skip
BLOCK = "\u2029"  # between blocks; a newline inside a text node is only a space
_ZERO = re.compile(r"^-?0(?:\.0+)?(?:[a-z%]+)?$")


@dataclass(frozen=True)
class Segment:
    text: str
    line: int | None
    hidden: str | None = None  # why a reader cannot see it
    math: bool = False  # inside a MathML formula


def local(el: etree._Element) -> str:
    return etree.QName(el).localname.lower() if isinstance(el.tag, str) else ""


def plain(root: etree._Element) -> etree._Element:
    """The tree with element namespaces dropped, so one set of selectors reads HTML and XHTML."""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = etree.QName(el).localname
    return root


def _declarations(text: str) -> dict[str, str]:
    import tinycss2

    found = {}
    for item in tinycss2.parse_blocks_contents(text, skip_whitespace=True, skip_comments=True):
        if item.type == "declaration":
            found[item.lower_name] = tinycss2.serialize(item.value).strip().lower().removesuffix("!important").strip()
    return found


def _hides(style: dict[str, str]) -> str | None:
    if style.get("display") == "none":
        return "display: none"
    if style.get("visibility") in ("hidden", "collapse"):
        return f"visibility: {style['visibility']}"
    if _ZERO.match(style.get("opacity", "1")):
        return "opacity: 0"
    if _ZERO.match(style.get("font-size", "1")):
        return "font-size: 0"
    overflow = style.get("overflow", "") + style.get("overflow-x", "") + style.get("overflow-y", "")
    for box in ("width", "height", "max-width", "max-height"):
        if _ZERO.match(style.get(box, "1")) and ("hidden" in overflow or "clip" in overflow):
            return f"{box}: 0 with overflow hidden"
    return None


def _sheet_rules(css: str) -> Iterable[tuple[str, dict[str, str]]]:
    import tinycss2

    def walk(rules: list[object]) -> Iterable[tuple[str, dict[str, str]]]:
        for rule in rules:
            kind = getattr(rule, "type", "")
            if kind == "qualified-rule":
                yield tinycss2.serialize(rule.prelude), _declarations(tinycss2.serialize(rule.content))  # type: ignore[attr-defined]
            elif kind == "at-rule" and rule.lower_at_keyword == "media" and rule.content:  # type: ignore[attr-defined]
                query = tinycss2.serialize(rule.prelude).strip().lower()  # type: ignore[attr-defined]
                if query in ("all", "screen"):
                    yield from walk(tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True))  # type: ignore[attr-defined]

    yield from walk(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True))


def hidden_by_sheets(root: etree._Element, sheets: Iterable[str]) -> dict[etree._Element, str]:
    """Elements the style sheets hide, with the rule that hides each."""
    hidden: dict[etree._Element, str] = {}
    rules = [(selector, reason) for css in sheets for selector, style in _sheet_rules(css) if (reason := _hides(style))]
    if not rules:
        return hidden
    import cssselect2

    wrapper = cssselect2.ElementWrapper.from_html_root(root)
    for selector, reason in rules:
        try:
            matched = list(wrapper.query_all(selector))
        except Exception:
            continue
        for element in matched:
            el = element.etree_element
            own = _declarations(el.get("style") or "")
            if "display" in own and own["display"] != "none" and reason == "display: none":
                continue  # the element's own style shows it again
            hidden.setdefault(el, f"{reason} in the style sheet rule “{selector.strip()}”")
    return hidden


def own_reason(el: etree._Element) -> str | None:
    if el.get("hidden") is not None:
        return "the hidden attribute"
    if (el.get("aria-hidden") or "").strip().lower() == "true":
        return 'aria-hidden="true"'
    reason = _hides(_declarations(el.get("style") or ""))
    return f"{reason} in its style attribute" if reason else None


def _line(el: etree._Element) -> int | None:
    line = getattr(el, "sourceline", None)
    return line if isinstance(line, int) else None


def segments(root: etree._Element, sheets: Iterable[str] = ()) -> list[Segment]:
    """The document's text in reading order; blocks end with BLOCK."""
    by_sheet = hidden_by_sheets(root, sheets)
    found: list[Segment] = []

    def add(text: str | None, line: int | None, hidden: str | None, math: bool = False) -> None:
        if text:
            found.append(Segment(text, line, hidden, math))

    def walk(el: etree._Element, hidden: str | None, math: bool = False) -> None:
        tag = local(el)
        if tag in _NOT_RENDERED or not isinstance(el.tag, str):
            return
        line = _line(el)
        if hidden is None:
            reason = own_reason(el) or by_sheet.get(el)
            if reason:
                hidden = f"<{tag}> on line {line} is hidden by {reason}" if line else f"hidden by {reason}"
        block = tag in _BLOCKS
        math = math or tag == "math"
        if block:
            add(BLOCK, line, hidden)
        add(el.text, line, hidden, math)
        closed = tag == "details" and el.get("open") is None
        for child in el:
            if isinstance(child.tag, str):
                child_hidden = hidden
                if closed and local(child) != "summary" and hidden is None:
                    child_hidden = f"<details> on line {line} is closed"
                walk(child, child_hidden, math)
            add(child.tail, _line(child), hidden, math)
        if block:
            add(BLOCK, line, hidden)

    walk(root, None)
    return found
