"""Many manuscripts, one build: every article into ``DIR/<slug>/``, one ``SHA256SUMS`` and one
``manifest.json`` over the whole collection, and DIR never half old, half new.

Every manuscript's front matter is read first, and two manuscripts that would share a folder
or an identifier are refused, naming both. The collection is then put together in a staging
folder beside DIR: each article starts as a hard-linked copy of its folder in DIR, if it has
one, and is built over it by the ordinary build, in ``jobs`` processes at once
(publish.build.parallel). An article whose stamp says DIR already holds what a build would
write (publish.build.stamp) is not built at all. Every problem of every article is known before
DIR is touched; then the staging folder and DIR are exchanged in one step
(``renameat2(RENAME_EXCHANGE)`` on Linux, two renames elsewhere).

``--shard K/N`` builds the articles whose slug's digest falls to shard K of N, a share that
depends on nothing else, and ``merge`` joins the shards' folders into the same bytes a single
build gives: the collection's own files are made from its articles' folders alone.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish.build.cache import Cache
from publish.build.outputs import MANIFEST, held, manifest_text, write_manifest
from publish.errors import ManuscriptError, Problem, PublishError, UsageError
from publish.options import FORMATS, SUMS

COLLECTION_VERSION = 1

# done, total, slug, outcome ("built", "failed"), seconds left (None until something is done)
Progress = Callable[[int, int, str, str, float | None], None]


class CollectionError(PublishError):
    """Some articles of a collection could not be built: every line, of every one."""

    def __init__(self, lines: Sequence[str], exit_code: int = 2) -> None:
        super().__init__("\n".join(lines))
        self._lines = list(lines)
        self.exit_code = exit_code

    def lines(self) -> list[str]:
        return self._lines


@dataclass
class CollectionResult:
    built: list[str] = field(default_factory=list)  # slugs built by this run
    reused: list[str] = field(default_factory=list)  # unchanged since the last build: not built again
    kept: list[str] = field(default_factory=list)  # failed, and kept their previous editions
    problems: list[str] = field(default_factory=list)  # the lines of what failed
    articles: int = 0  # articles in DIR's collection now
    files: int = 0  # files its SHA256SUMS lists
    up_to_date: bool = False  # DIR already held exactly this: nothing was written


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` as (K, N), 1 <= K <= N."""
    number, _, count = text.partition("/")
    if not (number.isdigit() and count.isdigit() and 1 <= int(number) <= int(count)):
        raise UsageError(f"--shard {text}: expected K/N with 1 <= K <= N, such as 2/3")
    return int(number), int(count)


def shard_of(slug: str, count: int) -> int:
    """The shard (1..count) an article falls to, from its slug alone: the same share however
    the collection is listed, ordered or run, and stable as articles come and go."""
    return int.from_bytes(hashlib.sha256(slug.encode("utf-8")).digest()[:8], "big") % count + 1


def manuscripts_in(paths: Sequence[Path]) -> list[Path]:
    """The manuscripts named: files as given, folders as every .md file in them (hidden files,
    such as an editor's, left out), in name order; each once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.glob("*.md") if not p.name.startswith("."))
            if not inside:
                raise UsageError(f"{path} holds no .md manuscript")
            found += inside
        else:
            found.append(path)
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def _identifier_line(path: Path) -> int:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    return next((n for n, text in enumerate(lines, 1) if text.startswith("identifier:")), 1)


def _clashes(loaded: Mapping[Path, Any]) -> list[Problem]:
    """Two manuscripts with one slug (one folder in DIR) or one identifier (one book to a
    reader). (A slug is lower-case words and hyphens, so never SHA256SUMS or manifest.json.)"""
    problems = []
    slugs: dict[str, Any] = {}
    identifiers: dict[str, Any] = {}
    for manuscript in loaded.values():
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
            problems.append(
                Problem(
                    manuscript.label,
                    _identifier_line(manuscript.path),
                    f"identifier: {manuscript.identifier} is also {other.label}'s; every article needs its own",
                )
            )
    return problems


def _link_tree(source: Path, target: Path) -> None:
    """A copy of a folder whose files are hard links (copies where links cannot be made)."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst, follow_symlinks=False)
        except OSError:
            shutil.copy2(src, dst, follow_symlinks=False)

    shutil.copytree(source, target, copy_function=link, symlinks=True)


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
    previous = stage.with_name(stage.name + "-previous")  # pragma: no cover - Linux without renameat2
    out_dir.rename(previous)  # pragma: no cover
    stage.rename(out_dir)  # pragma: no cover
    previous.rename(stage)  # pragma: no cover


