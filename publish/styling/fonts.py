"""The typefaces: which fonts set each character, and the subsets each edition embeds.

``styles/fonts/fonts.toml`` names the families, their files and the stacks
(text, code, math). A character is set in the first family of its stack
that has it, and every stack holds every family, so what one stack covers,
all do. A manuscript character that no family has is refused at its line;
no edition ever falls back to a font of the system's.

Each edition embeds subsets cut with HarfBuzz from these files, holding the
glyphs its own text uses: WOFF for the HTML and the EPUB, plain OpenType
for WeasyPrint (which cuts its own subset again for the PDF). The families
first in the text and code stacks also keep printable ASCII, for the
numbers and markers that CSS generates.
"""

from __future__ import annotations

import functools
import hashlib
import io
import struct
import tomllib
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish.errors import ToolError
from publish.options import MATHML_NS as MATHML
from publish.styling.styles import Styles

CONFIG = "fonts/fonts.toml"
ROLES = ("text", "code", "math")
ASCII = frozenset(range(0x20, 0x7F))
GENERATED = frozenset((0xA0, 0x2022))  # no-break space after note numbers; the list bullet
# Spaces go into every subset: Pango and browsers may set a space in the face
# of the characters around it, and an empty glyph costs a few bytes.
SPACES = frozenset((0x20, 0xA0, 0x2009))
_GENERIC = {"text": "serif", "code": "monospace", "math": "math"}
_NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 9, 13, 14)  # names, copyright, designer, licence and its URL
# HarfBuzz keeps every feature that shaping needs (Arabic joining, Indic
# conjuncts, Hangul jamo, marks, kerning, ligatures). These others pull in
# glyphs that nothing in the editions asks for: fraction and swash forms,
# and vertical writing. Math script forms (ssty) are kept for MathML.
_DROPPED_FEATURES = frozenset(("frac", "numr", "dnom", "cswh", "rand", "vert", "vrt2", "vkrn", "vpal", "vhal", "valt"))
_LIGATURES = frozenset(("liga", "clig", "calt", "dlig"))  # for a family with ligatures = false
_ADDED_FEATURES = frozenset(("ssty",))
CODE_TAGS = frozenset(("code", "kbd", "samp", "pre"))
_SKIPPED_TAGS = frozenset(("head", "script", "style", "annotation", "annotation-xml"))


def ignorable(code: int) -> bool:
    """Characters that take no glyph: line breaks, joiners, soft hyphens,
    bidi and variation controls (Unicode's Default_Ignorable_Code_Point)."""
    return (
        code in (0x09, 0x0A, 0x0D, 0xAD, 0x34F, 0x61C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFEFF, 0xFFA0)
        or 0x180B <= code <= 0x180F
        or 0x200B <= code <= 0x200F
        or 0x202A <= code <= 0x202E
        or 0x2060 <= code <= 0x206F
        or 0xFE00 <= code <= 0xFE0F
        or 0xFFF0 <= code <= 0xFFF8
        or 0x1BCA0 <= code <= 0x1BCA3
        or 0x1D173 <= code <= 0x1D17A
        or 0xE0000 <= code <= 0xE0FFF
    )


class FontUnavailableError(ToolError):
    """A font file is missing or is not the file the configuration pins."""


@dataclass(frozen=True)
class Face:
    family: str
    file: str  # as the configuration gives it
    path: Path
    index: int
    weight: int
    style: str
    sha256: str

    @property
    def slug(self) -> str:
        """A file name for the subset: Literata-700-italic."""
        return f"{self.family.replace(' ', '')}-{self.weight}-{self.style}"


