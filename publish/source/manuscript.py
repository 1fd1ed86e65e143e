"""Load a manuscript (YAML front matter + Markdown body) into a frozen model.

The loader reads the YAML node tree rather than plain Python values so that
every problem can name its line, and it collects every problem before it
raises, so an editor fixes a manuscript in one pass.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import yaml

from publish.errors import ManuscriptError, Problem
from publish.options import MAX_MANUSCRIPT_BYTES
from publish.source.licences import CATALOGUE, Licence, lookup

"""A 300-page book is about 1 MiB of Markdown; ten times that is still text."""

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FENCE = "---"
_FENCE_END = ("---", "...")

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Author:
    name: str
    honorific: str | None = None
    biography: str | None = None

    @property
    def display_name(self) -> str:
        """The name as a byline prints it: "Dr James Person"."""
        return f"{self.honorific} {self.name}" if self.honorific else self.name


@dataclass(frozen=True)
class PublicationDate:
    """When the original appeared: a year, a month or a day, maybe inferred."""

    year: int
    month: int | None = None
    day: int | None = None
    inferred: bool = False
    basis: str | None = None

    @property
    def iso(self) -> str:
        """ISO 8601 at the precision known: "2019", "2019-02" or "2019-02-14"."""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text

    @property
    def display(self) -> str:
        """For readers: "February 2019"."""
        if self.month is None:
            return str(self.year)
        month = MONTHS[self.month - 1]
        if self.day is None:
            return f"{month} {self.year}"
        return f"{self.day} {month} {self.year}"


@dataclass(frozen=True)
class Rights:
    """The licence the editions are published under, and whether it is assumed."""

    licence: Licence
    assumed: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class Source:
    """Where the original was published, when that is known."""

    outlet: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Manuscript:
    """One article: its metadata and its Markdown body, validated."""

    path: Path
    slug: str
    identifier: str
    title: str
    subtitle: str | None
    authors: tuple[Author, ...]
    language: str
    date: PublicationDate
    notice: str
    rights: Rights
    edition_date: dt.date
    body: str
    body_line: int
    source: Source | None = None
    keywords: tuple[str, ...] = field(default=())
    shown_path: str = ""  # the path as the user gave it, for messages
    publisher: str | None = None  # who publishes this edition: the EPUB's accessibility certifier

    @property
    def label(self) -> str:
        """The manuscript's path as error messages show it."""
        return self.shown_path or str(self.path)

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def byline(self) -> str:
        names = [a.display_name for a in self.authors]
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + " and " + names[-1]


# -- reading the YAML node tree ------------------------------------------------

T = TypeVar("T")

_KIND = {
    yaml.MappingNode: "a mapping",
    yaml.SequenceNode: "a list",
    yaml.ScalarNode: "a single value",
}


