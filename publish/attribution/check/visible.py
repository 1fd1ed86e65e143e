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
from typing import Any

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


_PROPERTIES = {
    "display", "visibility", "opacity", "font-size", "width", "height", "max-width", "max-height", "overflow",
    "overflow-x", "overflow-y", "clip", "clip-path", "position", "left", "top", "right", "text-indent",
    "transform", "content-visibility", "color",
}  # fmt: skip
_VIEWPORT = 1280  # a desktop screen, in CSS pixels: the width at which media queries are read


@dataclass(frozen=True)
class _Declaration:
    value: str
    important: bool
    order: int
    source: str  # the rule, for the message


def _declarations(text: str) -> dict[str, tuple[str, bool]]:
    """The hiding-relevant declarations of a block: property -> (value, !important)."""
    import tinycss2

    found = {}
    for item in tinycss2.parse_blocks_contents(text, skip_whitespace=True, skip_comments=True):
        if item.type == "declaration" and item.lower_name in _PROPERTIES:
            value = tinycss2.serialize(item.value).strip().lower()
            found[item.lower_name] = (value, bool(item.important))
    return found


def _length(value: str) -> float | None:
    """A CSS length in pixels (em and rem at 16 px); None if it is not one."""
    found = re.fullmatch(r"(-?\d*\.?\d+)(px|em|rem|pt|%)?", value.strip())
    if not found:
        return None
    number = float(found[1])
    return number * {"em": 16, "rem": 16, "pt": 4 / 3}.get(found[2] or "px", 1)


def _hides(style: dict[str, str]) -> str | None:
    """Why a computed style hides its element's text from a sighted reader, or None."""
    get = style.get
    if get("display") == "none":
        return "display: none"
    if get("visibility") in ("hidden", "collapse"):
        return f"visibility: {get('visibility')}"
    if get("content-visibility") == "hidden":
        return "content-visibility: hidden"
    opacity = get("opacity", "1")
    if _ZERO.match(opacity) or (
        (n := _length(opacity.rstrip("%"))) is not None and n <= (1 if "%" in opacity else 0.01)
    ):
        return f"opacity: {opacity}"
    size = _length(get("font-size", "16px"))
    if size is not None and size < 1:
        return f"font-size: {get('font-size')}"
    if get("color") == "transparent":
        return "color: transparent"
    overflow = get("overflow", "") + get("overflow-x", "") + get("overflow-y", "")
    clipped = "hidden" in overflow or "clip" in overflow
    for box in ("width", "height", "max-width", "max-height"):
        length = _length(get(box, "1px"))
        if length is not None and length <= 1 and clipped:
            return f"{box}: {get(box)} with overflow hidden"
    if re.match(r"rect\(\s*(0|1px)[\s,]+(0|1px)[\s,]+(0|1px)[\s,]+(0|1px)", get("clip", "")):
        return f"clip: {get('clip')}"
    if re.match(r"inset\(\s*50%|circle\(\s*0", get("clip-path", "")):
        return f"clip-path: {get('clip-path')}"
    if get("position") in ("absolute", "fixed"):
        for side in ("left", "top", "right"):
            length = _length(get(side, "0"))
            if length is not None and length <= -500:
                return f"position: {get('position')} at {side}: {get(side)}, off the screen"
    indent = _length(get("text-indent", "0"))
    if indent is not None and indent <= -500:
        return f"text-indent: {get('text-indent')}, off the screen"
    if re.search(r"scale[xy]?\(\s*0(?:\.0+)?\s*[,)]", get("transform", "")):
        return f"transform: {get('transform')}"
    return None


def _media_applies(query: str) -> bool:
    """Whether a media query list holds for a desktop screen, _VIEWPORT pixels wide."""
    for part in query.lower().split(","):
        part = part.strip()
        negated = part.startswith("not ")
        words = re.sub(r"^(?:only|not)\s+", "", part)
        kind = re.match(r"^([a-z-]+)(?:\s+and\b|$)", words)
        ok = kind is None or kind[1] in ("all", "screen")
        for feature, value in re.findall(r"\(\s*((?:min|max)-width)\s*:\s*([^)]+)\)", words):
            length = _length(value)
            if length is not None:
                ok = ok and (length <= _VIEWPORT if feature == "min-width" else length >= _VIEWPORT)
        if re.search(r"\((?!\s*(?:min|max)-width)", words):
            ok = ok and "prefers-color-scheme: dark" not in words and "print" not in words
        if ok != negated:
            return True
    return False