@dataclass(frozen=True)
class Family:
    name: str
    credit: str
    licence_name: str
    faces: tuple[Face, ...]
    package: str | None = None
    replaces: str | None = None
    lang: tuple[str, ...] = ()
    ligatures: bool = True
    ranges: tuple[tuple[int, int], ...] = ()  # the characters it may set; all it has if empty
    always: frozenset[int] = frozenset()  # joiners and selectors its subsets keep, once it is used

    def allows(self, code: int) -> bool:
        return not self.ranges or any(low <= code <= high for low, high in self.ranges)

    @property
    def dropped_features(self) -> frozenset[str]:
        return _DROPPED_FEATURES | (frozenset() if self.ligatures else _LIGATURES)

    @property
    def regular(self) -> Face:
        return min(self.faces, key=lambda f: (f.style != "normal", abs(f.weight - 400)))

    def closest(self, weight: int, style: str) -> Face:
        return min(self.faces, key=lambda f: (f.style != style, abs(f.weight - weight)))


Context = tuple[str, str]
"""(role, language): the stack a run of text is set from."""


@dataclass
class Routing:
    """Which family sets which characters, and what none can."""

    chars: dict[str, set[int]] = field(default_factory=dict)
    uncovered: set[int] = field(default_factory=set)
    missing: dict[str, str] = field(default_factory=dict)  # family -> why it could not be read
    used_roles: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Subset:
    face: Face
    data: bytes  # OpenType (sfnt), or WOFF
    woff: bool

    @property
    def file_name(self) -> str:
        return f"{self.face.slug}.{'woff' if self.woff else 'otf'}"

    @property
    def media_type(self) -> str:
        return "font/woff" if self.woff else "font/otf"

    @property
    def data_uri(self) -> str:
        import base64

        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


def _lang_matches(tag: str, ranges: Iterable[str]) -> bool:
    """CSS :lang() matching: a range matches the tag or a prefix of it ending at a hyphen."""
    lower = tag.lower()
    return any(lower == r.lower() or lower.startswith(r.lower() + "-") for r in ranges)


