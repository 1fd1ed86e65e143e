"""One build: load the manuscript once, render every edition asked for, then
write the kit, the manifest and the checksums, and move it all into place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish.body import pandoc_version
from publish.document import Document
from publish.editions import FORMATS, builder
from publish.environment import tool_versions
from publish.errors import RenderError, UsageError
from publish.kit import build_kit
from publish.manuscript import load
from publish.outputs import MANIFEST, after_build, digest, move_into, staging, write_manifest, write_sums
from publish.styles import Styles

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class BuildResult:
    document: Document
    outputs: tuple[Path, ...]


def manifest(document: Document, formats: Sequence[str], outputs: Mapping[str, Path]) -> dict[str, Any]:
    """What went in, with what tools, and what came out: enough to rebuild and compare."""
    m = document.manuscript
    inputs = {f"manuscript/{m.path.name}": digest(m.path)}
    for image in document.images:
        inputs[f"manuscript/{image.src}"] = digest(image.path)
    for relative, path in document.styles.files().items():
        inputs[f"styles/{relative}"] = digest(path)
    return {
        "manifest_version": MANIFEST_VERSION,
        "slug": m.slug,
        "identifier": m.identifier,
        "source_date": document.source_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source_date_epoch": int(document.source_date.timestamp()),
        "options": {"formats": list(formats), "paper": document.paper},
        "inputs": inputs,
        "tools": tool_versions(pandoc_version()),
        "outputs": {name: digest(path) for name, path in outputs.items()},
    }


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
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: is a file, not a folder")
    manuscript = load(manuscript_path, display=display)
    document = Document.prepare(manuscript, Styles.for_manuscript(manuscript.folder, styles), environ, paper=paper)
    try:
        with staging(out_dir) as stage:
            for fmt in formats:
                builder(fmt)(document, stage)
            build_kit(document, stage)
            files = after_build(stage, out_dir, manuscript.slug)
            files[MANIFEST] = write_manifest(stage, manifest(document, formats, files))
            write_sums(stage, files)
            outputs = move_into(stage, out_dir)
    except OSError as exc:  # a full disk, a read-only folder: the previous files stay
        raise RenderError(f"cannot write the editions to {out_dir}: {exc.strerror or exc}") from exc
    return BuildResult(document, tuple(outputs))
