"""The machine-checkable failure conditions of the Matterhorn Protocol 1.1 that
bear on a PDF's structure, checked with pikepdf.

Besides the numbered conditions, two checks of this product's own: the
parent tree and the structure agree ("structure": ISO 32000-1, 14.7.4.4),
and every link annotation has an area ("link-area").

veraPDF, the reference PDF/UA validator, cannot be had on these machines
(STACK.md). This module checks what a program can decide alone; the
conditions that need a person (is the alt text right? is the reading order
the logical one?) are not here. Each failure names its checkpoint and
condition number, as veraPDF would.

``python tests/pdfua.py FILE.pdf...`` prints the failures and exits 1 if any.
"""

from __future__ import annotations

import itertools
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

# ISO 32000-1, 14.8.4: the standard structure types.
STANDARD = frozenset(
    {
        *("Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index"),
        *("NonStruct", "Private", "H", "H1", "H2", "H3", "H4", "H5", "H6", "P", "L", "LI", "Lbl", "LBody"),
        *("Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span", "Quote", "Note", "Reference"),
        *("BibEntry", "Code", "Link", "Annot", "Ruby", "RB", "RT", "RP", "Warichu", "WT", "WP"),
        *("Figure", "Formula", "Form"),
    }
)
TEXT_SHOWING = frozenset({"Tj", "TJ", "'", '"'})
PAINTING = frozenset({"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do", "BI"})
# Which parents each list and table type may have (Matterhorn 09-004 and 16-00x, ISO 32000-1 14.8.4).
PARENTS = {
    "LI": {"L"},
    "Lbl": {"LI", "Note"},
    "LBody": {"LI"},
    "TR": {"Table", "THead", "TBody", "TFoot"},
    "TH": {"TR"},
    "TD": {"TR"},
    "THead": {"Table"},
    "TBody": {"Table"},
    "TFoot": {"Table"},
}


@dataclass
class Element:
    """A structure element, read: its type, attributes and kids."""

    obj: pikepdf.Dictionary
    role: str
    parent: Element | None
    kids: list[Element] = field(default_factory=list)
    mcids: list[tuple[int, int]] = field(default_factory=list)  # (page index, MCID)
    annotations: list[tuple[int, int]] = field(default_factory=list)  # objgen of each OBJR's annotation

    def walk(self) -> Iterator[Element]:
        yield self
        for kid in self.kids:
            yield from kid.walk()


@dataclass
class Structure:
    root: Element
    elements: list[Element]
    page_of: dict[tuple[int, int], int]  # page objgen -> index