class Typefaces:
    """The families of one style stack, their coverage, and their subsets."""

    def __init__(self, families: Mapping[str, Family], stacks: Mapping[str, tuple[str, ...]], source: str) -> None:
        self.families = dict(families)
        self.stacks = dict(stacks)
        self.source = source

    @classmethod
    def of(cls, styles: Styles) -> Typefaces:
        return _load(styles)

    # -- the files --------------------------------------------------------------

    def data(self, face: Face) -> bytes:
        return _read(face.path, face.sha256, self.families[face.family].package)

    def cut(self, face: Face, codes: frozenset[int]) -> bytes:
        """The face cut down to these characters, as OpenType."""
        family = self.families[face.family]
        return _subset(face.path, face.index, face.sha256, family.package, codes, family.dropped_features)

    def cmap(self, family: str) -> frozenset[int]:
        """The characters a family may set: those its regular face has, within its ranges."""
        chosen = self.families[family]
        face = chosen.regular
        found = _cmap(face.path, face.index, face.sha256, chosen.package)
        return found if not chosen.ranges else frozenset(c for c in found if chosen.allows(c))

    # -- which family sets which character --------------------------------------

    def stack(self, role: str, lang: str) -> tuple[str, ...]:
        """The stack for text of this role in this language: a family marked for
        the language takes the place of the one it replaces (the last that
        matches wins, as in CSS)."""
        chosen: dict[str, str] = {}
        for family in self.families.values():
            if family.replaces and family.lang and _lang_matches(lang, family.lang):
                chosen[family.replaces] = family.name
        return tuple(chosen.get(name, name) for name in self.stacks[role])

    def route(self, contexts: Mapping[Context, set[int]]) -> Routing:
        routing = Routing()
        for (role, lang), chars in sorted(contexts.items()):
            if not chars:
                continue
            routing.used_roles.add(role)
            stack = self.stack(role, lang)
            for code in sorted(chars):
                if ignorable(code):
                    continue
                for name in stack:
                    if name in routing.missing:
                        continue
                    try:
                        covered = code in self.cmap(name)
                    except FontUnavailableError as exc:
                        routing.missing[name] = str(exc)
                        continue
                    if covered:
                        routing.chars.setdefault(name, set()).add(code)
                        break
                else:
                    routing.uncovered.add(code)
        for role in ("text", "code"):
            if role in routing.used_roles:
                routing.chars.setdefault(self.stacks[role][0], set()).update(ASCII | GENERATED)
        return routing

    # -- what an edition embeds -------------------------------------------------

    def subsets(self, routing: Routing, *, woff: bool) -> list[Subset]:
        found = []
        for name in self._order(routing):
            codes = frozenset(routing.chars[name]) | SPACES | self.families[name].always
            for face in self.families[name].faces:
                data = self.cut(face, codes)
                found.append(Subset(face, _woff(data) if woff else data, woff))
        return found

    def _order(self, routing: Routing) -> list[str]:
        return [name for name in self.families if routing.chars.get(name)]

    def css(self, routing: Routing, subsets: list[Subset], url: Callable[[Subset], str], *, generic: bool) -> str:
        """@font-face rules for the subsets, and the stacks, by role and language."""
        used = set(self._order(routing))
        rules = [f"/* Typefaces ({self.source}): subsets of the glyphs this edition uses. */"]
        for subset in subsets:
            face = subset.face
            kind = "woff" if subset.woff else "opentype"
            rules.append(
                f'@font-face {{ font-family: "{face.family}"; src: url("{url(subset)}") format("{kind}"); '
                f"font-weight: {face.weight}; font-style: {face.style}; font-display: swap; }}"
            )
        selectors = {"text": ("html",), "code": tuple(sorted(CODE_TAGS)), "math": ("math",)}

        def family_list(role: str, lang: str) -> str:
            names = [f'"{n}"' for n in self.stack(role, lang) if n in used]
            return ", ".join(names + ([_GENERIC[role]] if generic else [])) or _GENERIC[role]

        for role in ROLES:
            rules.append(f"{', '.join(selectors[role])} {{ font-family: {family_list(role, '')}; }}")
        for family in self.families.values():
            if family.name not in used or not family.lang:
                continue
            for role in ROLES:
                lang_selectors = [
                    f"{tag}:lang({lang})" if role != "text" else f":lang({lang})"
                    for lang in family.lang
                    for tag in selectors[role]
                ]
                lang_selectors = list(dict.fromkeys(lang_selectors))
                rules.append(f"{', '.join(lang_selectors)} {{ font-family: {family_list(role, family.lang[0])}; }}")
        return "\n".join(rules) + "\n"

    def files(self, routing: Routing) -> list[dict[str, object]]:
        """The font files behind the families used, as the manifest records them."""
        found = []
        for name in self._order(routing):
            family = self.families[name]
            for face in family.faces:
                entry: dict[str, object] = {"family": name, "weight": face.weight, "style": face.style}
                entry |= {"file": face.file, "index": face.index, "sha256": face.sha256}
                if family.package:
                    entry["package"] = family.package
                found.append(entry)
        return found

    def credits(self, routing: Routing) -> list[str]:
        """One line per family used, as the colophon names it: credit and licence."""
        seen: dict[str, str] = {}
        for name in self._order(routing):
            family = self.families[name]
            seen.setdefault(family.credit, family.licence_name)
        return [f"{credit}, under the {licence}" for credit, licence in seen.items()]


# -- reading the configuration --------------------------------------------------


def _load(styles: Styles) -> Typefaces:
    path = styles.find(CONFIG)
    return _parsed(path, path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=8)  # a warm process reads fonts.toml again only when it changes
