"""What copy and paste gets from a PDF edition, through three independent text extractors.

poppler (``pdftotext``), MuPDF (``mutool draw -F txt``) and PDFium (pypdfium2)
each take the text out of a PDF their own way. ``problems(pdf, html)`` says
where any of them fails to give every paragraph of the HTML edition's article
as its words, whole and in order: a word broken at a line end ("to-⏎ward",
"to\ufffeward"), a running head or page number inside a sentence, a real
hyphen lost ("SinoUS") or a curly quote straightened. Whitespace, and the
spacing of punctuation, are each extractor's own and are not compared.

Used by tests/test_pdf_structure.py and by ``nox -s validate``.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import lxml.html
import pypdfium2 as pdfium

CJK = (
    r"\u1100-\u11FF\u2E80-\u2FFF\u3040-\u30FF\u3130-\u318F\u3400-\u4DBF\u4E00-\u9FFF"
    r"\uAC00-\uD7AF\uF900-\uFAFF\uFF00-\uFFEF"
)


def squash(text: str) -> str:
    """Whitespace normalised, none between two CJK characters (a line may break between any two),
    and no variation selectors: they draw nothing, and poppler leaves them out ("❤️" copies as "❤")."""
    text = re.sub("[\ufe00-\ufe0f\U000e0100-\U000e01ef]", "", text)
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return re.sub(rf"(?<=[{CJK}]) (?=[{CJK}])", "", text)


def extracted(pdf: Path) -> dict[str, str]:
    """The PDF's text as each extractor copies it, untouched: no hyphen re-joining."""
    poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout
    mupdf = subprocess.run(["mutool", "draw", "-q", "-F", "txt", "-o", "-", str(pdf)], capture_output=True, check=True)
    document = pdfium.PdfDocument(str(pdf))
    try:
        pdfium_text = "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return {
        "poppler": poppler.decode("utf-8"),
        # MuPDF 1.21 writes a character outside the BMP that a glyph shares with others (👍🏽) as two
        # UTF-8-encoded surrogates; joined again, they are the characters the PDF maps the glyph to.
        "mupdf": mupdf.stdout.decode("utf-8", "surrogatepass").encode("utf-16", "surrogatepass").decode("utf-16"),
        "pdfium": pdfium_text,
    }


def article(html: Path) -> lxml.html.HtmlElement:
    root = lxml.html.parse(str(html)).getroot()
    return root.xpath("//div[contains(concat(' ', @class, ' '), ' article-body ')]")[0]


def notes(body: lxml.html.HtmlElement) -> list[str]:
    notes = []
    for li in body.xpath(".//section[contains(@class, 'footnotes')]/ol/li"):
        for back in li.xpath(".//a[contains(@class, 'footnote-back')]"):
            back.drop_tree()
        notes.append(squash(li.text_content()))
    return notes


def runs(paragraph: lxml.html.HtmlElement) -> list[str]:
    """A paragraph's text, in the runs between its formulas (print sets math its own way)."""
    copy = lxml.html.fromstring(lxml.html.tostring(paragraph))
    for math in copy.xpath(".//*[local-name()='math']"):
        math.tail = "\u2063" + (math.tail or "")
        math.drop_tree()
    return [run for run in (squash(part) for part in copy.text_content().split("\u2063")) if re.search(r"\w", run)]


_TOKEN = re.compile(r"\w+(?:[-\u2010’']\w+)*")
_CJK_CHAR = re.compile(f"[{CJK}]")


def tokens(text: str) -> list[str]:
    """The words of ``text`` in order: runs of letters and digits, joined by a hyphen or an apostrophe
    inside a word ("Sino-US", "Korea’s"); each CJK character a word of its own. Punctuation and
    symbols between words, and the spaces around them, are not words. Letters and digits are words
    apart ("here4" is "here" and "4"): a note's call is glued to the word before it."""
    found = []
    for word in _TOKEN.findall(squash(text)):
        if _CJK_CHAR.search(word):
            found += [piece for piece in re.split(f"([{CJK}])", word) if piece]
        else:
            found += [piece for piece in re.split(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", word) if piece]
    return found


def _contains(haystack: list[str], needle: list[str], calls: frozenset[str] = frozenset()) -> bool:
    """Whether ``needle`` is in ``haystack``, word after word; a note's call (its number, raised)
    may stand between any two words, since extractors place a raised number by its own height:
    poppler set the call of "page 7.¹", at a line's start, before the "7"."""
    if not calls:
        return "\x1f" + "\x1f".join(needle) + "\x1f" in "\x1f" + "\x1f".join(haystack) + "\x1f"
    between = "\x1f(?:(?:" + "|".join(sorted(map(re.escape, calls))) + ")\x1f)*"
    pattern = "\x1f" + between.join(map(re.escape, needle)) + "\x1f"
    return re.search(pattern, "\x1f" + "\x1f".join(haystack) + "\x1f") is not None


def _calls(paragraph: lxml.html.HtmlElement) -> frozenset[str]:
    return frozenset(squash(a.text_content()) for a in paragraph.xpath(".//a[contains(@class, 'footnote-ref')]"))


def _uncalled(paragraph: lxml.html.HtmlElement) -> list[str]:
    """The paragraph's words without its notes' calls."""
    copy = lxml.html.fromstring(lxml.html.tostring(paragraph))
    for call in copy.xpath(".//a[contains(@class, 'footnote-ref')]"):
        call.drop_tree()
    return tokens(copy.text_content())


def _without(haystack: list[str], needle: list[str]) -> list[str] | None:
    for start in range(len(haystack) - len(needle) + 1):
        if haystack[start : start + len(needle)] == needle:
            return haystack[:start] + haystack[start + len(needle) :]
    return None


QUOTES = "‘’“”"


def problems(pdf: Path, html: Path) -> list[str]:
    """Where an extractor does not copy the article as written; empty if all three do.

    Notes are set at the foot of the page, so a paragraph that crosses a page
    may have a note inside it: each note must be found whole, then is taken
    out. Print sets a formula in two dimensions (a fraction's parts on lines of
    their own), and poppler reads such a line in its own order: around
    formulas, each word must be there, whole.
    """
    body = article(html)
    note_words = [tokens(note) for note in notes(body)]
    paragraphs = body.xpath(".//p[not(ancestor::section[contains(@class, 'footnotes')])]")
    with_math = [p for p in paragraphs if p.xpath(".//*[local-name()='math']")]
    expected = [(words, _calls(p)) for p in paragraphs if p not in with_math if (words := _uncalled(p))]
    beside_math = {word for p in with_math for run in runs(p) for word in tokens(run)}
    quotes = sum(squash(p.text_content()).count(q) for p in paragraphs for q in QUOTES)
    found_problems = []
    for extractor, text in extracted(pdf).items():
        if "\ufffe" in text:
            found_problems.append(f"{extractor}: U+FFFE, a word broken at a line end")
        found = tokens(text)
        for number, note in enumerate(note_words, start=1):
            # a note is set with its number, at the foot of the page or at the end
            rest = _without(found, [str(number), *note])
            rest = _without(found, note) if rest is None else rest
            if rest is None:
                found_problems.append(f"{extractor}: the note {' '.join(note)!r} is not whole")
            else:
                found = rest
        found_problems += [
            f"{extractor}: not whole: {' '.join(words)!r}"
            for words, calls in expected
            if not _contains(found, words, calls)
        ]
        found_problems += [f"{extractor}: broken beside a formula: {w!r}" for w in sorted(beside_math - set(found))]
        if sum(squash(text).count(q) for q in QUOTES) < quotes:
            found_problems.append(f"{extractor}: loses curly quotes")
    return found_problems
