"""The pandoc body fragment, adapted to each edition.

pandoc writes one HTML fragment; each edition needs it a little different:
- the HTML edition inlines images as data URIs, so it opens offline;
- the print HTML turns end notes into WeasyPrint footnotes, set at the foot
  of the page that cites them;
- the EPUB marks note references and notes with ``epub:type`` and points
  images at their place in the package.

The fragment is XHTML-compatible (pandoc self-closes void elements and raw
HTML is escaped), so it is parsed as XML inside a wrapper element.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml import etree

from publish.errors import RenderError
from publish.options import MATHML_NS as MATHML

XHTML = "http://www.w3.org/1999/xhtml"
EPUB = "http://www.idpf.org/2007/ops"
BACKLINK = "↑"  # Literata has no U+21A9, pandoc's default


MAX_DEPTH = 200


class TooDeepError(Exception):
    """The body nests blocks deeper than any edition can carry."""


def _parse(fragment: str, *, namespaced: bool) -> etree._Element:
    ns = f' xmlns="{XHTML}" xmlns:epub="{EPUB}"' if namespaced else ""
    try:
        return etree.fromstring(f"<div{ns}>{fragment}</div>")
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            raise TooDeepError from exc
        raise RenderError(f"the body fragment from pandoc is not well-formed: {exc}") from exc


def check_depth(fragment: str) -> None:
    """Raise TooDeepError past MAX_DEPTH levels: reading systems and libxml2 give up near 256."""
    root = _parse(fragment, namespaced=False)
    if any(sum(1 for _ in el.iterancestors()) > MAX_DEPTH for el in root.iter()):
        raise TooDeepError


def _inner(wrapper: etree._Element, method: str) -> str:
    text = etree.tostring(wrapper, encoding="unicode", method=method)
    return text[text.index(">") + 1 : text.rindex("</")]


def _tag(el: etree._Element) -> str:
    return etree.QName(el).localname


def _find(root: etree._Element, tag: str, css_class: str) -> list[etree._Element]:
    return [
        el
        for el in root.iter()
        if isinstance(el.tag, str) and _tag(el) == tag and css_class in (el.get("class") or "").split()
    ]


def _text_before(el: etree._Element, text: str) -> None:
    """Add ``text`` just before ``el``: to its previous sibling's tail, or its parent's text."""
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent = el.getparent()
        assert parent is not None
        parent.text = (parent.text or "") + text


def _remove(el: etree._Element) -> None:
    """Take ``el`` out of the tree, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        _text_before(el, el.tail)
    parent.remove(el)


# The editions' own ids start with "_": pandoc's automatic ids start with a
# letter, and policy.lua refuses a writer's id that starts with "_".
NOTES = "_notes"
NOTES_TITLE = "_notes-title"


# Combining accents (and the overline) as the spacing accents Literata has.
_MATH_ACCENTS = str.maketrans(
    {
        "\u0300": "`",
        "\u0301": "\u00b4",
        "\u0302": "\u02c6",
        "\u0303": "\u02dc",
        "\u0304": "\u00af",
        "\u0305": "\u00af",
        "\u0306": "\u02d8",
        "\u0307": "\u02d9",
        "\u0308": "\u00a8",
        "\u030c": "\u02c7",
        "\u20d7": "\u2192",
        "\u203e": "\u00af",
    }
)


def normalize(fragment: str) -> str:
    """pandoc's fragment as every edition starts from it.

    - pandoc's note ids (fn1, fnref1, footnotes) move into the editions' own
      namespace, so a heading called "Footnotes" or "FN1" never meets them;
    - task-list checkboxes are disabled: they show a state, they take no input;
    - an empty header cell (a table's corner) becomes a data cell;
    - MathML accents become the spacing characters MathML Core asks for: pandoc
      writes \\hat as a combining circumflex (a text run may not start with
      one) and \bar as U+203E, which no pinned font has.
    """
    root = _parse(fragment, namespaced=False)
    renamed = {}
    for ref in _find(root, "a", "footnote-ref"):
        renamed[ref.get("id", "")] = f"_{ref.get('id', '')}"
    for section in _find(root, "section", "footnotes"):
        renamed[section.get("id", "")] = NOTES
        for li in section.iter("li"):
            if li.get("id"):
                renamed[li.get("id", "")] = f"_{li.get('id', '')}"
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get("id") in renamed and (el.tag in ("a", "li", "section")):
            el.set("id", renamed[el.get("id", "")])
        if el.tag == "a" and set((el.get("class") or "").split()) & {"footnote-ref", "footnote-back"}:
            el.set("href", "#" + renamed.get((el.get("href") or "").lstrip("#"), ""))
        if el.tag == "input" and el.get("type") == "checkbox":
            el.set("disabled", "")
        if el.tag == "th" and not len(el) and not (el.text or "").strip():
            el.tag = "td"  # an empty corner cell heads nothing
        if el.tag == f"{{{MATHML}}}mo" and el.text:
            el.text = el.text.translate(_MATH_ACCENTS)
    return _inner(root, "xml")