def _parsed(path: Path, text: str) -> Typefaces:
    shown = f"styles/{CONFIG}"
    try:
        config = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ToolError(f"{shown}: {exc}") from None

    def need(table: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
        value = table.get(key)
        if not isinstance(value, kind):
            raise ToolError(f"{shown}: {where}: '{key}' is missing or not a {kind.__name__}")
        return value

    families: dict[str, Family] = {}
    for number, table in enumerate(need(config, "family", list, "the file"), start=1):
        where = f"family {number}"
        name = need(table, "name", str, where)
        faces = []
        for face_number, face in enumerate(need(table, "faces", list, name), start=1):
            at = f"{name}, face {face_number}"
            file = need(face, "file", str, at)
            faces.append(
                Face(
                    family=name,
                    file=file,
                    path=Path(file) if Path(file).is_absolute() else path.parent / file,
                    index=int(face.get("index", 0)),
                    weight=int(face.get("weight", 400)),
                    style=str(face.get("style", "normal")),
                    sha256=need(face, "sha256", str, at).lower(),
                )
            )
        families[name] = Family(
            name=name,
            credit=need(table, "credit", str, name),
            licence_name=str(table.get("licence_name", "SIL Open Font License 1.1")),
            faces=tuple(faces),
            package=table.get("package"),
            replaces=table.get("replaces"),
            lang=tuple(table.get("lang", ())),
            ligatures=bool(table.get("ligatures", True)),
            ranges=tuple(_range(text, shown, name) for text in table.get("ranges", ())),
            always=frozenset(
                code
                for text in table.get("always", ())
                for low, high in [_range(text, shown, name)]
                for code in range(low, high + 1)
            ),
        )
    stacks = need(config, "stacks", dict, "the file")
    resolved: dict[str, tuple[str, ...]] = {}
    for role in ROLES:
        names = tuple(need(stacks, role, list, "stacks"))
        unknown = [n for n in names if n not in families]
        if unknown or not names:
            raise ToolError(f"{shown}: stacks.{role}: {', '.join(unknown) or 'empty'}: not a family of this file")
        resolved[role] = names
    for family in families.values():
        if family.replaces and family.replaces not in families:
            raise ToolError(f"{shown}: {family.name}: replaces '{family.replaces}', which is not a family")
    return Typefaces(families, resolved, shown)


def _range(text: str, shown: str, family: str) -> tuple[int, int]:
    """ "U+2000-2BFF" (or a single "U+2713") as (low, high)."""
    import re

    match = re.fullmatch(r"U\+([0-9A-Fa-f]{1,6})(?:-(?:U\+)?([0-9A-Fa-f]{1,6}))?", text.strip())
    if match is None:
        raise ToolError(f"{shown}: {family}: range '{text}' is not like U+2000-2BFF")
    low = int(match[1], 16)
    return low, int(match[2], 16) if match[2] else low


@functools.cache
def _read(path: Path, sha256: str, package: str | None) -> bytes:
    how = f"install {package}" if package else "restore it from the project"
    try:
        data = path.read_bytes()
    except OSError:
        raise FontUnavailableError(f"font {path} is missing: {how}") from None
    if hashlib.sha256(data).hexdigest() != sha256:
        raise FontUnavailableError(
            f"font {path} is not the pinned file (its SHA-256 differs from fonts.toml): {how}"
        ) from None
    return data


@functools.cache
def _blob(path: Path, sha256: str, package: str | None) -> Any:
    import uharfbuzz as hb

    return hb.Blob(_read(path, sha256, package))


@functools.cache
def _cmap(path: Path, index: int, sha256: str, package: str | None) -> frozenset[int]:
    import uharfbuzz as hb

    return frozenset(hb.Face(_blob(path, sha256, package), index).unicodes)


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii").ljust(4), "big")


@functools.lru_cache(maxsize=64)  # a warm process cuts each new set of characters once, and keeps the last few
def _subset(
    path: Path, index: int, sha256: str, package: str | None, codes: frozenset[int], dropped: frozenset[str]
) -> bytes:
    """The face cut down to these characters (and what its layout needs for them)."""
    import uharfbuzz as hb

    face = hb.Face(_blob(path, sha256, package), index)
    plan = hb.SubsetInput()
    plan.unicode_set.update(sorted(codes))
    plan.name_id_set.update(_NAME_IDS)
    features = plan.layout_feature_tag_set
    for name in sorted(dropped):
        features.discard(_tag(name))
    features.update(sorted(_tag(name) for name in _ADDED_FEATURES))
    plan.flags = hb.SubsetFlags.NO_HINTING  # outlines only: smaller, and PDFs and screens hint themselves
    result = hb.subset(face, plan)
    if result is None:
        raise ToolError(f"HarfBuzz could not subset {path}")
    data = bytes(result.blob.data)
    return _cids_as_glyph_ids(data) if "CFF " in face.table_tags else data


def _cids_as_glyph_ids(sfnt: bytes) -> bytes:
    """A CID-keyed CFF subset whose glyph n is CID n.

    HarfBuzz keeps each glyph's CID from the full font (Noto Serif CJK's 한 is
    CID 9502, whatever its glyph number in the subset). WeasyPrint embeds such
    a font as a CIDFontType0 and writes glyph numbers as CIDs, which a reader
    that follows the PDF standard, such as MuPDF, looks up in the font's CID
    table and does not find: it draws nothing. With CID n = glyph n the two
    agree, in every reader. Only the CFF table names glyphs by CID; the other
    tables address glyphs by number and are copied unchanged.
    """
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(sfnt), recalcTimestamp=False)  # the subset keeps its date: same input, same bytes
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):  # a name-keyed CFF: glyph numbers are all a PDF uses
        return sfnt
    order = font.getGlyphOrder()
    names = [order[0], *(f"cid{gid:05d}" for gid in range(1, len(order)))]
    renamed = dict(zip(order, names, strict=True))
    top.CharStrings.charStrings = {renamed[name]: glyph for name, glyph in top.CharStrings.charStrings.items()}
    top.charset = names
    font.setGlyphOrder(names)
    out = io.BytesIO()
    font.save(out, reorderTables=False)
    return out.getvalue()


