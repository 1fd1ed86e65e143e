"""MathML for the PDF: WeasyPrint cannot lay MathML out, so the print HTML
carries the same formula as HTML with classes, which print.css lays out:
superscripts and subscripts, fractions, roots, limits and matrices.

The HTML and EPUB editions keep pandoc's MathML, which browsers and reading
systems render and read aloud.
"""

from __future__ import annotations

from lxml import etree

from publish.options import MATHML_NS

MATHML = f"{{{MATHML_NS}}}"
_SPACED = set("+−-=<>≤≥≠≈≡∼∝∈∉⊂⊃⊆⊇∪∩→←↔⇒⇐⇔×·÷±∓∧∨")
_THIN = "\u2009"


def _local(el: etree._Element) -> str:
    return str(el.tag).removeprefix(MATHML)


def _span(css_class: str | None = None, tag: str = "span") -> etree._Element:
    return etree.Element(tag, {"class": css_class} if css_class else {})


def _text(el: etree._Element) -> str:
    return "".join(str(t) for t in el.itertext()).strip()


def _convert(el: etree._Element, block: bool) -> etree._Element:
    name = _local(el)
    children = [child for child in el if isinstance(child.tag, str)]

    def wrap(css_class: str, *parts: etree._Element | None) -> etree._Element:
        out = _span(css_class)
        for part in parts:
            if part is not None:
                out.append(part)
        return out

    def converted(index: int) -> etree._Element | None:
        return _convert(children[index], block) if index < len(children) else None

    if name in ("mi", "mn", "mtext", "ms"):
        text = _text(el)
        italic = name == "mi" and len(text) == 1 and el.get("mathvariant") in (None, "italic")
        out = _span(None, "i" if italic else "span")
        out.text = text
        if el.get("mathvariant") == "bold":
            out.set("class", "bold")
        return out
    if name == "mo":
        text = _text(el)
        out = _span("mo")
        out.text = f"{_THIN}{text}{_THIN}" if text in _SPACED and el.get("form") != "prefix" else text
        return out
    if name == "mspace":
        out = _span()
        out.text = _THIN
        return out
    if name == "semantics":  # the formula, without its TeX annotation
        first = converted(0)
        return first if first is not None else _span()
    if name in ("msup", "msub"):
        script = _span(None, "sup" if name == "msup" else "sub")
        part = converted(1)
        if part is not None:
            script.append(part)
        return wrap("msubsup", converted(0), script)
    if name in ("msubsup", "munderover", "munder", "mover"):
        under = converted(1) if name in ("msubsup", "munderover", "munder") else None
        over = converted(2) if name in ("msubsup", "munderover") else converted(1) if name == "mover" else None
        accent = "true" in (el.get("accent"), el.get("accentunder"))
        stacked = name != "msubsup" and (block or accent)  # limits above and below in display math
        css = "limits" if stacked else "scripts"
        script_over, script_under = _span("over"), _span("under")
        if over is not None:
            script_over.append(over)
        if under is not None:
            script_under.append(under)
        if stacked:
            return wrap(css, script_over, wrap("base", converted(0)), script_under)
        return wrap("msubsup", converted(0), wrap(css, script_over, script_under))
    if name == "mfrac":
        return wrap("frac", wrap("num", converted(0)), wrap("den", converted(1)))
    if name == "msqrt":
        sign = _span("radical")
        sign.text = "√"
        body = _span("radicand")
        for child in children:
            body.append(_convert(child, block))
        return wrap("root", sign, body)
    if name == "mroot":
        index = wrap("root-index", converted(1))
        sign = _span("radical")
        sign.text = "√"
        return wrap("root", index, sign, wrap("radicand", converted(0)))
    if name == "mtable":
        table = _span("mtable")
        for row in children:
            out_row = _span("mtr")
            for cell in (c for c in row if isinstance(c.tag, str)):
                out_cell = _span("mtd")
                for part in (c for c in cell if isinstance(c.tag, str)):
                    out_cell.append(_convert(part, block))
                out_row.append(out_cell)
            table.append(out_row)
        return table
    if name == "mphantom":
        out = _span("phantom")
    elif name == "menclose":
        out = _span("enclose")
    else:  # mrow, mstyle, mpadded, merror and the rest: their children in a row
        out = _span()
    for child in children:
        out.append(_convert(child, block))
    return out


def mathml_to_html(math: etree._Element) -> etree._Element:
    """A ``<math>`` element as HTML, for WeasyPrint; its text in reading order."""
    block = math.get("display") == "block"
    out = _span("math display" if block else "math")
    annotation = math.find(f".//{MATHML}annotation")
    if annotation is not None and annotation.text:
        out.set("title", annotation.text)
    for child in (c for c in math if isinstance(c.tag, str)):
        out.append(_convert(child, block))
    out.tail = math.tail
    return out