def _notes_heading(root: etree._Element, namespace: str = "") -> None:
    """pandoc opens the notes with a rule; a heading names the section instead."""
    for section in _find(root, "section", "footnotes"):
        for rule in [el for el in section if _tag(el) == "hr"]:
            _remove(rule)
        heading = etree.Element(f"{namespace}h2", {"id": NOTES_TITLE})
        heading.text = "Notes"
        heading.tail = "\n"
        section.insert(0, heading)
        section.set("aria-labelledby", NOTES_TITLE)


def _backlinks(root: etree._Element) -> None:
    for number, link in enumerate(_find(root, "a", "footnote-back"), start=1):
        link.text = BACKLINK
        link.set("aria-label", f"Back to note reference {number}")


def images(fragment: str) -> list[tuple[str, str]]:
    """(src, alt) of every image the body shows, in order."""
    root = _parse(fragment, namespaced=False)
    return [(el.get("src", ""), el.get("alt", "")) for el in root.iter("img")]


def _replace_sources(root: etree._Element, sources: Mapping[str, str]) -> None:
    for el in root.iter():
        if isinstance(el.tag, str) and _tag(el) == "img" and el.get("src") in sources:
            el.set("src", sources[el.get("src", "")])


def _scrolling_tables(root: etree._Element, namespace: str = "") -> None:
    """Each table in a box that scrolls sideways on a narrow screen, instead
    of the page: a region with a name, which the keyboard can reach."""
    for number, table in enumerate(list(root.iter(f"{namespace}table")), start=1):
        caption = table.find(f"{namespace}caption")
        text = "".join(str(t) for t in caption.itertext()) if caption is not None else f"Table {number}"
        name = " ".join(text.split())
        box = etree.Element(f"{namespace}div", {"class": "table-scroll", "role": "region", "tabindex": "0"})
        box.set("aria-label", name)
        box.tail, table.tail = table.tail, None
        table.addprevious(box)
        box.append(table)


def for_html(fragment: str, sources: Mapping[str, str]) -> str:
    root = _parse(fragment, namespaced=False)
    _notes_heading(root)
    _backlinks(root)
    _replace_sources(root, sources)
    _scrolling_tables(root)
    return _inner(root, "html")


# What a footnote can carry and still be set at the foot of the page: a note holding any other
# block (a table, a figure, a heading) sends all the notes to the end, as end notes.
_NOTE_BLOCKS = frozenset({"p", "ul", "ol", "li", "pre", "blockquote", "div", "dl", "dt", "dd"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def footnotes_possible(fragment: str) -> bool:
    """Whether every note can be a footnote: none holds a table, a figure, a rule or a heading."""
    root = _parse(fragment, namespaced=False)
    for section in _find(root, "section", "footnotes"):
        for item in section.iter("li"):
            for el in item.iter():
                if isinstance(el.tag, str) and el is not item and el.tag in _BLOCK_TAGS and el.tag not in _NOTE_BLOCKS:
                    return False
    return True


_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "details", "div", "dl", "dt", "dd", "fieldset", "figcaption"}
    | {"figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav"}
    | {"ol", "p", "pre", "section", "table", "ul", "math"}
)