def _article_files(folder: Path, slug: str) -> dict[str, Path]:
    """An article's own files, as its build owns them, by name inside the collection."""
    return {f"{slug}/{name}": path for name, path in held(folder / slug, slug).items()}


def _article_manifest(folder: Path, slug: str) -> dict[str, Any]:
    try:
        content = json.loads((folder / slug / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{folder / slug / MANIFEST}: cannot be read: {exc}") from exc
    if not isinstance(content, dict) or not isinstance(content.get("identifier"), str):
        raise UsageError(f"{folder / slug / MANIFEST}: not an article's manifest (no identifier)")
    return content


def collection_files(
    folder: Path,
    slugs: Sequence[str],
    room: Mapping[str, bytes] | None = None,
    shard: tuple[int, int] | None = None,
) -> tuple[str, dict[str, Any], dict[str, bytes]]:
    """The text of the collection's SHA256SUMS, its manifest, and its reading room's files, from
    its articles' folders alone (the room as given, else made now). The checksums cover the
    manifest too, so a signature does; a shard's manifest says which shard of how many it is."""
    manifests = {slug: _article_manifest(folder, slug) for slug in sorted(slugs)}
    room = dict(room) if room is not None else _room(folder, manifests)
    articles = [
        {"slug": slug, "identifier": manifest["identifier"], "manifest": f"{slug}/{MANIFEST}"}
        for slug, manifest in manifests.items()
    ]
    content: dict[str, Any] = {"collection_version": COLLECTION_VERSION, "articles": articles}
    if shard is not None:
        content["shard"] = {"number": shard[0], "count": shard[1]}
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in room.items()}
    digests[MANIFEST] = hashlib.sha256(manifest_text(content).encode()).hexdigest()
    for slug in sorted(slugs):
        for name, path in _article_files(folder, slug).items():
            digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    lines = [f"{digest}  {name}\n" for name, digest in sorted(digests.items())]
    return "".join(lines), content, room


def _room(folder: Path, manifests: Mapping[str, Mapping[str, Any]]) -> dict[str, bytes]:
    """The collection's reading room, over every article, in the packaged design (a collection
    may gather articles of several styles), for the address the articles were built for."""
    from publish.room.catalogue import Entry
    from publish.room.page import room
    from publish.styling.defaults import default_styles
    from publish.styling.styles import Styles

    entries = []
    bases = set()
    for slug, manifest in manifests.items():
        if "catalogue" not in manifest:
            raise UsageError(f"{folder / slug / MANIFEST}: made by an older publish (no catalogue); build it again")
        entries.append(Entry.of(manifest, prefix=f"{slug}/"))
        base = manifest.get("options", {}).get("base_url")
        bases.add(base.removesuffix(f"{slug}/") if isinstance(base, str) and base.endswith(f"{slug}/") else None)
    if len(bases) > 1:
        shown = sorted(b or "none (relative links)" for b in bases)
        raise UsageError(f"the articles were built for different --base-url addresses: {', '.join(shown)}; "
                         "build them again with one")  # fmt: skip
    return room(entries, Styles((default_styles().resolve(),)), base_url=bases.pop() if bases else None)


def previous_slugs(out_dir: Path) -> set[str]:
    """The articles of the collection DIR holds, by its manifest; none if it holds no collection."""
    try:
        content = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        if content.get("collection_version") is None:
            return set()
        return {str(a["slug"]) for a in content["articles"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return set()


def _finish(
    collection: Path, out_dir: Path, slugs: Sequence[str], previous: set[str], shard: tuple[int, int] | None = None
) -> int:
    """Write the collection's own files, carry over what else DIR holds (but not the articles
    dropped from the collection, nor a signature of other checksums), and put the collection in
    DIR's place. Returns the file count."""
    from publish.room.names import FILES
    from publish.room.sign import SIGNATURE

    sums, content, room = collection_files(collection, slugs, shard=shard)
    try:
        signed = (out_dir / SUMS).read_text(encoding="utf-8") == sums
    except OSError:
        signed = False
    if out_dir.is_dir():
        for entry in out_dir.iterdir():
            if entry.name in slugs or entry.name in (SUMS, MANIFEST, *FILES) or entry.name in previous:
                continue
            if entry.name == SIGNATURE and not signed:  # it vouched for the checksums replaced now
                continue
            if entry.name.startswith(f".{out_dir.name}.staging-"):
                continue
            if entry.is_dir() and not entry.is_symlink():
                _link_tree(entry, collection / entry.name)
            else:
                os.link(entry, collection / entry.name, follow_symlinks=False)
    for name, data in room.items():
        (collection / name).write_bytes(data)
    (collection / SUMS).write_text(sums, encoding="utf-8", newline="\n")
    write_manifest(collection, content)
    for path in (collection, collection / SUMS, collection / MANIFEST, *(collection / name for name in room)):
        path.chmod(0o755 if path.is_dir() else 0o644)
    _exchange(collection, out_dir)
    return sums.count("\n")


def up_to_date(out_dir: Path, slugs: Sequence[str], shard: tuple[int, int] | None = None) -> int | None:
    """The number of files, if DIR's collection files are what these articles' folders would give.

    Called only when every article's stamp holds, which covers its manifest, its styles (the
    packaged ones among them) and publish's code: everything the room is made from. So the room
    is not made again; its files need only be the ones SHA256SUMS lists."""
    from publish.room.names import FILES

    if previous_slugs(out_dir) != set(slugs):
        return None
    try:
        room = {name: (out_dir / name).read_bytes() for name in FILES}
        sums, content, _ = collection_files(out_dir, slugs, room, shard)
        if (out_dir / SUMS).read_text(encoding="utf-8") != sums:
            return None
        held = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, UsageError):
        return None
    return sums.count("\n") if held == content else None


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
    jobs: int = 1,
    shard: tuple[int, int] | None = None,
    progress: Progress | None = None,
    base_url: str | None = None,
) -> CollectionResult:
    """Build every manuscript of ``paths`` (of shard K of N) into ``out_dir``/<slug>/."""
    from publish.build import parallel
    from publish.build.outputs import staging
    from publish.build.stamp import unchanged
    from publish.room.catalogue import normal_base_url
    from publish.source.manuscript import load

    base_url = normal_base_url(base_url)
    manuscripts = manuscripts_in(paths)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: is a file, not a folder")
    if cache is not None and out_dir.resolve() in (cache.root.resolve(), *cache.root.resolve().parents):
        raise UsageError(f"the cache {cache.root} is inside the output folder {out_dir}; put it elsewhere")
    env = dict(os.environ if environ is None else environ)
    formats = tuple(f for f in FORMATS if f in formats)
    problems: dict[Path, list[str]] = {}
    loaded = {}
    for path in manuscripts:  # the whole collection's, whatever the shard: clashes cross shards
        try:
            loaded[path] = load(path, display=str(path))
        except ManuscriptError as exc:
            problems[path] = exc.lines()
    clashes = _clashes(loaded)
    if clashes:
        raise ManuscriptError(clashes)
    number, count = shard if shard is not None else (1, 1)
    share = [path for path in manuscripts if shard_of(path.stem, count) == number]
    problems = {path: lines for path, lines in problems.items() if path in share}
    result = CollectionResult()
    previous = previous_slugs(out_dir)
    reusable = set()
    if cache is not None:  # an article DIR holds as this build would write it is not built again
        for path in share:
            folder = out_dir / path.stem
            article_url = f"{base_url}{path.stem}/" if base_url else None
            if path in loaded and folder.is_dir() and unchanged(cache, path, folder, styles=styles, formats=formats,
                                                                paper=paper, environ=env,
                                                                base_url=article_url) is not None:  # fmt: skip
                reusable.add(path)
    slugs = [path.stem for path in share]
    if not problems and len(reusable) == len(share):
        files = up_to_date(out_dir, slugs, shard)
        if files is not None:
            result.reused = sorted(slugs)
            result.articles, result.files, result.up_to_date = len(slugs), files, True
            return result
    with staging(out_dir) as stage:
        collection = stage / "collection"
        collection.mkdir()
        for slug in slugs:  # each article starts from its folder in DIR: reused, kept, or built over
            if (out_dir / slug).is_dir() and not (out_dir / slug).is_symlink():
                _link_tree(out_dir / slug, collection / slug)
        work = sorted(((p, collection / p.stem) for p in share if p in loaded and p not in reusable),
                      key=lambda item: (-_size(item[0]), item[0].stem))  # fmt: skip  # the longest first
        result.reused = sorted(p.stem for p in reusable)
        settings = parallel.Settings(formats, styles, paper, env, cache.root if cache is not None else None, base_url)
        total = sum(_size(p) for p, _ in work) or 1
        started, finished = time.perf_counter(), 0
        outcomes: list[parallel.Done] = []

        def done(article: parallel.Done) -> None:
            nonlocal finished
            outcomes.append(article)
            finished += _size(article.path)
            if progress is not None:
                elapsed = time.perf_counter() - started
                left = elapsed * (total - finished) / finished if finished else None
                progress(len(outcomes), len(work), article.path.stem, article.outcome, left)

        parallel.run(work, settings, jobs, done)
        for article in outcomes:
            if article.outcome == "built":
                result.built.append(article.path.stem)
            else:
                problems[article.path] = list(article.problems)
        result.built.sort()
        result.problems = [line for path in share if path in problems for line in problems[path]]
        if problems and not keep_going:
            only_manuscripts = all(a.outcome != "failed" for a in outcomes)
            raise CollectionError(result.problems, 2 if only_manuscripts else 1)
        present = []
        for path in share:
            if (collection / path.stem / MANIFEST).is_file():
                present.append(path.stem)
                if path in problems:
                    result.kept.append(path.stem)  # what failed keeps its previous editions, byte for byte
            else:
                shutil.rmtree(collection / path.stem, ignore_errors=True)
        result.files = _finish(collection, out_dir, present, previous, shard)
        result.articles = len(present)
    return result


def _size(path: Path) -> int:
    try:
        return max(1, path.stat().st_size)
    except OSError:
        return 1


def merge(shards: Sequence[Path], out_dir: Path) -> CollectionResult:
    """Join the folders that ``--shard`` builds made into one collection in ``out_dir``: the
    bytes one build of the whole collection gives. Each shard's checksums are verified first."""
    from publish.build.outputs import staging

    owners: dict[str, Path] = {}
    identifiers: dict[str, tuple[str, Path]] = {}
    problems: list[str] = []
    numbered: dict[int, Path] = {}
    counts: set[int] = set()
    for folder in shards:
        slugs, shard = _verified_shard(folder)
        if shard is not None:
            if shard[0] in numbered:
                problems.append(
                    f"{folder / MANIFEST}:1: it is shard {shard[0]}/{shard[1]}, and so is {numbered[shard[0]]}"
                )
            numbered[shard[0]] = folder
            counts.add(shard[1])
        for slug in slugs:
            if slug in owners:
                problems.append(f"{folder / MANIFEST}:1: article '{slug}' is also in {owners[slug]}")
                continue
            owners[slug] = folder
            identifier = str(_article_manifest(folder, slug)["identifier"])
            if identifier in identifiers:
                other, where = identifiers[identifier]
                problems.append(f"{folder / slug / MANIFEST}:1: identifier {identifier} is also {other}'s in {where}")
            identifiers[identifier] = (slug, folder)
    if len(counts) > 1:
        problems.append(f"the shards were built as shares of different counts ({', '.join(map(str, sorted(counts)))})")
    elif counts:
        count = counts.pop()
        missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in numbered]
        if missing:
            problems.append(f"shard {', '.join(missing)} is missing: the collection would lack its articles")
    if problems:
        raise CollectionError(problems)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: is a file, not a folder")
    if out_dir.resolve() in {folder.resolve() for folder in shards}:
        raise UsageError(f"--out {out_dir}: is one of the shards; merge into a new folder")
    result = CollectionResult()
    previous = previous_slugs(out_dir)
    with staging(out_dir) as stage:
        collection = stage / "collection"
        collection.mkdir()
        for slug, folder in owners.items():
            _link_tree(folder / slug, collection / slug)
        result.files = _finish(collection, out_dir, sorted(owners), previous)
    result.articles = len(owners)
    result.built = sorted(owners)
    return result