class _Reader:
    """Walks the front matter's nodes, recording problems as it goes."""

    def __init__(self, path: str, line_offset: int) -> None:
        self.path = path
        self.line_offset = line_offset
        self.problems: list[Problem] = []

    def line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.line_offset

    def problem(self, node: yaml.Node | int, message: str) -> None:
        line = node if isinstance(node, int) else self.line(node)
        self.problems.append(Problem(self.path, line, message))

    def mapping(self, node: yaml.Node, name: str, known: tuple[str, ...]) -> dict[str, yaml.Node] | None:
        """The keys of a mapping node; reports duplicates and unknown keys."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{name}: expected a mapping of fields, found {_describe(node)}")
            return None
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            label = f"{name}.{key}" if name else key
            if key in found:
                self.problem(key_node, f"{label}: appears twice; keep one")
            elif key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                advice = f"did you mean '{hint[0]}'?" if hint else f"known fields: {', '.join(known)}"
                self.problem(key_node, f"{label}: unknown field; {advice}")
            else:
                found[key] = value_node
        return found

    def text(self, node: yaml.Node, name: str) -> str | None:
        """A non-empty single value, kept exactly as written."""
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{name}: expected text, found {_describe(node)}")
            return None
        value = str(node.value)
        if node.tag == "tag:yaml.org,2002:null" or not value.strip():
            self.problem(node, f"{name}: is empty; give it a value or remove the field")
            return None
        return value.strip()

    def boolean(self, node: yaml.Node, name: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:bool":
            return bool(yaml.safe_load(node.value))
        self.problem(node, f"{name}: expected true or false, found {_describe(node)}")
        return None

    def required(
        self,
        fields: dict[str, yaml.Node],
        key: str,
        parent: yaml.Node | int,
        name: str,
        read: Callable[[yaml.Node, str], T | None],
        example: str,
    ) -> T | None:
        if key not in fields:
            self.problem(parent, f"{name}: is required; add it, for example `{example}`")
            return None
        return read(fields[key], name)

    def optional(
        self,
        fields: dict[str, yaml.Node],
        key: str,
        name: str,
        read: Callable[[yaml.Node, str], T | None],
    ) -> T | None:
        return read(fields[key], name) if key in fields else None


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null":
            return "nothing"
        return f"'{node.value}'"
    return _KIND.get(type(node), "something else")


# -- field readers -------------------------------------------------------------

_TOP_LEVEL = (
    "identifier", "title", "subtitle", "author", "language", "date",
    "notice", "licence", "edition", "source", "keywords",
)  # fmt: skip


def _read_front_matter(r: _Reader, root: yaml.Node, body: str, body_line: int, path: Path) -> Manuscript | None:
    fields = r.mapping(root, "", _TOP_LEVEL)
    if fields is None:
        return None
    top = r.line_offset - 1  # the opening fence

    identifier = r.required(fields, "identifier", top, "identifier", _identifier(r), "identifier: urn:uuid:…")
    title = r.required(fields, "title", top, "title", r.text, 'title: "The article title"')
    subtitle = r.optional(fields, "subtitle", "subtitle", r.text)
    authors = r.required(fields, "author", top, "author", _authors(r), "author: {name: Jane Roe}")
    language = r.required(fields, "language", top, "language", _language(r), "language: en")
    date = r.required(fields, "date", top, "date", _publication_date(r), "date: 2019-02")
    notice = r.required(fields, "notice", top, "notice", r.text, 'notice: "This article is published under …"')
    rights = r.required(fields, "licence", top, "licence", _rights(r), "licence: CC-BY-4.0")
    edition = r.required(fields, "edition", top, "edition", _edition(r), "edition: {date: 2026-01-31}")
    source = r.optional(fields, "source", "source", _source(r))
    keywords = r.optional(fields, "keywords", "keywords", _keywords(r))

    if not body.strip():
        r.problem(body_line, "body: is empty; write the article in Markdown after the closing '---'")

    if (
        r.problems
        or identifier is None
        or title is None
        or authors is None
        or language is None
        or date is None
        or notice is None
        or rights is None
        or edition is None
    ):
        return None
    return Manuscript(
        path=path,
        slug=path.stem,
        identifier=identifier,
        title=title,
        subtitle=subtitle,
        authors=authors,
        language=language,
        date=date,
        notice=notice,
        rights=rights,
        edition_date=edition.date,
        publisher=edition.publisher,
        body=body,
        body_line=body_line,
        source=source,
        keywords=keywords or (),
        shown_path=r.path,
    )


def _identifier(r: _Reader) -> Callable[[yaml.Node, str], str | None]:
    def read(node: yaml.Node, name: str) -> str | None:
        value = r.text(node, name)
        if value is not None and re.search(r"\s", value):
            r.problem(node, f"{name}: must not contain spaces; use a URN such as urn:uuid:…")
            return None
        return value

    return read


def _language(r: _Reader) -> Callable[[yaml.Node, str], str | None]:
    def read(node: yaml.Node, name: str) -> str | None:
        value = r.text(node, name)
        if value is not None and not _LANGUAGE.fullmatch(value):
            r.problem(node, f"{name}: '{value}' is not a BCP 47 language tag; write e.g. en or en-GB")
            return None
        return value

    return read


def _authors(r: _Reader) -> Callable[[yaml.Node, str], tuple[Author, ...] | None]:
    def one(node: yaml.Node, name: str) -> Author | None:
        fields = r.mapping(node, name, ("name", "honorific", "biography"))
        if fields is None:
            return None
        person = r.required(fields, "name", node, f"{name}.name", r.text, "name: Jane Roe")
        honorific = r.optional(fields, "honorific", f"{name}.honorific", r.text)
        biography = r.optional(fields, "biography", f"{name}.biography", r.text)
        return Author(person, honorific, biography) if person else None

    def read(node: yaml.Node, name: str) -> tuple[Author, ...] | None:
        if isinstance(node, yaml.SequenceNode):
            if not node.value:
                r.problem(node, f"{name}: the list is empty; name at least one author")
                return None
            found = [one(item, f"{name}[{i + 1}]") for i, item in enumerate(node.value)]
            return tuple(a for a in found if a) if all(found) else None
        if isinstance(node, yaml.MappingNode):
            author = one(node, name)
            return (author,) if author else None
        r.problem(node, f"{name}: expected a mapping with name (and honorific, biography), found {_describe(node)}")
        return None

    return read


def _parse_date(r: _Reader, node: yaml.Node, name: str, *, full: bool) -> tuple[int, int | None, int | None] | None:
    value = r.text(node, name)
    if value is None:
        return None
    pattern = _FULL_DATE if full else _PARTIAL_DATE
    match = _PARTIAL_DATE.fullmatch(value) if pattern.fullmatch(value) else None
    shape = "YYYY-MM-DD" if full else "YYYY, YYYY-MM or YYYY-MM-DD"
    if match is None:
        r.problem(node, f"{name}: '{value}' is not a date; write {shape}")
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        r.problem(node, f"{name}: '{value}' is not a real date; write {shape}")
        return None
    return year, month, day


def _publication_date(r: _Reader) -> Callable[[yaml.Node, str], PublicationDate | None]:
    def read(node: yaml.Node, name: str) -> PublicationDate | None:
        if isinstance(node, yaml.ScalarNode):
            parts = _parse_date(r, node, name, full=False)
            return PublicationDate(*parts) if parts else None
        fields = r.mapping(node, name, ("value", "inferred", "basis"))
        if fields is None:
            return None
        if "value" in fields:
            parts = _parse_date(r, fields["value"], f"{name}.value", full=False)
        else:
            r.problem(node, f"{name}.value: is required; add it, for example `value: 2019-02`")
            parts = None
        inferred = r.optional(fields, "inferred", f"{name}.inferred", r.boolean) or False
        basis = r.optional(fields, "basis", f"{name}.basis", r.text)
        if inferred and basis is None and "basis" not in fields:
            r.problem(
                node, f"{name}.basis: is required when {name}.inferred is true; say what the date is inferred from"
            )
        if parts is None:
            return None
        return PublicationDate(*parts, inferred=inferred, basis=basis)

    return read


def _rights(r: _Reader) -> Callable[[yaml.Node, str], Rights | None]:
    def licence(node: yaml.Node, name: str) -> Licence | None:
        value = r.text(node, name)
        if value is None:
            return None
        found = lookup(value)
        if found is None:
            r.problem(node, f"{name}: unknown licence '{value}'; use one of {', '.join(CATALOGUE)}")
        return found

    def read(node: yaml.Node, name: str) -> Rights | None:
        if isinstance(node, yaml.ScalarNode):
            found = licence(node, name)
            return Rights(found) if found else None
        fields = r.mapping(node, name, ("id", "assumed", "reason"))
        if fields is None:
            return None
        found = r.required(fields, "id", node, f"{name}.id", licence, "id: CC-BY-4.0")
        assumed = r.optional(fields, "assumed", f"{name}.assumed", r.boolean) or False
        reason = r.optional(fields, "reason", f"{name}.reason", r.text)
        if assumed and reason is None and "reason" not in fields:
            r.problem(
                node,
                f"{name}.reason: is required when {name}.assumed is true; "
                "say why, e.g. the original names no specific licence",
            )
        return Rights(found, assumed, reason) if found else None

    return read


@dataclass(frozen=True)
class Edition:
    """This edition: its date, and who publishes it (if the manuscript says)."""

    date: dt.date
    publisher: str | None = None


def _edition(r: _Reader) -> Callable[[yaml.Node, str], Edition | None]:
    def read(node: yaml.Node, name: str) -> Edition | None:
        fields = r.mapping(node, name, ("date", "publisher"))
        if fields is None:
            return None
        publisher = r.text(fields["publisher"], f"{name}.publisher") if "publisher" in fields else None
        if "date" not in fields:
            r.problem(node, f"{name}.date: is required; add the date of this edition, e.g. `date: 2026-01-31`")
            return None
        parts = _parse_date(r, fields["date"], f"{name}.date", full=True)
        if parts is None:
            return None
        year, month, day = parts
        assert month is not None
        assert day is not None
        if year < 1980:
            r.problem(fields["date"], f"{name}.date: must be 1980 or later (ZIP timestamps start in 1980)")
            return None
        return Edition(dt.date(year, month, day), publisher)

    return read


def _source(r: _Reader) -> Callable[[yaml.Node, str], Source | None]:
    def url(node: yaml.Node, name: str) -> str | None:
        value = r.text(node, name)
        if value is not None and not re.fullmatch(r"https?://[^\s/]+\S*", value):
            r.problem(node, f"{name}: '{value}' is not an http(s) URL; write the full address, https://…")
            return None
        return value

    def read(node: yaml.Node, name: str) -> Source | None:
        fields = r.mapping(node, name, ("outlet", "url"))
        if fields is None:
            return None
        outlet = r.optional(fields, "outlet", f"{name}.outlet", r.text)
        address = r.optional(fields, "url", f"{name}.url", url)
        if not fields:
            r.problem(node, f"{name}: give outlet or url, or remove the field")
        return Source(outlet, address) if (outlet or address) else None

    return read


def _keywords(r: _Reader) -> Callable[[yaml.Node, str], tuple[str, ...] | None]:
    def read(node: yaml.Node, name: str) -> tuple[str, ...] | None:
        if not isinstance(node, yaml.SequenceNode):
            r.problem(node, f"{name}: expected a list, found {_describe(node)}")
            return None
        words = [r.text(item, f"{name}[{i + 1}]") for i, item in enumerate(node.value)]
        return tuple(w for w in words if w)

    return read


# -- the file ------------------------------------------------------------------


def _split(path: str, text: str) -> tuple[str, str, int]:
    """Front matter, body and the body's first line number (1-based)."""
    lines = text.split("\n")
    if lines[0].rstrip() != _FENCE:
        raise ManuscriptError.single(
            path, 1, "front matter: the file must start with a line '---', then the YAML fields, then '---'"
        )
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in _FENCE_END:
            return "\n".join(lines[1 : number - 1]), "\n".join(lines[number:]), number + 1
    raise ManuscriptError.single(path, 1, "front matter: no closing '---' line; add one after the last field")