def for_print(fragment: str, *, footnotes: bool = True) -> str:
    """The body for print: each note a WeasyPrint footnote (``float: footnote``) just after its
    call, or, with ``footnotes=False``, end notes under a "Notes" heading.

    A footnote is an inline element (a span) where its call is, so a note's
    own blocks (paragraphs, lists, code, quotations) become spans that
    print.css sets as blocks: their text all stays. A call in a heading has
    its note put after the heading, so the heading holds only its words.
    """
    root = _parse(fragment, namespaced=False)
    if not footnotes:
        _notes_heading(root)
        for back in _find(root, "a", "footnote-back"):
            _remove(back)
        _print_forms(root)
        return _inner(root, "html")
    notes = {li.get("id"): li for li in root.iter("li") if li.get("id")}
    for ref in _find(root, "a", "footnote-ref"):
        note = notes.get((ref.get("href") or "").lstrip("#"))
        if note is None:
            continue
        for back in _find(note, "a", "footnote-back"):
            _remove(back)
        # The call stays a link to its note (the note keeps its id), so the PDF's call is a /Link
        # to its /Note; WeasyPrint's own call (::footnote-call) is switched off in print.css.
        span = etree.Element("span", {"class": "footnote", "id": note.get("id") or ""})
        span.text = note.text
        for child in list(note):
            span.append(child)
        for el in list(span.iter()):
            if el is not span and isinstance(el.tag, str) and el.tag in _NOTE_BLOCKS:
                el.set("class", f"note-block note-{el.tag} {el.get('class') or ''}".strip())
                el.tag = "span"
        heading = next((a for a in ref.iterancestors() if a.tag in _HEADINGS), None)
        if heading is not None:
            span.tail = heading.tail
            heading.tail = None
            heading.addnext(span)
        else:
            span.tail, ref.tail = ref.tail, None
            ref.addnext(span)
    for section in _find(root, "section", "footnotes"):
        _remove(section)
    _print_forms(root)
    return _inner(root, "html")


# Where a line may break inside a word, other than at a space: after a hyphen, a dash or a slash,
# and before a dash. A word joiner (U+2060) either side takes the break away.
_INNER_BREAKS = "\\-\u2010\u2012\u2013\u2014\u2015/"
_COMPOUND = re.compile(rf"[^\s{_INNER_BREAKS}]*(?:[{_INNER_BREAKS}]+[^\s{_INNER_BREAKS}]*)+")
_LONGEST_WHOLE = 70  # characters, about a line: a longer run would run past the margin
_NOT_TEXT = frozenset({"script", "style", "title"})
WORD_JOINER = "\u2060"


def whole_compounds(root: etree._Element) -> None:
    """Keep "short-term", "Sino-US", "and/or" and "1972–1973" on one line in print.

    The PDF is set without hyphenation, so a line breaks only between words,
    and a word copied from it is the word written: a line end inside
    "Sino-US" copies as "Sino- US" from MuPDF, "Sino\ufffeUS" from PDFium,
    and "SinoUS" from poppler, which takes the hyphen for a hyphenation.
    A word joiner goes either side of each such hyphen, dash or slash: it
    forbids the break, and it has no glyph, so the PDF's text, and what
    copying gives, is the text written. (A no-break span would do the same
    in a browser, but WeasyPrint then breaks the line before it too early,
    leaving a word alone on a line.) Code too: poppler copied a wrapped
    "--delete-excluded" as "--delete -delete-excluded". Applied to the print
    document's body: the colophon's licence name must copy as it is too.
    """

    def joined(text: str) -> str:
        def keep(found: re.Match[str]) -> str:
            word = found.group(0)
            if not any(ch.isalnum() for ch in word):
                return word
            # Too long to keep whole (a URL): it may still break after a slash, where a copy gains a
            # space but loses nothing, and never at a hyphen, which poppler would take away.
            breaks = _INNER_BREAKS.replace("/", "") if len(word) > _LONGEST_WHOLE else _INNER_BREAKS
            return re.sub(f"[{breaks}]+", lambda m: WORD_JOINER + m.group(0) + WORD_JOINER, word).strip(WORD_JOINER)

        return _COMPOUND.sub(keep, text)

    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        prose = _tag(el) not in _NOT_TEXT
        if prose and el.text:
            el.text = joined(el.text)
        parent = el.getparent()
        tail_prose = parent is not None and _tag(parent) not in _NOT_TEXT
        if tail_prose and el.tail:
            el.tail = joined(el.tail)