def _verified_shard(folder: Path) -> tuple[list[str], tuple[int, int] | None]:
    """A shard's articles, and which shard of how many it is, once every file its SHA256SUMS
    lists has the digest it lists."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    try:
        content = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        slugs = [str(a["slug"]) for a in content["articles"]]
        if content.get("collection_version") != COLLECTION_VERSION:
            raise ValueError(f"collection_version {content.get('collection_version')!r}")
        shard = (int(content["shard"]["number"]), int(content["shard"]["count"])) if "shard" in content else None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise UsageError(f"{folder / MANIFEST}: not a collection's manifest ({exc})") from exc
    sums, expected, _ = collection_files(folder, slugs, shard=shard)
    try:
        listed = (folder / SUMS).read_text(encoding="utf-8")
        held = (folder / MANIFEST).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{folder / SUMS}: cannot be read: {exc.strerror or exc}") from exc
    if listed != sums:
        found = dict(line.split("  ", 1)[::-1] for line in sums.splitlines())
        for number, line in enumerate(listed.splitlines(), 1):
            digest, _, name = line.partition("  ")
            if found.get(name) != digest:
                raise UsageError(f"{folder / SUMS}:{number}: {name} does not match its checksum")
        raise UsageError(f"{folder / SUMS}: does not list every file of the shard's articles")
    if held != manifest_text(expected):
        number = next((n for n, line in enumerate(listed.splitlines(), 1) if line.endswith(f"  {MANIFEST}")), 1)
        raise UsageError(f"{folder / SUMS}:{number}: {MANIFEST} does not match its checksum")
    return slugs, shard
