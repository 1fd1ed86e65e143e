"""One build: load the manuscript once, render every edition asked for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from publish.document import Document
from publish.editions import FORMATS, builder
from publish.kit import build_kit
from publish.manuscript import load
from publish.outputs import move_into, staging
from publish.styles import Styles


@dataclass(frozen=True)
class BuildResult:
    document: Document
    outputs: tuple[Path, ...]


def build(
    manuscript_path: Path,
    out_dir: Path,
    *,
    formats: Sequence[str] = FORMATS,
    styles: Path | None = None,
    paper: str = "a4",
    display: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> BuildResult:
    """Build the editions of one manuscript into ``out_dir``, all or nothing."""
    manuscript = load(manuscript_path, display=display)
    document = Document.prepare(manuscript, Styles.for_manuscript(manuscript.folder, styles), environ, paper=paper)
    with staging(out_dir) as stage:
        written = [builder(fmt)(document, stage) for fmt in formats]
        written += build_kit(document, stage)
        outputs = move_into(stage, written, out_dir)
    return BuildResult(document, tuple(outputs))
