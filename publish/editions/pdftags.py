"""The PDF's structure tree, built from the document's elements, not its pages.

WeasyPrint 70 tags a PDF page by page, from the boxes laid out on each: an
article that runs over three pages becomes three ``/Art``, a paragraph that
crosses a page two ``/P``; running heads and page numbers are tagged content
that no structure element owns; footnotes are ``/NonStruct``; a link whose
text is split into spans can land under ``/Span``.

This module replaces WeasyPrint's ``add_tags`` (the one function that writes
the tree) and the way the drawing code marks the page margins:

- every HTML element with a meaning has one structure element, however many
  pages it spans; text marked on a later page is a marked-content reference
  (``/MCR``) to that page;
- what the page margins draw (running heads, page numbers), and a table's
  header row where it repeats on a later page, is an ``/Artifact`` of type
  ``/Pagination``, outside the tree, drawn as glyph outlines;
- a footnote is a ``/Note`` with an ``/ID`` and a ``/Lbl``, placed in the
  tree right after the link that calls it;
- every link annotation of non-zero area is the child of its link's
  ``/Link`` element, through an object reference; zero-area ones (a link
  box squeezed to nothing at a line end) are dropped from the page;
- a figure whose caption says all its alt text says is one ``/Figure``
  holding its ``/Caption``, so its text is read once;
- a list item is ``/LI`` with ``/Lbl`` and ``/LBody``; a table header cell
  has a ``/Scope``.

Text inside an element with no meaning of its own (a span, emphasis) belongs
to the nearest element that has one: a paragraph's text is the paragraph's
marked content, with no ``/Span`` per line.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pydyf  # type: ignore[import-untyped]
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf.stream import Stream

# The boxes that are furniture, by id, with their artifact subtype ("" for none): marked as
# artifacts by _marked below. Filled by furniture() just before WeasyPrint draws the pages.
_FURNITURE: dict[int, str] = {}

_HEADINGS = {f"h{n}": f"H{n}" for n in range(1, 7)}
_ROLES = {
    "article": "Art",
    "section": "Sect",
    "div": "Div",
    "header": "Div",
    "footer": "Div",
    "aside": "Div",
    "nav": "Div",
    "main": "Part",
    "p": "P",
    "pre": "P",
    "blockquote": "BlockQuote",
    "ul": "L",
    "ol": "L",
    "dl": "L",
    "li": "LI",
    "dt": "LI",
    "dd": "LI",
    "table": "Table",
    "caption": "Caption",
    "figcaption": "Caption",
    "thead": "THead",
    "tbody": "TBody",
    "tfoot": "TFoot",
    "tr": "TR",
    "th": "TH",
    "td": "TD",
    "code": "Code",
    "q": "Quote",
    "img": "Figure",
    "svg": "Figure",
    **_HEADINGS,
}


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def furniture(pages: list[Any]) -> None:
    """Note the boxes that are furniture, before the pages are drawn: what the page margins
    draw, and a table's header and footer rows where they repeat on a later page."""
    _FURNITURE.clear()
    _faces.clear()
    seen: set[int] = set()  # the row groups already drawn on an earlier page
    for page in pages:
        here: set[int] = set()
        for child in page._page_box.children:
            if isinstance(child, boxes.MarginBox):
                where = "/Header" if child.at_keyword.startswith("@top") else "/Footer"
                _FURNITURE.update((id(box), where) for box in descendants(child))
                continue
            for box in descendants(child):
                if isinstance(box, boxes.TableRowGroupBox) and (box.is_header or box.is_footer):
                    if id(box.element) in seen:
                        _FURNITURE.update((id(inner), "") for inner in descendants(box))
                    here.add(id(box.element))
        seen |= here


def descendants(box: Any) -> Iterator[Any]:
    """A box and every box inside it, in document order."""
    yield box
    for child in getattr(box, "children", ()):
        yield from descendants(child)


_weasyprint_marked = Stream.marked


@contextmanager
def _marked(self: Stream, box: Any, tag: str) -> Iterator[None]:
    """WeasyPrint's marked content, except that furniture is a pagination artifact."""
    where = _FURNITURE.get(id(box))
    if where is None or self._tags is None:
        with _weasyprint_marked(self, box, tag):
            yield
        return
    properties = pydyf.Dictionary({"Type": "/Pagination"})
    if where:  # a running head or page number; a repeated table header has no subtype
        properties["Subtype"] = where
    self.begin_marked_content("Artifact", properties)
    start = len(self.stream)
    try:
        yield
    finally:
        self.stream[start:] = _outlined(self, self.stream[start:])
        self.end_marked_content()