@functools.cache
def _woff(sfnt: bytes) -> bytes:
    """WOFF 1.0 (W3C, 2012): the subset's tables as they are, each
    zlib-compressed when that makes it smaller, behind a WOFF header.

    A subset of a few hundred glyphs is 10 to 20 KB either way; WOFF2 would
    save about 8% of that, at ten times the time. Written here from the
    sfnt's own table directory: no font library parses anything, and the
    same subset always gives the same bytes.
    """
    flavor, count = struct.unpack(">IH", sfnt[:6])
    tables = sorted(struct.unpack(">4sIII", sfnt[12 + 16 * i : 28 + 16 * i]) for i in range(count))
    offset = 44 + 20 * count
    directory, body = [], bytearray()
    revision = 0
    for tag, checksum, start, length in tables:
        raw = sfnt[start : start + length]
        if tag == b"head":
            revision = struct.unpack(">I", raw[4:8])[0]
        packed = zlib.compress(raw, 9)
        if len(packed) >= length:
            packed = raw
        directory.append(struct.pack(">4sIIII", tag, offset, len(packed), length, checksum))
        body += packed + b"\0" * (-len(packed) % 4)
        offset += len(packed) + (-len(packed) % 4)
    sfnt_size = 12 + 16 * count + sum(length + (-length % 4) for _, _, _, length in tables)
    header = struct.pack(
        ">4sIIHHIHHIIIII",
        b"wOFF",
        flavor,
        offset,
        count,
        0,
        sfnt_size,
        revision >> 16,
        revision & 0xFFFF,
        0,
        0,
        0,
        0,
        0,
    )
    return header + b"".join(directory) + bytes(body)


# -- the text of a document, by context -----------------------------------------


# MathML Core's italic forms that Unicode names do not lead to.
_MATH_ITALIC = {"h": 0x210E, "ϵ": 0x1D716, "ϴ": 0x1D6F3, "ϰ": 0x1D718, "∇": 0x1D6FB, "∂": 0x1D715}


