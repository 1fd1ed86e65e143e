"""Many manuscripts, one build: every article into ``DIR/<slug>/``, one ``SHA256SUMS`` and one
``manifest.json`` over the whole collection, and DIR never half old, half new.

Every manuscript is checked before anything is built, and every problem of every manuscript
is reported together. The collection is then built into a staging folder beside DIR, each
article by the ordinary build (with the cache, so an unchanged article costs next to
nothing), and exchanged with DIR in one step (``renameat2(RENAME_EXCHANGE)`` on Linux; two
renames elsewhere). With ``keep_going``, an article that fails keeps its previous editions,
byte for byte, and the others are built.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publish.build.cache import Cache
from publish.build.outputs import MANIFEST, SUMS
from publish.errors import ManuscriptError, Problem, PublishError, UsageError
from publish.options import FORMATS

COLLECTION_VERSION = 1


@dataclass
class CollectionResult:
    built: list[str] = field(default_factory=list)  # slugs made (or taken from the cache) by this build
    kept: list[str] = field(default_factory=list)  # slugs that failed and kept their previous editions
    problems: list[str] = field(default_factory=list)  # the lines of what failed


def manuscripts_in(paths: Sequence[Path]) -> list[Path]:
    """The manuscripts named: files as given, folders as every .md file in them, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(path.glob("*.md"))
            if not inside:
                raise UsageError(f"{path} holds no .md manuscript")
            found += inside
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def _clashes(loaded: Mapping[Path, object]) -> list[Problem]:
    """Two manuscripts with one slug (one folder in DIR) or one identifier (one book to a reader)."""
    from publish.source.manuscript import Manuscript

    problems = []
    slugs: dict[str, Manuscript] = {}
    identifiers: dict[str, Manuscript] = {}
    for manuscript in loaded.values():
        assert isinstance(manuscript, Manuscript)
        other = slugs.setdefault(manuscript.slug, manuscript)
        if other is not manuscript:
            problems.append(
                Problem(
                    manuscript.label,
                    1,
                    f"its slug '{manuscript.slug}' is also {other.label}'s: both would be built into "
                    f"DIR/{manuscript.slug}/; rename one of the files",
                )
            )
        other = identifiers.setdefault(manuscript.identifier, manuscript)
        if other is not manuscript:
            lines = manuscript.path.read_text(encoding="utf-8-sig").splitlines()
            line = next((n for n, text in enumerate(lines, 1) if text.startswith("identifier:")), 1)
            problems.append(
                Problem(
                    manuscript.label,
                    line,
                    f"identifier: {manuscript.identifier} is also {other.label}'s; every article needs its own",
                )
            )
    return problems


def _exchange(stage: Path, out_dir: Path) -> None:
    """Put the staged collection where DIR was, in one step where the system allows it."""
    if not out_dir.exists():
        stage.rename(out_dir)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    at_fdcwd, rename_exchange = -100, 2
    if (
        renameat2 is not None
        and renameat2(at_fdcwd, os.fsencode(stage), at_fdcwd, os.fsencode(out_dir), rename_exchange) == 0
    ):
        return  # stage now holds the previous collection, removed by the caller
    previous = stage.with_name(stage.name + "-previous")
    out_dir.rename(previous)
    stage.rename(out_dir)
    previous.rename(stage)


def _sums(folder: Path) -> dict[str, Path]:
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() not in (SUMS, MANIFEST)
    }


def build_collection(
    paths: Sequence[Path],
    out_dir: Path,
    *,
    formats: Sequence[str] = FORMATS,
    styles: Path | None = None,
    paper: str = "a4",
    environ: Mapping[str, str] | None = None,
    cache: Cache | None = None,
    keep_going: bool = False,
) -> CollectionResult:
    """Build every manuscript of ``paths`` into ``out_dir``/<slug>/, all checked first."""
    from publish.build.outputs import staging
    from publish.build.run import build
    from publish.source.manuscript import load

    manuscripts = manuscripts_in(paths)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: is a file, not a folder")
    problems: dict[Path, list[str]] = {}
    loaded = {}
    for path in manuscripts:
        try:
            loaded[path] = load(path, display=str(path))
        except ManuscriptError as exc:
            problems[path] = exc.lines()
    clashes = _clashes(loaded)
    if clashes:
        raise ManuscriptError(clashes)
    result = CollectionResult()
    previous = _previous_slugs(out_dir)
    with staging(out_dir) as stage:
        collection = stage / "collection"
        collection.mkdir()
        # Every article is built in the staging folder before DIR is touched, so every problem of
        # every manuscript is known, and reported together, before anything is replaced.
        for path, manuscript in loaded.items():
            try:
                build(path, collection / manuscript.slug, formats=formats, styles=styles, paper=paper,
                      display=str(path), environ=environ, cache=cache)  # fmt: skip
                result.built.append(manuscript.slug)
            except ManuscriptError as exc:
                problems[path] = exc.lines()
            except PublishError as exc:
                if not keep_going:
                    raise
                problems[path] = exc.lines()
        result.problems = [line for lines in problems.values() for line in lines]
        if problems and not keep_going:
            raise ManuscriptError([_as_problem(line) for line in result.problems])
        failed = [loaded[p].slug if p in loaded else p.stem for p in problems]  # unread: its file's name
        for slug in failed:  # what failed keeps its previous editions, byte for byte
            shutil.rmtree(collection / slug, ignore_errors=True)
            if (out_dir / slug).is_dir():
                shutil.copytree(out_dir / slug, collection / slug, copy_function=os.link)
                result.kept.append(slug)
        ours = {m.slug for m in loaded.values()} | set(failed)
        if out_dir.is_dir():  # whatever else DIR holds stays, but not the articles dropped from it
            for entry in out_dir.iterdir():
                if entry.name in ours or entry.name in (SUMS, MANIFEST) or entry.name in previous:
                    continue
                if entry.is_dir():
                    shutil.copytree(entry, collection / entry.name, copy_function=os.link, symlinks=True)
                else:
                    os.link(entry, collection / entry.name, follow_symlinks=False)
        files = _sums(collection)
        lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {name}\n" for name, p in files.items()]
        (collection / SUMS).write_text("".join(lines), encoding="utf-8", newline="\n")
        articles = [
            {"slug": m.slug, "identifier": m.identifier, "manifest": f"{m.slug}/{MANIFEST}"}
            for m in sorted(loaded.values(), key=lambda m: m.slug)
            if (collection / m.slug).is_dir()
        ]
        content = {"collection_version": COLLECTION_VERSION, "articles": articles}
        (collection / MANIFEST).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8", newline="\n")
        _exchange(collection, out_dir)
    return result


def _previous_slugs(out_dir: Path) -> set[str]:
    try:
        content = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return {str(a["slug"]) for a in content.get("articles", [])}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return set()


def _as_problem(line: str) -> Problem:
    path, _, rest = line.partition(":")
    number, _, message = rest.partition(": ")
    return Problem(path, int(number) if number.isdigit() else 1, message if number.isdigit() else rest)
