"""One build: load the manuscript once, render each edition asked for (or
take it from the cache), then write the kit, the manifest and the checksums,
and move it all into place.

The work that is not cached, in order of cost: WeasyPrint's layout (in the
PDF worker, when the CLI started one), pandoc (once), the EPUB, the HTML.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from publish.build.cache import Cache, code_fingerprint, file_digests, fingerprint
from publish.build.environment import tool_versions
from publish.build.outputs import (
    MANIFEST,
    after_build,
    digest,
    move_into,
    owned,
    staging,
    write_manifest,
    write_sums,
)
from publish.errors import ManuscriptError, Problem, RenderError, UsageError
from publish.options import FORMATS, SUMS
from publish.room.catalogue import normal_base_url
from publish.source.manuscript import Manuscript, load
from publish.styling.styles import Styles

if TYPE_CHECKING:
    from publish.document import Document
    from publish.editions.printjob import PrintJob
    from publish.source.images import Image

MANIFEST_VERSION = 1


class PdfLayout(Protocol):
    """Who lays the PDF out while the rest is written: the CLI's forked PdfWorker, or the
    preview's resident worker (publish.build.resident)."""

    def submit(self, job: PrintJob) -> None: ...

    def result(self, tick: Callable[[], None] = ...) -> Path: ...

    def cancel(self) -> None: ...


Progress = Callable[[str, float, bool], None]
"""(what was finished, seconds it took, whether it came from the cache)."""
Ready = Callable[[str, Path], None]
"""(an edition, its finished file in the staging folder): called as soon as each is made, before the
build is complete and moved into place (``publish preview`` shows each edition at once)."""


@dataclass(frozen=True)
class BuildResult:
    outputs: tuple[Path, ...]
    cached: tuple[str, ...]  # the parts taken from the cache


def manifest(
    m: Manuscript,
    styles: Styles,
    images: Sequence[tuple[str, Path]],
    source: dict[str, Any],
    tools: Mapping[str, str],
    outputs: Mapping[str, Path],
    made: Sequence[str] = (),
) -> dict[str, Any]:
    """What went in, with what tools, and what came out: enough to rebuild and compare."""
    inputs = {f"manuscript/{m.path.name}": digest(m.path)}
    for src, path in images:
        inputs[f"manuscript/{src}"] = digest(path)
    for relative, path in styles.files().items():
        inputs[f"styles/{relative}"] = digest(path)
    return {
        "manifest_version": MANIFEST_VERSION,
        "slug": m.slug,
        "identifier": m.identifier,
        **source,
        "inputs": inputs,
        "tools": dict(tools),
        # this_build: false for an edition an earlier build left (see --only)
        "outputs": {name: {**digest(path), "this_build": name in made} for name, path in outputs.items()},
    }


class _Job:
    """The state of one build: the manuscript, and the body once it is known."""

    def __init__(
        self, manuscript: Manuscript, styles: Styles, environ: Mapping[str, str] | None, paper: str, cache: Cache | None
    ) -> None:
        from publish.source.dates import source_date

        self.manuscript = manuscript
        self.styles = styles
        self.paper = paper
        self.cache = cache
        self.date = source_date(manuscript, environ)
        self.document: Document | None = None
        # Keys only matter with a cache; a clean build does not hash its inputs.
        self.base = fingerprint(code_fingerprint(), json.dumps(tool_versions(""), sort_keys=True)) if cache else ""
        # The body's entry also holds the fonts the editions use, which the front matter's text and
        # the styles' fonts decide too: its key covers the whole manuscript and every style file.
        self.body_key = (
            fingerprint(
                self.base,
                "body",
                manuscript.body,
                hashlib.sha256(manuscript.path.read_bytes()).hexdigest(),
                *file_digests(styles.files().items()),
            )
            if cache
            else ""
        )
        self.entry = self._body()
        self.images = self._images()
        self.inputs = ""
        if cache is not None:
            self.inputs = fingerprint(
                self.body_key,
                hashlib.sha256(manuscript.path.read_bytes()).hexdigest(),  # the front matter too
                manuscript.slug,
                self.date.isoformat(),
                *file_digests(self.styles.files().items()),
                *file_digests((i["src"], Path(i["path"])) for i in self.images),
            )

    def _body(self) -> dict[str, Any]:
        """pandoc's body and the images it shows: from the cache, or made now."""
        if self.cache is not None:
            entry = self.cache.get_json(self.body_key)
            if isinstance(entry, dict) and {"body", "pandoc", "images", "fonts"} <= set(entry):
                return entry
        from publish.document import Document
        from publish.source.body import pandoc_version

        self.document = Document.prepare(self.manuscript, self.styles, date=self.date, paper=self.paper)
        entry = {
            "body": self.document.body_html,
            "pandoc": pandoc_version(),
            "fonts": self.document.font_files,
            "images": [
                {"src": i.src, "format": i.format, "sha256": hashlib.sha256(i.path.read_bytes()).hexdigest()}
                for i in self.document.images
            ],
        }
        if self.cache is not None:
            self.cache.put_json(self.body_key, entry)
        return entry

    def _images(self) -> list[dict[str, Any]]:
        """The images again, checked anew if a file changed since the body was cached."""
        if self.document is not None:
            return [{"src": i.src, "path": str(i.path), "format": i.format} for i in self.document.images]
        from publish.source.images import ImageRefusedError, open_image
        from publish.source.locate import Locator

        found, problems = [], []
        where = Locator(self.manuscript)
        for known in self.entry["images"]:
            try:
                image = open_image(self.manuscript, known["src"], known)
            except ImageRefusedError as exc:
                line = where.link(known["src"])
                problems.append(Problem(self.manuscript.label, line, str(exc)))
                continue
            found.append({"src": image.src, "path": str(image.path), "format": image.format})
        if problems:
            raise ManuscriptError(problems)
        return found

    def key(self, part: str) -> str:
        options = self.paper if part == "pdf" else ""
        return fingerprint(self.base, part, self.inputs, options)

    def full_document(self) -> Document:
        """The document the builders need, without running pandoc again."""
        if self.document is None:
            from publish.document import Document
            from publish.source.images import Image

            images: tuple[Image, ...] = tuple(Image(i["src"], Path(i["path"]), i["format"]) for i in self.images)
            self.document = Document(self.manuscript, self.entry["body"], self.date, self.styles, images, self.paper)
        return self.document

    @property
    def source(self) -> dict[str, Any]:
        return {
            "source_date": self.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "source_date_epoch": int(self.date.timestamp()),
        }