def read_structure(pdf: pikepdf.Pdf) -> Structure:
    page_of = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    tree = pdf.Root.StructTreeRoot

    def page_index(obj: pikepdf.Object, inherited: int | None) -> int | None:
        pg = obj.get("/Pg")
        return page_of.get(pg.objgen) if pg is not None else inherited

    def read(obj: pikepdf.Dictionary, parent: Element | None, page: int | None) -> Element:
        element = Element(obj, str(obj.get("/S", "/?"))[1:], parent)
        page = page_index(obj, page)
        k = obj.get("/K")
        kids = [] if k is None else list(k) if isinstance(k, pikepdf.Array) else [k]
        for kid in kids:
            if isinstance(kid, int) or (isinstance(kid, pikepdf.Object) and kid._type_name == "integer"):
                element.mcids.append((page if page is not None else -1, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                element.mcids.append((page_index(kid, page) or 0, int(kid.MCID)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                element.annotations.append(kid.Obj.objgen)
            elif isinstance(kid, pikepdf.Dictionary):
                element.kids.append(read(kid, element, page))
        return element

    root = Element(tree, "StructTreeRoot", None)
    k = tree.get("/K")
    for kid in [] if k is None else list(k) if isinstance(k, pikepdf.Array) else [k]:
        root.kids.append(read(kid, root, None))
    return Structure(root, list(root.walk())[1:], page_of)


def _marked_content(pdf: pikepdf.Pdf) -> Iterator[tuple[int, str, list[tuple[str, int | None]]]]:
    """Every content-drawing operator of every page, and every start of a marked-content
    sequence with an MCID (as "BDC"), with the marked content it sits in:
    (page, operator, stack of (tag, MCID or None))."""
    for index, page in enumerate(pdf.pages):
        stack: list[tuple[str, int | None]] = []
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op == "BDC":
                properties = operands[1]
                if isinstance(properties, pikepdf.Name):  # a named property list in /Resources /Properties
                    properties = page.Resources.Properties[properties]
                mcid = properties.get("/MCID") if isinstance(properties, pikepdf.Dictionary) else None
                stack.append((str(operands[0])[1:], None if mcid is None else int(mcid)))
                if mcid is not None:
                    yield index, "BDC", list(stack)
            elif op == "BMC":
                stack.append((str(operands[0])[1:], None))
            elif op == "EMC":
                stack.pop()
            elif op in TEXT_SHOWING or op in PAINTING:
                yield index, op, list(stack)


def pagination_artifacts(page: pikepdf.Page) -> list[tuple[str, list[str]]]:
    """Each /Artifact /Pagination sequence of a page: its /Subtype ("" if none) and the operators
    it draws with, nested sequences included."""
    found: list[tuple[str, list[str]]] = []
    depth = None
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if depth is None:
            if op == "BDC" and str(operands[0]) == "/Artifact" and operands[1].get("/Type") == "/Pagination":
                found.append((str(operands[1].get("/Subtype", "")), []))
                depth = 0
        elif op in ("BDC", "BMC"):
            depth += 1
        elif op == "EMC":
            depth = None if depth == 0 else depth - 1
        else:
            found[-1][1].append(op)
    return found


def failures(path: Path) -> list[str]:
    """Every failure found, as 'checkpoint-condition: what'."""
    found: list[str] = []
    with pikepdf.open(path) as pdf:
        found += _document(pdf)
        if "/StructTreeRoot" not in pdf.Root:
            return [*found, "01-005: no structure tree: no content is tagged"]
        structure = read_structure(pdf)
        found += _content(pdf, structure)
        found += _elements(structure)
        found += _annotations(pdf, structure)
    return found


def _document(pdf: pikepdf.Pdf) -> list[str]:
    found = []
    mark = pdf.Root.get("/MarkInfo")
    if mark is None or not bool(mark.get("/Marked", False)):
        found.append("01-002: /MarkInfo /Marked is not true")
    if mark is not None and bool(mark.get("/Suspects", False)):
        found.append("01-007: /MarkInfo /Suspects is true")
    if "/Metadata" not in pdf.Root:
        found.append("06-001: no XMP metadata stream in the catalog")
    else:
        xmp = bytes(pdf.Root.Metadata.read_bytes()).decode("utf-8", "replace")
        if not re.search(r"pdfuaid:part(>|=\")1", xmp):
            found.append("06-002: the XMP has no pdfuaid:part identifying PDF/UA-1")
        if "dc:title" not in xmp:
            found.append("06-003: the XMP has no dc:title")
    preferences = pdf.Root.get("/ViewerPreferences")
    if preferences is None or "/DisplayDocTitle" not in preferences:
        found.append("07-001: /ViewerPreferences has no /DisplayDocTitle")
    elif not bool(preferences.DisplayDocTitle):
        found.append("07-002: /ViewerPreferences /DisplayDocTitle is false")
    if not str(pdf.Root.get("/Lang", "")):
        found.append("11-001: the catalog has no /Lang, and no natural language is set")
    return found


def _content(pdf: pikepdf.Pdf, structure: Structure) -> list[str]:
    found = []
    marked: set[tuple[int, int]] = set()
    for page, op, stack in _marked_content(pdf):
        if op == "BDC":  # a marked-content sequence begins: content, even if it draws nothing
            marked.add((page, stack[-1][1] or 0))
            continue
        tags = [tag for tag, _ in stack]
        ids = [mcid for _, mcid in stack if mcid is not None]
        if "Artifact" in tags and ids:
            outer = tags.index("Artifact") < next(i for i, (_, m) in enumerate(stack) if m is not None)
            found.append(
                f"01-00{4 if outer else 3}: page {page + 1}: {op} in "
                + ("tagged content inside an artifact" if outer else "an artifact inside tagged content")
            )
        elif "Artifact" not in tags and not ids:
            found.append(f"01-005: page {page + 1}: {op} neither tagged nor marked as an artifact")
    # Every marked-content sequence is owned by exactly one structure element, through the
    # parent tree too; no structure element claims content that is not there.
    owners: Counter[tuple[int, int]] = Counter()
    for element in structure.elements:
        owners.update(element.mcids)
    for orphan in sorted(marked - set(owners)):
        found.append(f"01-005: page {orphan[0] + 1}: MCID {orphan[1]} belongs to no structure element (an orphan)")
    for key, count in sorted(owners.items()):
        if count > 1:
            found.append(f"structure: page {key[0] + 1}: MCID {key[1]} is claimed by {count} structure elements")
        if key not in marked:
            found.append(f"structure: page {key[0] + 1}: an element claims MCID {key[1]}, which has no content")
    parent_tree = _number_tree(pdf.Root.StructTreeRoot.get("/ParentTree"))
    by_object = {element.obj.objgen: element for element in structure.elements}
    for index, page in enumerate(pdf.pages):
        if "/StructParents" not in page.obj:
            if any(p == index for p, _ in marked):
                found.append(f"structure: page {index + 1} has tagged content but no /StructParents")
            continue
        entry = parent_tree.get(int(page.obj.StructParents))
        for p, mcid in sorted(k for k in marked if k[0] == index):
            owner = entry[mcid] if entry is not None and mcid < len(entry) else None
            element = by_object.get(owner.objgen) if isinstance(owner, pikepdf.Object) else None
            if element is None or (p, mcid) not in element.mcids:
                found.append(f"structure: page {p + 1}: the parent tree does not lead MCID {mcid} to its element")
    return found


def _number_tree(node: pikepdf.Object | None) -> dict[int, pikepdf.Object]:
    entries: dict[int, pikepdf.Object] = {}
    if node is None:
        return entries
    nums = node.get("/Nums")
    if nums is not None:
        for i in range(0, len(nums), 2):
            entries[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", []):
        entries.update(_number_tree(kid))
    return entries


def _elements(structure: Structure) -> list[str]:
    found = []
    role_map = structure.root.obj.get("/RoleMap", {})
    remapped = [key for key in sorted(role_map.keys()) if key[1:] in STANDARD]
    found += [f"02-004: the standard type {key} is role-mapped" for key in remapped]
    ids: Counter[str] = Counter()
    headings = []
    for element in structure.elements:
        role = element.role
        if role not in STANDARD and ("/" + role) not in role_map:
            found.append(f"02-001: /{role} is neither a standard structure type nor role-mapped to one")
        parent = element.parent.role if element.parent is not None else ""
        if role in PARENTS and parent not in PARENTS[role]:
            code = "09-005" if role in ("LI", "Lbl", "LBody") else "09-004"
            found.append(f"{code}: /{role} inside /{parent}")
        if role == "L" and any(kid.role != "LI" for kid in element.kids if kid.role != "Caption"):
            found.append("09-005: a list (/L) has a kid other than /LI or /Caption")
        if role in ("Figure", "Formula") and "/Alt" not in element.obj and "/ActualText" not in element.obj:
            found.append(f"{'13-004' if role == 'Figure' else '17-002'}: a /{role} has no alternate text")
        if role == "TH":
            attributes = element.obj.get("/A")
            attribute_list = [attributes] if isinstance(attributes, pikepdf.Dictionary) else list(attributes or [])
            if not any("/Scope" in a for a in attribute_list) and not _headers_used(structure):
                found.append("15-003: a /TH has no /Scope, and the table's cells have no /Headers")
        if role == "Note":
            if "/ID" not in element.obj:
                found.append("19-003: a /Note has no /ID")
            else:
                ids[str(element.obj.ID)] += 1
        if role.startswith("H") and role[1:].isdigit():
            headings.append(int(role[1:]))
        if role == "H" and any(e.role.startswith("H") and e.role[1:].isdigit() for e in structure.elements):
            found.append("14-007: both /H and numbered headings are used")
    found += [f"19-004: the /Note /ID {key!r} is used {count} times" for key, count in ids.items() if count > 1]
    if headings and headings[0] != 1:
        found.append(f"14-002: the first numbered heading is /H{headings[0]}, not /H1")
    for before, after in itertools.pairwise(headings):
        if after > before + 1:
            found.append(f"14-003: a heading level is skipped: /H{before} then /H{after}")
    return found


def _headers_used(structure: Structure) -> bool:
    for element in structure.elements:
        attributes = element.obj.get("/A")
        attribute_list = [attributes] if isinstance(attributes, pikepdf.Dictionary) else list(attributes or [])
        if element.role == "TD" and any("/Headers" in a for a in attribute_list):
            return True
    return False


def _annotations(pdf: pikepdf.Pdf, structure: Structure) -> list[str]:
    found = []
    parent_tree = _number_tree(pdf.Root.StructTreeRoot.get("/ParentTree"))
    owner_of = {annotation: element for element in structure.elements for annotation in element.annotations}
    for index, page in enumerate(pdf.pages):
        annotations = list(page.obj.get("/Annots", []))
        if annotations and "/Tabs" not in page.obj:
            found.append(f"28-008: page {index + 1} has annotations but no /Tabs")
        elif annotations and page.obj.Tabs != "/S":
            found.append(f"28-009: page {index + 1} has annotations and a /Tabs other than /S")
        for annotation in annotations:
            if annotation.get("/Subtype") != "/Link":
                continue
            where = f"page {index + 1}: the link to {_target(annotation)}"
            x1, y1, x2, y2 = (float(v) for v in annotation.Rect)
            if abs(x2 - x1) < 0.01 or abs(y2 - y1) < 0.01:
                found.append(f"link-area: {where} has no area: nothing to click, and a reader announces it")
            element = owner_of.get(annotation.objgen)
            if element is None or element.role != "Link":
                found.append(f"28-011: {where} is not nested in a /Link element (it is in {element and element.role})")
            structure_parent = annotation.get("/StructParent")
            if structure_parent is None or parent_tree.get(int(structure_parent)) is None:
                found.append(f"28-011: {where} has no /StructParent in the parent tree")
            elif element is not None and parent_tree[int(structure_parent)].objgen != element.obj.objgen:
                found.append(f"28-011: {where}: the parent tree and the structure disagree on its /Link")
            if not str(annotation.get("/Contents", "")):
                found.append(f"28-012: {where} has no /Contents describing it")
    return found


def _target(annotation: pikepdf.Object) -> str:
    action = annotation.get("/A")
    if action is not None and "/URI" in action:
        return str(action.URI)
    return "#" + str(annotation.get("/Dest", "?"))


if __name__ == "__main__":
    status = 0
    for name in sys.argv[1:]:
        for failure in failures(Path(name)):
            print(f"{name}: {failure}")
            status = 1
    sys.exit(status)