def _sheet_rules(css: str) -> Iterable[tuple[str, dict[str, tuple[str, bool]]]]:
    """(selector, declarations) of every rule that applies on a desktop screen, in source order."""
    import tinycss2

    def walk(rules: list[Any]) -> Iterable[tuple[str, dict[str, tuple[str, bool]]]]:
        for rule in rules:
            kind = getattr(rule, "type", "")
            if kind == "qualified-rule":
                yield tinycss2.serialize(rule.prelude), _declarations(tinycss2.serialize(rule.content))
            elif kind == "at-rule" and rule.content is not None:
                keyword = rule.lower_at_keyword
                query = tinycss2.serialize(rule.prelude).strip()
                if keyword in ("supports", "layer", "document", "scope") or (
                    keyword == "media" and _media_applies(query)
                ):
                    yield from walk(tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True))

    yield from walk(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True))


def hidden_by_sheets(root: etree._Element, sheets: Iterable[str]) -> dict[etree._Element, str]:
    """Elements whose own style, from the style sheets and the style attribute, hides them, and why.

    A small cascade: later rules win, !important beats the rest, the style attribute comes last;
    specificity is not weighed."""
    cascade: dict[etree._Element, dict[str, _Declaration]] = {}
    order = 0

    def apply(el: etree._Element, declarations: dict[str, tuple[str, bool]], source: str) -> None:
        nonlocal order
        mine = cascade.setdefault(el, {})
        for name, (value, important) in declarations.items():
            order += 1
            old = mine.get(name)
            if old is None or important or not old.important:
                mine[name] = _Declaration(value, important, order, source)

    rules = [(selector, found) for css in sheets for selector, found in _sheet_rules(css) if found]
    if rules:
        import cssselect2

        wrapper = cssselect2.ElementWrapper.from_html_root(root)
        for selector, declarations in rules:
            try:
                matched = [w.etree_element for w in wrapper.query_all(selector)]
            except Exception:  # a selector cssselect2 cannot read hides nothing we can prove
                continue
            for el in matched:
                apply(el, declarations, f"the style sheet rule “{selector.strip()}”")
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("style"):
            apply(el, _declarations(el.get("style") or ""), "its style attribute")
    hidden: dict[etree._Element, str] = {}
    for el, declared in cascade.items():
        reason = _hides({name: d.value for name, d in declared.items()})
        if reason:
            property_name = reason.split(":")[0]
            source = declared[property_name].source if property_name in declared else "its style"
            hidden[el] = f"{reason} in {source}"
    return hidden


def own_reason(el: etree._Element) -> str | None:
    if el.get("hidden") is not None:
        return "the hidden attribute"
    if (el.get("aria-hidden") or "").strip().lower() == "true":
        return 'aria-hidden="true"'
    return None


def _line(el: etree._Element) -> int | None:
    line = getattr(el, "sourceline", None)
    return line if isinstance(line, int) else None


def hidden_elements(root: etree._Element, sheets: Iterable[str] = ()) -> dict[etree._Element, str]:
    """Every element a reader cannot see, and why: its own attributes or computed style, an
    ancestor's, a closed ``<details>`` around it, or a container that is never rendered."""
    by_sheet = hidden_by_sheets(root, sheets)
    hidden: dict[etree._Element, str] = {}

    def walk(el: etree._Element, inherited: str | None) -> None:
        tag, line = local(el), _line(el)
        reason = inherited
        if reason is None and tag in _NOT_RENDERED:
            reason = f"<{tag}>, which is not rendered"
        elif reason is None and (own := own_reason(el) or by_sheet.get(el)):
            reason = f"<{tag}> on line {line} is hidden by {own}" if line else f"<{tag}> is hidden by {own}"
        if reason:
            hidden[el] = reason
        closed = tag == "details" and el.get("open") is None
        for child in el:
            if isinstance(child.tag, str):
                opened = reason is None and closed and local(child) != "summary"
                walk(child, f"<details> on line {line} is closed" if opened else reason)

    walk(root, None)
    return hidden


def segments(root: etree._Element, hidden: dict[etree._Element, str]) -> list[Segment]:
    """The document's text in reading order, each run with why it is hidden (``hidden_elements``);
    blocks end with BLOCK."""
    found: list[Segment] = []

    def add(text: str | None, line: int | None, why: str | None, math: bool = False) -> None:
        if text:
            found.append(Segment(text, line, why, math))

    def walk(el: etree._Element, math: bool = False) -> None:
        tag = local(el)
        if tag in _NOT_RENDERED:
            return
        line, why = _line(el), hidden.get(el)
        block = tag in _BLOCKS
        math = math or tag == "math"
        if block:
            add(BLOCK, line, why)
        add(el.text, line, why, math)
        for child in el:
            if isinstance(child.tag, str):
                walk(child, math)
            add(child.tail, _line(child), why, math)
        if block:
            add(BLOCK, line, why)

    walk(root)
    return found