def _quiet(part: str, seconds: float, cached: bool) -> None:
    pass


def build(
    manuscript_path: Path,
    out_dir: Path,
    *,
    formats: Sequence[str] = FORMATS,
    styles: Path | None = None,
    paper: str = "a4",
    display: str | None = None,
    environ: Mapping[str, str] | None = None,
    cache: Cache | None = None,
    worker: PdfLayout | None = None,
    progress: Progress = _quiet,
    ready: Ready | None = None,
    order: Sequence[str] | None = None,
    base_url: str | None = None,
) -> BuildResult:
    """Build the editions of one manuscript into ``out_dir``, all or nothing.

    ``cache`` reuses finished work; ``worker``, a PdfWorker started early,
    lays out the PDF in parallel. Without them the build is serial and clean,
    the quickest edition first. ``ready`` hears of each edition as it is made;
    ``order`` is the order they are made in (by default the PDF first when a
    worker lays it out, else the quickest first). None of this changes a byte.
    ``base_url``, where DIR will be deployed, makes the feeds' links absolute.
    """
    if order is None:
        order = ("pdf", "epub", "html") if worker is not None else ("html", "epub", "pdf")
    try:
        return _build(
            manuscript_path,
            out_dir,
            formats,
            styles,
            paper,
            display,
            environ,
            cache,
            worker,
            progress,
            ready,
            order,
            normal_base_url(base_url),
        )
    finally:
        if worker is not None:
            worker.cancel()  # a no-op once its result is in


def _build(
    manuscript_path: Path,
    out_dir: Path,
    formats: Sequence[str],
    styles: Path | None,
    paper: str,
    display: str | None,
    environ: Mapping[str, str] | None,
    cache: Cache | None,
    worker: PdfLayout | None,
    progress: Progress,
    ready: Ready | None,
    order: Sequence[str],
    base_url: str | None,
) -> BuildResult:
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir}: is a file, not a folder")
    manuscript = load(manuscript_path, display=display)
    stack = Styles.for_manuscript(manuscript.folder, styles)
    if cache is not None and out_dir.resolve() in (cache.root.resolve(), *cache.root.resolve().parents):
        raise UsageError(f"the cache {cache.root} is inside the output folder {out_dir}; put it elsewhere")
    job = _Job(manuscript, stack, environ, paper, cache)
    cached: list[str] = []
    try:
        with staging(out_dir) as stage:
            try:
                parts = [fmt for fmt in order if fmt in formats] + ["kit", "cover"]
                pending = None
                for part in parts:
                    started = time.perf_counter()
                    if _from_cache(job, part, stage):
                        cached.append(part)
                        progress(part, time.perf_counter() - started, True)
                        if part == "pdf" and worker is not None:
                            worker.cancel()
                    elif part == "pdf" and worker is not None:
                        from publish.editions.printjob import prepare

                        worker.submit(prepare(job.full_document(), stage))  # laid out while the rest is written
                        pending = started
                        continue
                    else:
                        _make(job, part, stage)
                        progress(part, time.perf_counter() - started, False)
                    if ready is not None and part in formats:
                        ready(part, stage / f"{manuscript.slug}.{part}")
                    if part not in cached:
                        _store(job, part, stage)  # after it is shown: the cache can wait
                if pending is not None and worker is not None:
                    worker.result(tick=lambda: progress("", 0.0, False))
                    _store(job, "pdf", stage)
                    progress("pdf", time.perf_counter() - pending, False)
                    if ready is not None:
                        ready("pdf", stage / f"{manuscript.slug}.pdf")
                catalogue = _room(job, stage, out_dir, base_url)
                files = after_build(stage, out_dir, manuscript.slug)
                tools = tool_versions(job.entry["pandoc"])
                images = [(i["src"], Path(i["path"])) for i in job.images]
                made = list(owned(stage, manuscript.slug))
                content = manifest(manuscript, stack, images, job.source, tools, files, made)
                content["options"] = {"formats": [f for f in FORMATS if f in formats], "paper": paper}
                if base_url is not None:
                    content["options"]["base_url"] = base_url
                content["catalogue"] = catalogue
                content["fonts"] = job.entry["fonts"]
                files[MANIFEST] = write_manifest(stage, content)
                stale = _signature_outlived(out_dir, write_sums(stage, files))
                outputs = move_into(stage, out_dir)
                if stale is not None:
                    stale.unlink(missing_ok=True)
                if cache is not None:
                    from publish.build.stamp import record

                    chosen = [f for f in FORMATS if f in formats]
                    env = environ if environ is not None else os.environ
                    record(cache, manuscript_path, out_dir, slug=manuscript.slug, images=images, styles=styles,
                           formats=chosen, paper=paper, environ=env, base_url=base_url)  # fmt: skip
            except BaseException:
                if worker is not None:
                    worker.cancel()  # before the staging folder goes: it may be writing the PDF there
                raise
    except OSError as exc:  # the previous files stay, whatever failed
        if not _writing(exc, out_dir):
            raise
        raise RenderError(f"cannot write the editions to {out_dir}: {exc.strerror or exc}") from exc
    return BuildResult(tuple(outputs), tuple(cached))


