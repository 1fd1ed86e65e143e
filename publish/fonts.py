"""The pinned typeface, and the Latin WOFF2 subsets made from it.

The PDF embeds subsets of the full TTF files, cut by WeasyPrint for each
document. The HTML and EPUB editions carry these smaller Latin subsets,
made once, committed, and checked by the tests to match what this module
makes from the TTFs: run ``python -m publish.fonts`` after changing a font.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

FAMILY_FOLDER = Path("fonts") / "literata"
FACES = ("Literata-Regular", "Literata-Italic", "Literata-Bold", "Literata-BoldItalic")

# Latin-1 and Latin Extended-A (most European languages, and names such as
# Dvořák or Łódź), ƒ, general punctuation, the euro, arrows and the minus
# sign: about 25 KB a face as WOFF2. Rarer characters fall back to the
# reader's own serif in the HTML and EPUB; the PDF has the full fonts.
WEB_UNICODES = (
    *range(0x20, 0x7F),
    *range(0xA0, 0x180),
    0x192,
    *range(0x2010, 0x2028),
    *range(0x2030, 0x203B),
    0x20AC,
    0x2122,
    *range(0x2190, 0x2194),
    0x2212,
)


def web_subset(ttf: bytes) -> bytes:
    """A WOFF2 subset of one TTF; the same input always gives the same bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(ttf), recalcTimestamp=False)
    options = subset.Options()
    # Keep the family names plus the copyright (0), designer (9) and licence
    # (13, 14) records, so the subset still says what it is and how it may be used.
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 9, 13, 14]
    # Kerning, ligatures and accents only: other features pull in hundreds of
    # alternate glyphs (small capitals, fractions) that the editions never use.
    options.layout_features = ["kern", "liga", "calt", "ccmp", "locl", "mark", "mkmk"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=WEB_UNICODES)
    subsetter.subset(font)
    font.flavor = "woff2"  # Brotli-compressed; the subsetter's own flavor option only applies to save_font
    out = io.BytesIO()
    font.save(out, reorderTables=True)
    data = out.getvalue()
    if not data.startswith(b"wOF2"):
        raise RuntimeError("fontTools did not write WOFF2; is brotli installed?")
    return data


def web_subsets(styles: Path) -> dict[Path, bytes]:
    """What ``styles/fonts/literata/web/`` should hold, made from the TTFs."""
    folder = styles / FAMILY_FOLDER
    return {folder / "web" / f"{face}.woff2": web_subset((folder / f"{face}.ttf").read_bytes()) for face in FACES}


def main() -> int:
    from publish.defaults import default_styles

    for path, data in web_subsets(default_styles()).items():
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
