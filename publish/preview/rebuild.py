"""Rebuild on save, in this process: the watcher, and the one thread that builds.

Each rebuild is an ordinary ``publish build`` into the output folder, with the
cache, so the folder holds exactly what ``publish build`` would write, and
only what changed is made again. The process stays warm between rebuilds:
WeasyPrint, pandoc's wrapper and jinja2 are imported once, templates are
compiled once (and again when their file changes), and the fonts' tables
are read once. Each edition is shown as soon as it is made, the quickest
(HTML) first, before the build moves its files into place.

Saves that come while a build runs are not lost and do not queue: they set
one flag, and the builder, when it is done, builds once more from what is
on disc then.
"""

from __future__ import annotations

import gc
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from publish.build.cache import Cache
from publish.build.resident import ResidentWorker
from publish.build.run import build
from publish.errors import PublishError, shown_path
from publish.options import FORMATS
from publish.preview.state import Check, Live
from publish.source.manuscript import load
from publish.styling.styles import Styles


class Stopped(Exception):  # noqa: N818 - no error: the user asked the preview to stop
    """The preview is stopping: the build in progress ends here, rolled back."""


Echo = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Rebuilder:
    """Builds the manuscript whenever ``wake`` is called, one build at a time."""

    def __init__(
        self,
        manuscript: Path,
        out_dir: Path,
        live: Live,
        *,
        styles: Path | None = None,
        paper: str = "a4",
        display: str | None = None,
        cache: Cache | None = None,
        echo: Echo = _stderr,
        check: bool = True,
    ) -> None:
        self.manuscript = manuscript
        self.out_dir = out_dir
        self.live = live
        self.styles = styles
        self.paper = paper
        self.display = display
        self.cache = cache
        self.echo = echo
        self.check = check
        self.builds = 0
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._worker: ResidentWorker | None = None
        self._manuscript = manuscript.resolve()
        self._folder = self._manuscript.parent
        self._styles = Styles.for_manuscript(self._folder, styles).folders  # resolved, as the watcher reports
        # The output folder may be the manuscript's own, or hold its images: what is in it counts
        # if the manuscript names it. The cache and the build's staging folders never count.
        self._out = out_dir.resolve()
        self._staging = f".{self._out.name}.staging-"
        self._ignored = [cache.root.resolve()] if cache is not None else []

    # -- what to watch ---------------------------------------------------------------------------

    def watched(self) -> list[Path]:
        """The manuscript's folder (its images are there) and every styles folder in effect."""
        found = [self._folder, *self._styles]
        return [p for n, p in enumerate(found) if p.is_dir() and not any(p == q or q in p.parents for q in found[:n])]

    def relevant(self, path: Path) -> bool:
        """Whether a change at ``path`` (as the watcher reports it, under a watched folder) can
        change an edition: the manuscript, a file it names (an image), or a style file. Not the
        output, the cache, hidden files, nor an editor's swap and backup files, nor anything else
        beside the manuscript (a log being written there would otherwise rebuild for ever)."""
        if any(path == p or p in path.parents for p in self._ignored):
            return False
        if any(part.startswith(self._staging) for part in path.parts):
            return False
        name = path.name
        if (
            name.startswith(("#", ".#"))
            or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload"))
            or name == "4913"  # vim's test of whether it may write the folder
        ):
            return False
        if path == self._manuscript:
            return True
        if self._out == path or self._out in path.parents:  # what the build writes is named nowhere
            return self._named(path) if self._folder in path.parents else False
        for folder in self._styles:
            if folder in path.parents:
                inside = path.relative_to(folder).parts
                return not any(part.startswith(".") or part == "__pycache__" for part in inside)
        if self._folder not in path.parents:
            return False
        return self._named(path)

    def _named(self, path: Path) -> bool:
        """Whether the manuscript names the file ``path`` (an image) as a link target, as written or
        URL-encoded: "figs/chart.png" in ``(figs/chart.png)``, not "republish" in "republished"."""
        if path.is_dir():
            return False
        relative = path.relative_to(self._folder).as_posix()
        try:
            text = self._manuscript.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return any(
            re.search(rf"(?<![\w./%-]){re.escape(form)}(?![\w./%-])", text)
            for form in {relative, f"./{relative}", quote(relative)}
        )

    # -- the loop --------------------------------------------------------------------------------

    def wake(self) -> None:
        self._dirty.set()

    def stop(self) -> None:
        """End the loop; a build in progress stops at its next step (its staging folder removed)."""
        self._stop.set()
        self._dirty.set()

    def _step(self, part: str, seconds: float, cached: bool) -> None:
        """build()'s progress, several times a second while the PDF is laid out: where it stops."""
        if self._stop.is_set():
            if self._worker is not None:
                self._worker.closing = True  # the layout it may be doing is cancelled: no fresh worker
            raise Stopped

    def run(self) -> None:
        """Build now, then again after every wake, until stopped; then end the PDF worker."""
        self._dirty.set()
        with ResidentWorker() as worker:
            self._worker = worker
            try:
                while True:
                    self._dirty.wait()
                    if self._stop.is_set():
                        return
                    self._dirty.clear()  # a save from here on means one more build
                    try:
                        self.rebuild()
                    except Stopped:
                        return
                    if self.builds == 1:
                        # What the first build imported and read stays for the session: the
                        # collector need not walk it again, which spares each later build a
                        # full collection's pause (30 ms and more) in the middle of it.
                        gc.collect()
                        gc.freeze()
            finally:
                self._worker = None

    def rebuild(self) -> bool:
        """One build; True if it built."""
        self.builds += 1
        started = time.perf_counter()
        self.live.begin()

        def ready(edition: str, path: Path) -> None:
            self.live.edition(path.stem, edition, path.read_bytes(), time.perf_counter() - started)

        try:
            # The PDF is laid out by the resident worker, WeasyPrint warm in it, on the other core
            # while this process makes the EPUB.
            build(
                self.manuscript,
                self.out_dir,
                styles=self.styles,
                paper=self.paper,
                display=self.display,
                environ=os.environ,
                cache=self.cache,
                worker=self._worker.job() if self._worker is not None else None,
                progress=self._step,
                ready=ready,
                order=("html", "pdf", "epub"),  # the HTML first: it is what an editor reads
            )
        except PublishError as exc:
            lines = exc.lines()
            self.live.failed(lines)
            for line in lines:
                self.echo(line)
            count = f"{len(lines)} problem{'s' * (len(lines) != 1)}"
            self.echo(f"preview: not built ({count}); showing the last good editions")
            return False
        took = time.perf_counter() - started
        parts = ", ".join(f"{e} {s:.2f} s" for e, s in self.live.snapshot()["seconds"].items())
        self.live.built()
        self.echo(f"preview: built in {took:.2f} s ({parts})")
        if self.check:
            self._check()
        return True

    def _check(self) -> None:
        """``publish check`` on the three editions, against the manuscript; given up if a save comes."""
        from publish.attribution.check import UnreadableError, check_file, expect

        try:
            expected = expect(load(self.manuscript, display=self.display))
        except PublishError:
            return
        slug = self.live.slug
        found = []
        for edition in FORMATS:
            if self._dirty.is_set():
                return  # stale: the next build checks again
            path = self.out_dir / f"{slug}.{edition}"
            shown = shown_path(path)
            try:
                report = check_file(path, expected)
            except UnreadableError as exc:
                found.append(Check(edition, False, (f"{shown}: unreadable: {exc}",)))
                continue
            passed = not report.errors()
            lines = report.lines(shown)
            found.append(Check(edition, passed, tuple(lines)))
        self.live.checks(found)


def watch(rebuilder: Rebuilder, stop: threading.Event, ready: threading.Event | None = None) -> None:
    """Wake the rebuilder on every relevant change, until ``stop`` is set."""
    import watchfiles

    paths = rebuilder.watched()

    def relevant(change: watchfiles.Change, path: str) -> bool:
        return rebuilder.relevant(Path(path))

    watcher = watchfiles.watch(
        *paths,
        watch_filter=relevant,
        stop_event=stop,
        debounce=400,  # ms: a burst of saves (an editor's write and rename) is one change
        step=2,  # ms of quiet that ends a burst: the rebuild starts this soon after a save
        yield_on_timeout=True,
        rust_timeout=100,
        raise_interrupt=False,
    )
    for changes in watcher:  # the first answer, empty, comes once the folders are watched
        if ready is not None:
            ready.set()
        if changes:
            rebuilder.wake()