# Furniture, drawn: its text as the outlines of its glyphs.
#
# Artifacts are left out by screen readers, but not by text extractors: poppler,
# MuPDF and PDFium all copy a running head into the middle of a sentence that
# crosses a page ("...with the United / US and North Korean Summitry / 2 /
# States..."). Drawn as shapes, the page's furniture looks the same and copies
# as nothing. The page numbers viewers show are the page indexes, which the
# printed numbers follow.

_TEXT_OPERATORS = frozenset({b"BT", b"ET", b"Tf", b"Tm", b"TJ", b"Tj", b"Ts", b"Tr", b"Td", b"Tc", b"Tw", b"Tz", b"TL"})
_SHOWN = re.compile(rb"<([0-9a-fA-F]*)>|(-?\d+(?:\.\d*)?)")
_Face = tuple[Any, int, list[str], tuple[int, ...], dict[str, bytes]]  # glyphs, units, order, bbox, outlines
# By WeasyPrint's font hash, which names a face (family, weight, style), not a subset: it holds for
# one render only, and furniture() clears it before each.
_faces: dict[str, _Face] = {}


def _outlined(stream: Stream, chunks: list[Any]) -> list[Any]:
    """``chunks`` of a content stream, with every text object replaced by its glyphs,
    each drawn by a form XObject that holds its outline (one per glyph, shared by every page)."""
    fonts = {font.hash: font for font in stream._fonts.values()}
    out: list[Any] = []
    font: Any = None
    size = 1.0
    matrix: tuple[float, ...] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    advance = rise = 0.0
    for chunk in chunks:
        data = chunk.encode() if isinstance(chunk, str) else chunk
        operator = data.rsplit(b" ", 1)[-1] if isinstance(data, bytes) else b""
        if operator not in _TEXT_OPERATORS:
            out.append(chunk)
            continue
        operands = data.split(b" ")[:-1]
        if operator == b"Tf":
            font, size = fonts[operands[0][1:].decode()], float(operands[1])
        elif operator == b"Tm":
            matrix = tuple(float(v) for v in operands)
            advance = 0.0
        elif operator == b"Ts":
            rise = float(operands[0])
        elif operator == b"TJ":
            advance = _draw_glyphs(stream, out, font, size, matrix, advance, rise, data[: data.rindex(b"]")])
    return out


def _draw_glyphs(
    stream: Stream,
    out: list[Any],
    font: Any,
    size: float,
    matrix: tuple[float, ...],
    advance: float,
    rise: float,
    shown: bytes,
) -> float:
    """Each glyph of a TJ's operand drawn where the text would have put it; the advance after it."""
    glyphs, units, order, bbox, outlines = _face(font)
    a, b, c, d, e, f = matrix
    k = size / units
    width = 2 if font.bitmap else 4
    for found in _SHOWN.finditer(shown):
        glyph_ids, adjustment = found.groups()
        if adjustment is not None:
            advance -= float(adjustment) / 1000 * size
            continue
        for i in range(0, len(glyph_ids), width):
            gid = int(glyph_ids[i : i + width], 16)
            name = f"g{font.hash}{gid}"
            if name not in stream._resources["XObject"] and gid < len(order):
                glyph = order[gid]
                if glyph not in outlines:
                    outlines[glyph] = _outline(glyphs, glyph)
                outline = outlines[glyph]
                stream._resources["XObject"][name] = pydyf.Stream(
                    [outline + b" f"] if outline else [],
                    pydyf.Dictionary({"Type": "/XObject", "Subtype": "/Form", "BBox": pydyf.Array(bbox)}),
                    compress=stream.compress,
                )
            if name in stream._resources["XObject"]:
                x, y = a * advance + c * rise + e, b * advance + d * rise + f
                placed = b" ".join(b"%.4f" % v for v in (a * k, b * k, c * k, d * k, x, y))
                out.append(b"q %s cm /%s Do Q" % (placed, name.encode()))
            advance += font.widths.get(gid, 0) / 1000 * size
    return advance


