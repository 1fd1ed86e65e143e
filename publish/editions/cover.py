"""An EPUB cover generated from the title and the author, in the book's faces.

Each character is drawn in the first family of the text stack that has it,
as on the pages, so a Korean or Chinese title is drawn in Noto Serif CJK
beside Latin in Literata. The faces are subsets of just the cover's
characters, cut from the pinned files.
"""

from __future__ import annotations

import io
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from publish.styling.fonts import ignorable

if TYPE_CHECKING:
    from publish.styling.fonts import Face, Typefaces

WIDTH, HEIGHT = 1200, 1800
MARGIN = 110
BACKGROUND = (27, 38, 59)
INK = (250, 247, 240)
ACCENT = (214, 176, 96)
# Scripts written without spaces: a line may break between any two characters.
_UNSPACED = re.compile(r"[\u2E80-\u2FFF\u3040-\u30FF\u3100-\u312F\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]")


@dataclass(frozen=True)
class _Unit:
    text: str
    space_before: bool


def _units(text: str) -> list[_Unit]:
    """Where a line may break: between words, and between characters of
    Chinese or Japanese."""
    units: list[_Unit] = []
    for word in text.split():
        first = True
        for piece in re.findall(rf"{_UNSPACED.pattern}|(?:(?!{_UNSPACED.pattern}).)+", word):
            units.append(_Unit(piece, first and bool(units)))
            first = False
    return units


class _Setter:
    """Draws text in runs, each in the face that has its characters."""

    def __init__(self, typefaces: Typefaces, text: str, lang: str, weight: int, style: str) -> None:
        self.typefaces = typefaces
        self.faces: dict[int, Face] = {}
        stack = typefaces.stack("text", lang)
        chosen: dict[str, Face] = {}
        for char in set(text):
            if ignorable(ord(char)) or char.isspace():
                continue
            name = next((n for n in stack if ord(char) in typefaces.cmap(n)), stack[0])
            self.faces[ord(char)] = chosen.setdefault(name, typefaces.families[name].closest(weight, style))
        self.primary = typefaces.families[stack[0]].closest(weight, style)
        self.codes = frozenset(ord(c) for c in text) | frozenset((0x20,))
        self._fonts: dict[tuple[Face, int], ImageFont.FreeTypeFont] = {}

    def font(self, face: Face, size: int) -> ImageFont.FreeTypeFont:
        key = (face, size)
        if key not in self._fonts:
            data = self.typefaces.cut(face, self.codes)
            self._fonts[key] = ImageFont.truetype(io.BytesIO(data), size, layout_engine=ImageFont.Layout.BASIC)
        return self._fonts[key]

    def runs(self, text: str) -> list[tuple[str, Face]]:
        runs: list[tuple[str, Face]] = []
        for char in text:
            face = self.faces.get(ord(char), runs[-1][1] if runs else self.primary)
            if runs and runs[-1][1] == face:
                runs[-1] = (runs[-1][0] + char, face)
            else:
                runs.append((char, face))
        return runs

    def width(self, draw: ImageDraw.ImageDraw, text: str, size: int) -> float:
        return sum(draw.textlength(run, font=self.font(face, size)) for run, face in self.runs(text))

    def draw(
        self, draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill: tuple[int, ...]
    ) -> None:
        x, y = xy
        for run, face in self.runs(text):
            font = self.font(face, size)
            draw.text((x, y), run, font=font, fill=fill)
            x += draw.textlength(run, font=font)


def _wrap(draw: ImageDraw.ImageDraw, setter: _Setter, text: str, size: int, width: int) -> list[str]:
    lines: list[str] = []
    for unit in _units(text):
        joined = (" " if unit.space_before else "") + unit.text
        if lines and setter.width(draw, lines[-1] + joined, size) <= width:
            lines[-1] += joined
        else:
            lines.append(unit.text)
    return lines


def _fit(
    draw: ImageDraw.ImageDraw, setter: _Setter, text: str, sizes: range, width: int, max_lines: int
) -> tuple[int, list[str]]:
    """The largest size at which ``text`` fits in ``max_lines`` lines."""
    size, lines = sizes.start, [text]
    for size in sizes:
        lines = _wrap(draw, setter, text, size, width)
        if len(lines) <= max_lines and all(setter.width(draw, line, size) <= width for line in lines):
            break
    return size, lines


_MADE: OrderedDict[tuple[object, ...], bytes] = OrderedDict()  # the last few covers, for a warm process
_KEEP = 8


def make_cover(typefaces: Typefaces, title: str, byline: str, lang: str) -> bytes:
    """A PNG cover; the same text and fonts always give the same bytes (so a warm process, such as
    ``publish preview``, draws it again only when the title, the byline or the fonts change)."""
    key = (title, byline, lang, tuple(typefaces.families.values()), tuple(sorted(typefaces.stacks.items())))
    if key in _MADE:
        _MADE.move_to_end(key)
        return _MADE[key]
    made = _draw_cover(typefaces, title, byline, lang)
    _MADE[key] = made
    while len(_MADE) > _KEEP:
        _MADE.popitem(last=False)
    return made


def _draw_cover(typefaces: Typefaces, title: str, byline: str, lang: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN

    draw.rectangle((MARGIN, 300, MARGIN + 160, 310), fill=ACCENT)
    bold = _Setter(typefaces, title, lang, 700, "normal")
    size, lines = _fit(draw, bold, title, range(120, 40, -4), width, 6)
    y = 370
    for line in lines:
        bold.draw(draw, (MARGIN, y), line, size, INK)
        y += int(size * 1.18)

    italic = _Setter(typefaces, byline, lang, 400, "italic")
    size, lines = _fit(draw, italic, byline, range(64, 24, -2), width, 3)
    y += 70
    for line in lines:
        italic.draw(draw, (MARGIN, y), line, size, ACCENT)
        y += int(size * 1.25)

    # Three colours and their anti-aliasing fit a small palette: a third of the
    # bytes of full colour, and four times faster to compress.
    palette = image.quantize(colors=48, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", compress_level=6)
    return out.getvalue()