# What only a write can fail with: a full disk, a quota, a file too large, a read-only file system.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def _writing(exc: OSError, out_dir: Path) -> bool:
    """Whether ``exc`` is a failure to write the output (into DIR or the staging folder beside it),
    rather than to read an input or to talk to the PDF worker."""
    if exc.errno in _WRITE_ERRNOS:
        return True
    if not exc.filename:
        return False
    target = Path(os.fsdecode(exc.filename)).resolve()
    out = out_dir.resolve()
    if target == out or out in target.parents:
        return True
    staged = [p for p in (target, *target.parents) if p.parent == out.parent]  # beside DIR
    return bool(staged) and staged[0].name.startswith(f".{out.name}.staging-")


def _signature_outlived(out_dir: Path, sums: Path) -> Path | None:
    """DIR's signature (``publish sign``), if it vouches for other checksums than these: it goes
    with them, rather than stay beside checksums it does not match."""
    from publish.room.sign import SIGNATURE

    signature = out_dir / SIGNATURE
    try:
        same = (out_dir / SUMS).read_bytes() == sums.read_bytes()
    except OSError:
        same = False
    return signature if signature.exists() and not same else None


def _room(job: _Job, stage: Path, out_dir: Path, base_url: str | None) -> dict[str, Any]:
    """The reading room of this one article: its page, stylesheet and feeds, written into the
    stage from what the manifest will say. Returns the manifest's ``catalogue``."""
    from publish.attribution.model import Attribution
    from publish.room.catalogue import Entry, catalogue
    from publish.room.page import room

    slug = job.manuscript.slug
    described = catalogue(Attribution.of(job.manuscript))
    outputs = {name: digest(path) for name, path in after_build(stage, out_dir, slug).items()}
    entry = Entry.of({"slug": slug, "outputs": outputs, "catalogue": described, **job.source})
    for name, data in room([entry], job.styles, base_url=base_url).items():
        (stage / name).write_bytes(data)
    return described


def _names(job: _Job, part: str) -> list[str]:
    if part == "kit":
        from publish.attribution.kit import kit_names

        return kit_names(job.images)
    if part == "cover":
        from publish.room.catalogue import cover_names

        return list(cover_names(job.manuscript.slug))
    return [f"{job.manuscript.slug}.{part}"]


def _from_cache(job: _Job, part: str, stage: Path) -> bool:
    """Write a part from the cache; False if it is not there."""
    if job.cache is None:
        return False
    entry = job.cache.get_json(job.key(part))
    if not isinstance(entry, dict) or sorted(entry) != sorted(_names(job, part)):
        return False
    for name, encoded in entry.items():
        target = stage / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(encoded))
    return True


def _make(job: _Job, part: str, stage: Path) -> None:
    if part == "kit":
        from publish.attribution.kit import build_kit

        build_kit(job.full_document(), stage)
    elif part == "cover":
        from publish.room.covers import write_covers

        write_covers(job.full_document(), stage)
    else:
        from publish.editions import builder

        builder(part)(job.full_document(), stage)


def _store(job: _Job, part: str, stage: Path) -> None:
    if job.cache is None:
        return
    files = {name: base64.b64encode((stage / name).read_bytes()).decode("ascii") for name in _names(job, part)}
    job.cache.put_json(job.key(part), files)
