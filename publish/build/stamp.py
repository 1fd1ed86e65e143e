"""A build with nothing to do, found without parsing anything.

After every build, the cache keeps a stamp under a fingerprint of everything
that decides the output's bytes, as far as it can be read without parsing
the manuscript: its bytes and file name, every style file in effect, the
options, ``SOURCE_DATE_EPOCH``, the tools' versions and publish's own code.
The stamp holds the images the manuscript showed, with their digests, and
the digest of every file the build left in DIR.

The next build with the same fingerprint, the same images and DIR still
holding exactly those files would write the same bytes again, so it writes
nothing and reads no further: no YAML, pandoc, jinja2 or WeasyPrint is
imported. Anything else, or any doubt, is an ordinary build.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from publish.build.cache import Cache, code_fingerprint, file_digests, fingerprint
from publish.build.environment import tool_versions
from publish.build.outputs import held
from publish.options import MAX_MANUSCRIPT_BYTES
from publish.styling.styles import Styles


def _key(
    manuscript: Path,
    styles: Path | None,
    formats: Sequence[str],
    paper: str,
    environ: Mapping[str, str],
    base_url: str | None,
) -> str | None:
    try:
        if not manuscript.is_file():  # a folder, a device, a pipe: for the ordinary build to refuse
            return None
        with manuscript.open("rb") as stream:
            data = stream.read(MAX_MANUSCRIPT_BYTES + 1)
        if len(data) > MAX_MANUSCRIPT_BYTES:
            return None
        stack = Styles.for_manuscript(manuscript.resolve().parent, styles)
        style_digests = file_digests(stack.files().items())
    except OSError:
        return None
    return fingerprint(
        "stamp",
        code_fingerprint(),
        json.dumps(tool_versions(""), sort_keys=True),
        manuscript.resolve().name,
        hashlib.sha256(data).hexdigest(),
        *style_digests,
        ",".join(formats),
        paper,
        environ.get("SOURCE_DATE_EPOCH", "").strip(),
        base_url or "",
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def record(
    cache: Cache,
    manuscript: Path,
    out_dir: Path,
    *,
    slug: str,
    images: Sequence[tuple[str, Path]],
    styles: Path | None,
    formats: Sequence[str],
    paper: str,
    environ: Mapping[str, str],
    base_url: str | None = None,
) -> None:
    """After a build: what DIR holds now, under the fingerprint of what made it."""
    key = _key(manuscript, styles, formats, paper, environ, base_url)
    if key is None:
        return
    try:
        stamp = {
            "slug": slug,
            "images": {str(path.resolve()): _sha256(path) for _, path in images},
            "files": {name: _sha256(path) for name, path in held(out_dir, slug).items()},
        }
    except OSError:
        return
    cache.put_json(key, stamp)


def unchanged(
    cache: Cache,
    manuscript: Path,
    out_dir: Path,
    *,
    styles: Path | None,
    formats: Sequence[str],
    paper: str,
    environ: Mapping[str, str],
    base_url: str | None = None,
) -> list[Path] | None:
    """DIR's files, if a build now would write exactly what DIR holds; else None."""
    key = _key(manuscript, styles, formats, paper, environ, base_url)
    if key is None:
        return None
    stamp: Any = cache.get_json(key)
    if not isinstance(stamp, dict) or not {"slug", "images", "files"} <= set(stamp):
        return None
    try:
        for path, expected in stamp["images"].items():
            if _sha256(Path(path)) != expected:
                return None
        found = held(out_dir, str(stamp["slug"]))
        if sorted(found) != sorted(stamp["files"]):
            return None
        for name, path in found.items():
            if _sha256(path) != stamp["files"][name]:
                return None
    except (OSError, TypeError, AttributeError):
        return None
    return [found[name] for name in sorted(found)]