def _decode(path: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ManuscriptError.single(
            path, line, f"not UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Characters that are not text: C0 and C1 controls other than tab and line
# breaks, the line and paragraph separators, U+FFFD (what a bad conversion
# leaves) and the noncharacters. XML, HTML and EPUB readers refuse or mangle
# them, so they are refused at their line rather than silently dropped.
_NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffd\ufdd0-\ufdef"
    "\ufffe\uffff\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff"
    "\U000efffe\U000effff\U000ffffe\U000fffff\U0010fffe\U0010ffff]"
)
_CONTROL_NAMES = {
    0x00: "NULL", 0x07: "BELL", 0x08: "BACKSPACE", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED",
    0x1B: "ESCAPE", 0x7F: "DELETE", 0x85: "NEXT LINE", 0x2028: "LINE SEPARATOR",
    0x2029: "PARAGRAPH SEPARATOR", 0xFFFD: "REPLACEMENT CHARACTER",
}  # fmt: skip


def character_name(char: str) -> str:
    """U+000C FORM FEED: how messages name a character."""
    import unicodedata

    code = ord(char)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(char, "")
    if not name:
        name = "a control character" if code < 0xA0 else "a noncharacter"
    return f"U+{code:04X} {name}"


def not_text(path: str, text: str, first_line: int = 1) -> list[Problem]:
    """One problem for every line holding characters that are not text."""
    problems = []
    for number, line in enumerate(text.split("\n"), start=first_line):
        found = list(dict.fromkeys(_NOT_TEXT.findall(line)))
        if not found:
            continue
        names = ", ".join(character_name(c) for c in found)
        if found == ["\ufffd"]:
            advice = "the text was damaged by a conversion; restore the original characters"
        else:
            it = "it" if len(found) == 1 else "them"
            advice = f"delete {it}; only tabs and line breaks may stand between the characters of a text"
        verb = "is" if len(found) == 1 else "are"
        problems.append(Problem(path, number, f"the line holds {names}, which {verb} not text: {advice}"))
    return problems


def without_controls(text: str) -> str:
    """The text with every character not_text refuses as a space: pandoc can
    still read it, to report the body's other problems in the same pass."""
    return _NOT_TEXT.sub(" ", text)


def read_text(path: Path, display: str) -> str:
    """The manuscript's text, with every file-level problem as a ManuscriptError."""
    cap = MAX_MANUSCRIPT_BYTES // 2**20
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise ManuscriptError.single(display, 1, "is a folder; name the manuscript's .md file")
        if not path.is_file():
            raise ManuscriptError.single(
                display, 1, "is not a regular file (a device, pipe or socket); name a .md file"
            )
        if size > MAX_MANUSCRIPT_BYTES:
            raise ManuscriptError.single(
                display, 1, f"is {size / 2**20:.1f} MiB; a manuscript may be at most {cap} MiB"
            )
        with path.open("rb") as stream:
            data = stream.read(MAX_MANUSCRIPT_BYTES + 1)  # the file may have grown since stat()
        if len(data) > MAX_MANUSCRIPT_BYTES:
            raise ManuscriptError.single(display, 1, f"is over {cap} MiB; a manuscript may be at most {cap} MiB")
    except FileNotFoundError:
        raise ManuscriptError.single(display, 1, "no such file; check the path") from None
    except OSError as exc:
        raise ManuscriptError.single(display, 1, f"cannot be read: {exc.strerror}") from None
    if not data.strip():
        raise ManuscriptError.single(display, 1, "the file is empty; start with '---', the front matter and '---'")
    return _decode(display, data)


def load(path: Path, *, display: str | None = None) -> Manuscript:
    """Read and validate one manuscript; raise ManuscriptError with every problem."""
    shown = display if display is not None else str(path)
    text = read_text(path, shown)
    front, body, body_line = _split(shown, text)
    reader = _Reader(shown, line_offset=2)
    # The body's are reported with the body's other problems (publish.document).
    reader.problems += [p for p in not_text(shown, text) if p.line < body_line]
    if reader.problems:
        raise ManuscriptError(reader.problems)  # YAML would stop at the first one
    if not _SLUG.fullmatch(path.stem):
        reader.problem(
            1,
            f"file name: '{path.name}' cannot name the editions; rename it to lower-case words "
            "joined by hyphens, such as my-article.md",
        )
    try:
        root = yaml.compose(front, Loader=yaml.SafeLoader)
    except RecursionError:
        reader.problem(1, "front matter: nested too deeply to read; the fields are text, lists and mappings")
        raise ManuscriptError(reader.problems) from None
    except yaml.MarkedYAMLError as exc:
        # The context mark is where the broken construct starts, which is
        # where the mistake usually is; the problem mark is where YAML noticed.
        mark = exc.context_mark or exc.problem_mark
        line = (mark.line if mark else 0) + reader.line_offset
        reason = ", ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        reader.problem(line, f"front matter: {reason}; check the indentation, quotes and brackets")
        raise ManuscriptError(reader.problems) from None
    except yaml.YAMLError as exc:
        reader.problem(1, f"front matter: invalid YAML ({exc})")
        raise ManuscriptError(reader.problems) from None
    if root is None:
        reader.problem(1, "front matter: is empty; add the required fields (see the manuscript format)")
        raise ManuscriptError(reader.problems)
    manuscript = _read_front_matter(reader, root, body, body_line, path)
    if reader.problems or manuscript is None:
        raise ManuscriptError(reader.problems)
    return manuscript
