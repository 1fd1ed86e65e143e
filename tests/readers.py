"""Read the editions back the way a reader's software would."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import lxml.html
import pypdfium2
from lxml import etree

NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}


def squash(text: str) -> str:
    """Whitespace runs as single spaces, trimmed: how a reader sees text."""
    return re.sub(r"\s+", " ", text).strip()


def element_texts(root: etree._Element) -> set[str]:
    """The visible text of every element, squashed."""
    return {squash("".join(el.itertext())) for el in root.iter() if isinstance(el.tag, str)}


def html_tree(path: Path) -> etree._Element:
    return lxml.html.parse(str(path)).getroot()


@dataclass
class Epub:
    path: Path
    opf: etree._Element
    opf_path: PurePosixPath
    files: dict[str, bytes]

    @classmethod
    def open(cls, path: Path) -> Epub:
        with zipfile.ZipFile(path) as archive:
            files = {name: archive.read(name) for name in archive.namelist()}
        container = etree.fromstring(files["META-INF/container.xml"])
        opf_name = container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]
        return cls(path, etree.fromstring(files[opf_name]), PurePosixPath(opf_name), files)

    def href(self, idref: str) -> str:
        item = self.opf.xpath(f"//opf:manifest/opf:item[@id='{idref}']", namespaces=NS)[0]
        return str(self.opf_path.parent / item.get("href"))

    def spine(self) -> list[str]:
        """The zip names of the spine documents, in reading order."""
        return [self.href(i) for i in self.opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)]

    def document(self, name: str) -> etree._Element:
        return etree.fromstring(self.files[name])

    def spine_documents(self) -> list[etree._Element]:
        return [self.document(name) for name in self.spine()]

    def metadata(self, xpath: str) -> list[str]:
        return [str(v) for v in self.opf.xpath(f"//opf:metadata/{xpath}", namespaces=NS)]


def pdf_pages(path: Path) -> list[str]:
    """The PDF's text layer, page by page, as copy and paste gives it."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            # PDFium reports a hyphen at a line end as U+FFFE; put the break back.
            pages.append(textpage.get_text_range().replace("\ufffe", "-\n"))
            textpage.close()
            page.close()
        return pages
    finally:
        document.close()


def pdf_text(path: Path) -> str:
    """All the text, pages separated by a form feed as pdftotext does."""
    return "\f".join(pdf_pages(path))


def pdf_body_text(path: Path, running_head: str) -> str:
    """The text without the running heads and page numbers in the margins."""
    pages = []
    for text in pdf_pages(path):
        lines = [line for line in re.split(r"\r?\n", text) if line.strip() != running_head]
        if lines and lines[-1].strip().isdigit():
            lines.pop()
        pages.append("\n".join(lines))
    return "\n".join(pages)


def text_pattern(line: str) -> re.Pattern[str]:
    """Match ``line`` in laid-out text: any line break may fall where a space
    is, and a word may be hyphenated at a line end ("dis-\\ntract")."""
    parts = []
    for index, char in enumerate(line):
        if char.isspace():
            parts.append(r"\s+")
            continue
        parts.append(re.escape(char))
        if char == "-":
            parts.append(r"\s*")
        elif char.isalpha() and index + 1 < len(line) and line[index + 1].isalpha():
            parts.append(r"(?:-\s+)?")
    return re.compile("".join(parts))
