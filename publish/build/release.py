"""The release bundle: ``DIR/<slug>-editions.zip``, byte for byte reproducible.

It holds what ``SHA256SUMS`` lists (the editions, the republisher kit, the
reading room, the manifest), ``SHA256SUMS`` itself and its signature, if
``publish sign`` made one, every entry stamped with the build's
source date from the manifest. Run it after ``publish build``:
``python -m publish.build.release [DIR]``. For a collection, each article gets
its own bundle, ``DIR/<slug>/<slug>-editions.zip``: articles are republished
one by one.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from publish.build.outputs import MANIFEST
from publish.errors import PublishError, UsageError
from publish.options import SUMS
from publish.room.sign import SIGNATURE
from publish.zips import deterministic_zip


def bundle(out_dir: Path) -> Path:
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        listed = [line.split("  ", 1)[1] for line in (out_dir / SUMS).read_text(encoding="utf-8").splitlines()]
    except (OSError, ValueError, IndexError) as exc:
        raise UsageError(f"{out_dir}: no complete build to bundle ({exc}); run `publish build` first") from exc
    slug = manifest["slug"]
    date = dt.datetime.fromtimestamp(manifest["source_date_epoch"], tz=dt.UTC)
    signature = [SIGNATURE] if (out_dir / SIGNATURE).is_file() else []  # `publish sign` first, if signing
    names = sorted([*listed, SUMS, *signature])
    entries = [(f"{slug}-editions/{name}", (out_dir / name).read_bytes()) for name in names]
    target = out_dir / f"{slug}-editions.zip"
    target.write_bytes(deterministic_zip(entries, date))
    return target


def bundles(out_dir: Path) -> list[Path]:
    """The bundle of DIR's build, or of every article of DIR's collection."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    if isinstance(manifest, dict) and "collection_version" in manifest:
        return [bundle(out_dir / str(article["slug"])) for article in manifest.get("articles", [])]
    return [bundle(out_dir)]


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else Path("dist")
    try:
        targets = bundles(out_dir)
    except PublishError as exc:
        print(f"release: {exc}", file=sys.stderr)
        return exc.exit_code
    for target in targets:
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