def _face(font: Any) -> _Face:
    """A font's glyphs and the outlines drawn from them so far, read once a render: a running
    head's glyphs are outlined once, not once a page."""
    if font.hash in _faces:
        return _faces[font.hash]
    from fontTools.ttLib import TTFont

    face = TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True)
    head = face["head"]
    _faces[font.hash] = (
        face.getGlyphSet(location=font.variations or None),
        head.unitsPerEm,
        face.getGlyphOrder(),
        (head.xMin, head.yMin, head.xMax, head.yMax),
        {},
    )
    return _faces[font.hash]


def _outline(glyphs: Any, name: str) -> bytes:
    """A glyph's outline as PDF path operators, in font units."""
    from fontTools.pens.basePen import BasePen

    ops: list[bytes] = []

    def point(pt: tuple[float, float]) -> bytes:
        return b"%g %g" % (round(pt[0], 1), round(pt[1], 1))

    class _Pen(BasePen):  # type: ignore[misc]  # fontTools names the methods
        def _moveTo(self, pt: tuple[float, float]) -> None:  # noqa: N802
            ops.append(point(pt) + b" m")

        def _lineTo(self, pt: tuple[float, float]) -> None:  # noqa: N802
            ops.append(point(pt) + b" l")

        def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]) -> None:  # noqa: N802
            ops.append(b" ".join((point(p1), point(p2), point(p3), b"c")))

        def _closePath(self) -> None:  # noqa: N802
            ops.append(b"h")

    glyphs[name].draw(_Pen(glyphs))
    return b" ".join(ops)


Stream.marked = _marked


@dataclass
class _Node:
    """A structure element in the making: its dictionary and its kids, each with a sort key."""

    dictionary: pydyf.Dictionary
    page: int
    kids: list[tuple[float, Any]] = field(default_factory=list)


