"""The pinned typeface: unchanged, licensed, and its web subsets up to date."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from conftest import ROOT

from publish.fonts import FACES, web_subsets

FONTS = ROOT / "styles" / "fonts" / "literata"


def test_fonts_match_the_pinned_checksums_and_carry_their_licence() -> None:
    table = dict(re.findall(r"\| (Literata-\w+\.ttf) \| ([0-9a-f]{64}) \|", (FONTS / "SOURCE.md").read_text()))
    assert sorted(table) == sorted(f"{face}.ttf" for face in FACES)
    for name, digest in table.items():
        assert hashlib.sha256((FONTS / name).read_bytes()).hexdigest() == digest
    licence = (FONTS / "OFL.txt").read_text()
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Copyright 2017 The Literata Project Authors" in licence


def test_committed_web_subsets_are_what_the_generator_makes() -> None:
    """Run `nox -s fonts` after changing a font; this catches a forgotten one."""
    expected = web_subsets(ROOT / "styles")
    assert sorted(expected) == sorted((FONTS / "web").glob("*.woff2"))
    stale = [path.name for path, data in expected.items() if Path(path).read_bytes() != data]
    assert stale == []
    assert all(data.startswith(b"wOF2") for data in expected.values()), "WOFF2 in name and in fact"