def _print_forms(root: etree._Element) -> None:
    """What WeasyPrint cannot draw, drawn another way: MathML as HTML, and a
    task list's checkboxes as boxes, ticked or empty."""
    from publish.source.mathprint import MATHML, mathml_to_html

    for math in list(root.iter(f"{MATHML}math")):
        parent = math.getparent()
        if parent is not None:
            parent.replace(math, mathml_to_html(math))
    for ol in root.iter("ol"):  # WeasyPrint numbers from 1 whatever the start attribute says
        start = ol.get("start") or ""
        if start.lstrip("-").isdigit() and int(start) != 1:
            ol.set("style", f"counter-reset: list-item {int(start) - 1}")
    for box in [el for el in root.iter("input") if el.get("type") == "checkbox"]:
        mark = etree.Element("span", {"class": "task-box"})
        mark.text = "✓" if box.get("checked") is not None else "\u00a0"
        mark.tail = box.tail
        parent = box.getparent()
        if parent is not None:
            parent.replace(box, mark)


def for_epub(fragment: str, sources: Mapping[str, str]) -> str:
    """Linked notes with back-links, typed for reading systems."""
    root = _parse(fragment, namespaced=True)
    epub_type = f"{{{EPUB}}}type"
    _notes_heading(root, f"{{{XHTML}}}")
    _backlinks(root)
    _replace_sources(root, sources)
    _scrolling_tables(root, f"{{{XHTML}}}")
    for ref in _find(root, "a", "footnote-ref"):
        ref.set(epub_type, "noteref")
    for section in _find(root, "section", "footnotes"):
        section.set(epub_type, "endnotes")
        for li in section.iter(f"{{{XHTML}}}li"):
            if li.get("id"):
                li.set(epub_type, "endnote")
    return _inner(root, "xml")


# Tags and attributes a republisher's editor accepts anywhere; others are
# unwrapped (their text kept) or stripped.
_SIMPLE = {
    "p": (),
    "h2": (),
    "h3": (),
    "h4": (),
    "h5": (),
    "h6": (),
    "a": ("href", "id"),
    "em": (),
    "strong": (),
    "i": (),
    "b": (),
    "sup": (),
    "sub": (),
    "br": (),
    "hr": (),
    "code": (),
    "pre": (),
    "blockquote": (),
    "ul": (),
    "ol": (),
    "li": ("id",),
    "table": (),
    "thead": (),
    "tbody": (),
    "tr": (),
    "th": (),
    "td": (),
    "caption": (),
    "dl": (),
    "dt": (),
    "dd": (),
    "del": (),
    "u": (),
    "mark": (),
    "figure": (),
    "figcaption": (),
    "img": ("src", "alt"),
}


def _unwrap(el: etree._Element) -> None:
    """Replace ``el`` by its children and text."""
    if el.getparent() is None:
        return
    if el.text:
        _text_before(el, el.text)
    for child in list(el):
        el.addprevious(child)  # moves the child with its tail
    _remove(el)


def for_kit(fragment: str, sources: Mapping[str, str]) -> str:
    """The body with simple tags only: what any editor or CMS will take."""
    from publish.source.mathprint import MATHML

    root = _parse(fragment, namespaced=False)
    _notes_heading(root)
    _backlinks(root)
    _replace_sources(root, sources)
    for ol in root.iter("ol"):  # WeasyPrint numbers from 1 whatever the start attribute says
        start = ol.get("start") or ""
        if start.lstrip("-").isdigit() and int(start) != 1:
            ol.set("style", f"counter-reset: list-item {int(start) - 1}")
    for box in [el for el in root.iter("input") if el.get("type") == "checkbox"]:
        _text_before(box, "[x] " if box.get("checked") is not None else "[ ] ")  # a task's state, as text
    inside_math = {el for math in root.iter(f"{MATHML}math") for el in math.iterdescendants()}
    for el in list(root.iter()):
        if el is root or not isinstance(el.tag, str) or el in inside_math:
            continue
        if el.tag == f"{MATHML}math":  # MathML stays whole: browsers and editors render it
            continue
        allowed = _SIMPLE.get(el.tag)
        if allowed is None:
            _unwrap(el)
            continue
        for name in list(el.attrib):
            if name not in allowed:
                del el.attrib[name]
    return _inner(root, "html")
