"""Articles built side by side: one process per job, each importing WeasyPrint once.

A collection's articles are shared out among ``jobs`` processes. Each lays out
PDF after PDF with the WeasyPrint it imported once, and runs pandoc, writes the
HTML and the EPUB for its article while the others lay theirs out, so every
core is busy with whatever is next. On Linux the processes are forked from a
server that imported WeasyPrint before the first of them, so a process costs
milliseconds, not the 0.75 s of an import; elsewhere each process imports it
once. After ``ARTICLES_PER_PROCESS`` articles a process makes way for a fresh
one, since WeasyPrint and Pango keep a little of every layout: memory is
bounded by the number of jobs, not the number of articles.

What a process sends back is plain data (the article's outcome and the lines of
its problems), never an exception object, so nothing it raises is lost in
pickling.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from publish.build.cache import Cache
from publish.errors import ManuscriptError, PublishError, RenderError

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

ARTICLES_PER_PROCESS = 20  # then a fresh process: what WeasyPrint keeps stays bounded

Outcome = Literal["built", "manuscript", "failed"]


@dataclass(frozen=True)
class Settings:
    """Everything an article's build needs besides its paths; sent to each process."""

    formats: tuple[str, ...]
    styles: Path | None
    paper: str
    environ: dict[str, str]
    cache_root: Path | None
    base_url: str | None = None  # the collection's; an article's is <base_url><slug>/


@dataclass(frozen=True)
class Done:
    path: Path
    outcome: Outcome
    problems: tuple[str, ...]


def build_article(path: Path, dest: Path, settings: Settings) -> Done:
    """One article into ``dest``, as ``publish build`` would; its problems as lines."""
    from publish.build.run import build

    cache = Cache(settings.cache_root) if settings.cache_root is not None else None
    try:
        article_url = f"{settings.base_url}{path.stem}/" if settings.base_url else None
        build(path, dest, formats=settings.formats, styles=settings.styles, paper=settings.paper,
                       display=str(path), environ=settings.environ, cache=cache, base_url=article_url)  # fmt: skip
    except ManuscriptError as exc:
        return Done(path, "manuscript", tuple(exc.lines()))
    except PublishError as exc:
        lines = [line if line.startswith(f"{path}:") else f"{path}: {line}" for line in exc.lines()]
        return Done(path, "failed", tuple(lines))
    return Done(path, "built", ())


def warm() -> None:
    """Import WeasyPrint now, once, for every article this process (or its forks) will lay out.
    A system without its libraries is not refused here: the article's build says why."""
    from publish.build.worker import _no_library_search

    _no_library_search()
    with contextlib.suppress(ImportError, OSError):
        import publish.editions.pdf  # noqa: F401


def run(work: Sequence[tuple[Path, Path]], settings: Settings, jobs: int, done: Callable[[Done], None]) -> None:
    """Build each (manuscript, destination) of ``work`` in ``jobs`` processes; ``done`` hears of
    each article as it finishes, in the order they finish."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    if not work:
        return
    context: BaseContext = multiprocessing.get_context("spawn")
    initializer: Callable[[], None] | None = warm
    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(["publish.build._warm"])
        try:
            forkserver.ensure_running()  # its socket lives in $TMPDIR: a long path cannot hold one
            context, initializer = server, None
        except OSError:
            pass  # each process imports WeasyPrint itself instead
    with ProcessPoolExecutor(
        max_workers=max(1, min(jobs, len(work))),
        mp_context=context,
        initializer=initializer,
        max_tasks_per_child=ARTICLES_PER_PROCESS,
    ) as pool:
        pending = {pool.submit(build_article, path, dest, settings): path for path, dest in work}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    path = pending.pop(future)
                    try:
                        done(future.result())
                    except BrokenProcessPool as exc:
                        raise RenderError(
                            f"{path}: the process building it stopped without a word (killed, or out of memory?); "
                            "nothing was replaced"
                        ) from exc
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def default_jobs() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - Linux has sched_getaffinity