def math_italic(char: str) -> int | None:
    """The mathematical italic letter a browser draws for a one-letter <mi>."""
    if char in _MATH_ITALIC:
        return _MATH_ITALIC[char]  # h: PLANCK CONSTANT stands in the italic alphabet's gap
    name = unicodedata.name(char, "")
    for source in ("LATIN ", "GREEK "):
        if name.startswith(source):
            try:
                return ord(
                    unicodedata.lookup("MATHEMATICAL ITALIC " + name.removeprefix(source).replace(" LETTER", ""))
                )
            except KeyError:
                return None
    return None


def contexts(root: Any, lang: str) -> dict[Context, set[int]]:
    """The characters of a rendered document (an lxml tree), by the stack
    that sets them: code, math or text, in the language of their element."""
    found: dict[Context, set[int]] = {}

    def local(el: Any) -> str:
        tag = el.tag
        return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""

    def visit(el: Any, role: str, language: str) -> None:
        name = local(el)
        if name in _SKIPPED_TAGS or not isinstance(el.tag, str):
            return
        language = el.get("lang") or el.get("{http://www.w3.org/XML/1998/namespace}lang") or language
        if name == "math" and str(el.tag) in ("math", f"{{{MATHML}}}math"):  # parsed as HTML, or as XML
            role = "math"
        elif name in CODE_TAGS and role != "math":
            role = "code"
        bucket = found.setdefault((role, language), set())
        if role == "math" and name in ("msqrt", "mroot"):
            bucket.add(0x221A)  # the browser draws the radical sign from the math font
        if el.text:
            bucket.update(map(ord, el.text))
            if role == "math" and name == "mi" and len(el.text.strip()) == 1 and el.get("mathvariant") is None:
                italic = math_italic(el.text.strip())
                if italic is not None:
                    bucket.add(italic)
        for child in el:
            visit(child, role, language)
            if child.tail:
                bucket.update(map(ord, child.tail))

    visit(root, "text", lang)
    return found


def merge(*parts: Mapping[Context, set[int]]) -> dict[Context, set[int]]:
    merged: dict[Context, set[int]] = {}
    for part in parts:
        for key, chars in part.items():
            merged.setdefault(key, set()).update(chars)
    return merged


def describe(code: int) -> str:
    """'한' (U+D55C HANGUL SYLLABLE HAN): how messages name a character."""
    name = unicodedata.name(chr(code), "")
    shown = f"'{chr(code)}' " if unicodedata.category(chr(code))[0] not in "CZ" else ""
    return f"{shown}(U+{code:04X}{' ' + name if name else ''})"


@dataclass(frozen=True)
class EditionFonts:
    css: str
    subsets: list[Subset]
    credits: list[str]  # as the colophon names the families


def page_fonts(typefaces: Typefaces, draft: str, lang: str) -> EditionFonts:
    """The fonts of an HTML page, from a draft of it rendered without them: WOFF subsets as data
    URIs, holding the glyphs the draft's text uses, with the generic families as a last resort."""
    import lxml.html

    return edition_fonts(
        typefaces,
        contexts(lxml.html.document_fromstring(draft), lang),
        woff=True,
        url=lambda s: s.data_uri,
        generic=True,
    )


def edition_fonts(
    typefaces: Typefaces,
    found: Mapping[Context, set[int]],
    *,
    woff: bool,
    url: Callable[[Subset], str],
    generic: bool,
) -> EditionFonts:
    """The CSS, the font subsets and the credits of one edition, from its rendered text."""
    routing = typefaces.route(found)
    if routing.missing:
        raise FontUnavailableError("; ".join(routing.missing.values()))
    if routing.uncovered:
        chars = ", ".join(describe(c) for c in sorted(routing.uncovered)[:8])
        raise ToolError(f"the templates in the styles use characters that no font in {typefaces.source} has: {chars}")
    subsets = typefaces.subsets(routing, woff=woff)
    return EditionFonts(typefaces.css(routing, subsets, url, generic=generic), subsets, typefaces.credits(routing))