class _Tree:
    def __init__(self, pdf: pydyf.PDF, root_element: Any, language: str) -> None:
        self.pdf = pdf
        self.language = language
        self.parents = {child: parent for parent in root_element.iter() for child in parent}
        self.root = pydyf.Dictionary({"Type": "/StructTreeRoot"})
        pdf.add_object(self.root)
        self.document = self._new("Document", self.root, 0)
        self.nodes: dict[tuple[int, str], _Node] = {}  # (id(element), part) -> node
        self.order = 0.0
        self.call_keys: dict[str, float] = {}  # note id -> the sort key of the link calling it
        self.page_mcids: list[dict[int, pydyf.Dictionary]] = []
        self.annotations: list[tuple[pydyf.Dictionary, pydyf.Dictionary]] = []  # (annotation, its /Link)
        self.dropped: set[bytes] = set()
        self.ids: dict[str, pydyf.Dictionary] = {}
        self.page_height = 0.0

    # The structure elements

    def _new(self, role: str, parent: pydyf.Dictionary | _Node, page: int, key: float | None = None) -> _Node:
        parent_dictionary = parent.dictionary if isinstance(parent, _Node) else parent
        dictionary = pydyf.Dictionary({"Type": "/StructElem", "S": f"/{role}", "P": parent_dictionary.reference})
        self.pdf.add_object(dictionary)
        dictionary["Pg"] = self.pdf.page_references[page]
        node = _Node(dictionary, page)
        if isinstance(parent, _Node):
            self._append(parent, node, key)
        return node

    def _append(self, parent: _Node, kid: Any, key: float | None = None) -> None:
        if key is None:
            self.order += 1
            key = self.order
        parent.kids.append((key, kid))

    def _role(self, element: Any) -> str | None:
        """The element's structure type, or None when its content belongs to its parent's."""
        tag = _local(element.tag)
        classes = (element.get("class") or "").split()
        if tag == "a":
            return "Link" if element.get("href") else None
        if tag == "span" and "footnote" in classes:
            return "Note"
        if tag == "figure":
            return "Figure" if self._caption_is_alt(element) else "Div"
        if tag == "img" and self._caption_is_alt(self.parents.get(element)):
            return None
        if tag in ("html", "body"):
            return None
        role = _ROLES.get(tag)
        if role is None and element.get("lang") and element.get("lang") != self._language_of(self.parents.get(element)):
            return "Span"
        return role

    def _caption_is_alt(self, figure: Any) -> bool:
        if figure is None or _local(figure.tag) != "figure":
            return False
        images = [el for el in figure.iter() if _local(el.tag) == "img"]
        captions = [el for el in figure.iter() if _local(el.tag) == "figcaption"]
        if len(images) != 1 or len(captions) != 1:
            return False
        return " ".join((images[0].get("alt") or "").split()) == _text(captions[0])

    def _language_of(self, element: Any) -> str:
        while element is not None:
            if element.get("lang"):
                return str(element.get("lang"))
            element = self.parents.get(element)
        return self.language

    def _container(self, element: Any, page: int) -> _Node:
        """The structure element that holds what ``element`` holds (an LI's is its LBody)."""
        while element is not None and self._role(element) is None:
            element = self.parents.get(element)
        if element is None:
            return self.document
        node = self._node(element, page)
        if _local(element.tag) in ("li", "dt", "dd"):
            return self._part(element, "LBody", node, page)
        return node

    def _node(self, element: Any, page: int) -> _Node:
        key = (id(element), "")
        if key in self.nodes:
            return self.nodes[key]
        role = self._role(element)
        assert role is not None
        parent = self._container(self.parents.get(element), page)
        node = self._new_at(role, parent, page, element)
        self.nodes[key] = node
        self._attributes(node, element, role)
        return node

    def _new_at(self, role: str, parent: _Node, page: int, element: Any) -> _Node:
        """A new node, placed among its parent's kids; a note goes right after its call."""
        note_id = element.get("id") if role == "Note" else None
        call = self.call_keys.get(note_id) if note_id else None
        return self._new(role, parent, page, None if call is None else call + 0.5)

    def _part(self, element: Any, role: str, node: _Node, page: int) -> _Node:
        key = (id(element), role)
        if key not in self.nodes:
            self.nodes[key] = self._new(role, node, page)
        return self.nodes[key]

    def _attributes(self, node: _Node, element: Any, role: str) -> None:
        d = node.dictionary
        lang = element.get("lang")
        if lang and lang != self._language_of(self.parents.get(element)):
            d["Lang"] = pydyf.String(lang)
        if role == "Figure":
            image = (
                element
                if _local(element.tag) in ("img", "svg")
                else next(el for el in element.iter() if _local(el.tag) == "img")
            )
            alt = " ".join((image.get("alt") or "").split())
            if alt:
                d["Alt"] = pydyf.String(alt)
        elif role == "Note":
            identifier = element.get("id")
            if identifier and identifier not in self.ids:
                d["ID"] = pydyf.String(identifier)
                self.ids[identifier] = d
        elif role in ("TH", "TD"):
            attributes = pydyf.Dictionary({"O": "/Table"})
            if role == "TH":
                attributes["Scope"] = "/Row" if element.get("scope") == "row" else "/Column"
            for html, pdf in (("colspan", "ColSpan"), ("rowspan", "RowSpan")):
                value = element.get(html)
                if value and value.isdigit() and int(value) > 1:
                    attributes[pdf] = int(value)
            d["A"] = attributes
        elif role == "Link":
            href = element.get("href") or ""
            if href.startswith("#"):
                self.call_keys.setdefault(href[1:], self.order)  # the key the link was just given

    # The content

    def add_page(self, page_number: int, page: Any, tags: dict[Any, dict[str, Any]]) -> None:
        self.page_height = page.height
        self.page_mcids.append({})
        for child in page._page_box.children:
            if not isinstance(child, boxes.MarginBox):
                self._walk(child, page_number, tags)
        if tags:
            names = ", ".join(sorted({f"{box.element_tag} {getattr(box, 'text', '')!r}" for box in tags}))
            raise RuntimeError(f"marked content with no place in the PDF's structure tree: {names}")

    def _walk(self, box: Any, page: int, tags: dict[Any, dict[str, Any]]) -> None:
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if box.link_annotation is not None:
            self._link(box, page)
        if box in tags:
            self._content(box, page, tags.pop(box)["mcid"])
        for child in box.children if isinstance(box, boxes.ParentBox) else ():
            self._walk(child, page, tags)

    def _owner(self, box: Any, page: int) -> _Node:
        tag = str(box.element_tag or "")
        pseudo = tag.partition("::")[2]
        if pseudo == "marker" and box.element is not None and _local(box.element.tag) in ("li", "dt", "dd"):
            return self._part(box.element, "Lbl", self._node(box.element, page), page)
        if pseudo == "footnote-marker" and box.element is not None and self._role(box.element) == "Note":
            return self._part(box.element, "Lbl", self._node(box.element, page), page)
        return self._container(box.element, page)

    def _content(self, box: Any, page: int, mcid: int) -> None:
        owner = self._owner(box, page)
        if owner.page == page:
            self._append(owner, mcid)
        else:
            self._append(owner, pydyf.Dictionary({"Type": "/MCR", "Pg": self.pdf.page_references[page], "MCID": mcid}))
        self.page_mcids[page][mcid] = owner.dictionary
        if owner.dictionary["S"] == "/Figure" and "A" not in owner.dictionary:
            x, y = box.content_box_x() * 0.75, (self.page_height - box.content_box_y()) * 0.75
            width, height = box.width * 0.75, box.height * 0.75
            owner.dictionary["A"] = pydyf.Dictionary(
                {"O": "/Layout", "BBox": pydyf.Array((x, y - height, x + width, y)), "Placement": "/Block"}
            )

    def _link(self, box: Any, page: int) -> None:
        annotation = box.link_annotation
        x1, y1, x2, y2 = annotation["Rect"]
        if abs(x2 - x1) < 0.01 or abs(y2 - y1) < 0.01:
            self.dropped.add(annotation.reference)
            return
        element = box.element
        while element is not None and self._role(element) != "Link":
            element = self.parents.get(element)
        owner = self._node(element, page) if element is not None else self._container(box.element, page)
        page_reference = self.pdf.page_references[page]
        reference = pydyf.Dictionary({"Type": "/OBJR", "Obj": annotation.reference, "Pg": page_reference})
        self.pdf.add_object(reference)
        self._append(owner, reference.reference)
        self.annotations.append((annotation, owner.dictionary))

    # The tree, written

    def finish(self, page_count: int) -> None:
        for node in [self.document, *self.nodes.values()]:
            kids = [kid for _, kid in sorted(node.kids, key=lambda pair: pair[0])]
            node.dictionary["K"] = pydyf.Array(k.dictionary.reference if isinstance(k, _Node) else k for k in kids)
        self.root["K"] = self.document.dictionary.reference
        nums = pydyf.Array()
        for page in range(page_count):
            mcids = self.page_mcids[page]
            nums.extend((page, pydyf.Array(mcids[mcid].reference for mcid in sorted(mcids))))
        for index, (annotation, link) in enumerate(self.annotations, start=page_count):
            annotation["StructParent"] = index
            nums.extend((index, link.reference))
        parent_tree = pydyf.Dictionary({"Nums": nums})
        self.pdf.add_object(parent_tree)
        self.root["ParentTree"] = parent_tree.reference
        self.root["ParentTreeNextKey"] = page_count + len(self.annotations)
        if self.ids:
            names = pydyf.Array()
            for identifier in sorted(self.ids):
                names.extend((pydyf.String(identifier), self.ids[identifier].reference))
            id_tree = pydyf.Dictionary({"Names": names})
            self.pdf.add_object(id_tree)
            self.root["IDTree"] = id_tree.reference


def add_tags(pdf: pydyf.PDF, document: Any, pdf_version: Any, page_streams: list[Any]) -> None:
    """The structure tree of the whole document: WeasyPrint's ``add_tags``, replaced."""
    root_element = next(box.element for box in document.pages[0]._page_box.children if box.element_tag == "html")
    tree = _Tree(pdf, root_element, root_element.get("lang") or "")
    for page_number, (page, stream) in enumerate(zip(document.pages, page_streams, strict=True)):
        tree.add_page(page_number, page, stream._tags)
    tree.finish(len(document.pages))
    if tree.dropped:
        for page_object in pdf.objects:
            if (
                isinstance(page_object, pydyf.Dictionary)
                and page_object.get("Type") == "/Page"
                and "Annots" in page_object
            ):
                kept = [ref for ref in page_object["Annots"] if ref not in tree.dropped]
                page_object["Annots"] = pydyf.Array(kept)
    pdf.catalog["StructTreeRoot"] = tree.root.reference
    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
    pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
    if "Lang" not in pdf.catalog:
        pdf.catalog["Lang"] = pydyf.String(tree.language)
