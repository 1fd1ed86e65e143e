"""The PDF, laid out in a second process while the first writes the rest.

Importing WeasyPrint and laying out the PDF take most of a build. The CLI
forks this worker before it imports anything slow: the worker imports
WeasyPrint at once, on the second core, while the main process loads the
manuscript, runs pandoc and writes the HTML and the EPUB. The worker then
receives the finished document, writes the PDF into the staging folder and
reports back. Errors come back as the same PublishError the serial build
raises; if the main process fails or is interrupted, it kills the worker.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from publish.editions.printjob import PrintJob


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def _no_library_search() -> None:
    """Spare this process ctypes' library search, which runs ldconfig and gcc.

    WeasyPrint opens each library under several names in turn, Windows names
    first; cffi hands every name it cannot open to ctypes.util.find_library,
    which on Linux runs ldconfig, then gcc and ld: dozens of processes, a
    third of WeasyPrint's import time. Every list also holds the library's
    exact file name (libpango-1.0.so.0, libpango-1.0.dylib), which opens
    directly, so the search finds nothing the list does not: the same
    libraries load, only sooner. Done in the worker only, which runs nothing
    but WeasyPrint.
    """
    import ctypes.util

    ctypes.util.find_library = lambda name: None


def _cpus() -> set[int] | None:
    """The cores this process may use, if there are two or more to share out."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    return allowed if len(allowed) >= 2 else None


def outcome(kind: str, value: Any) -> Path:
    """A worker's answer as the serial build would have it: the PDF's path, or its error."""
    from publish.errors import RenderError, ToolError

    if kind == "ok":
        return Path(value)
    if kind == "unavailable":
        raise ToolError(value)
    if kind == "error":
        _name, message, code = value
        error = RenderError(message)
        error.exit_code = code
        raise error
    raise RenderError(f"the PDF worker failed:\n{value}")


class PdfWorker:
    """One forked process that builds one PDF, owned by a ``with`` block.

    Leaving the block stops the worker if it still runs, however the block
    ends: no worker outlives the command. Every outcome comes back through
    the results pipe with its reason; if the worker dies without one (killed,
    out of memory), the PDF is laid out in this process instead.
    """

    def __init__(self) -> None:
        jobs_r, self._jobs_w = os.pipe()
        self._results_r, results_w = os.pipe()
        self._cpus = _cpus()
        self._job: PrintJob | None = None
        self.pid = os.fork()
        if self._cpus is not None:
            # One core each: the worker keeps its core (and its caches) to
            # itself instead of being moved about while pandoc and the main
            # process share the other. Measured: about 8% off a clean build.
            worker_cpu = max(self._cpus)
            os.sched_setaffinity(0, {worker_cpu} if self.pid == 0 else self._cpus - {worker_cpu})
        if self.pid == 0:  # the worker
            os.close(self._jobs_w)
            os.close(self._results_r)
            self._serve(jobs_r, results_w)
        os.close(jobs_r)
        os.close(results_w)
        self._done = False

    def __enter__(self) -> PdfWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()

    @staticmethod
    def _serve(jobs: int, results: int) -> None:
        code = 0
        try:
            # Ctrl-C reaches the whole process group: the main process cleans up.
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _no_library_search()
            outcome: tuple[str, Any]
            try:
                from publish.editions.pdf import render  # the slow import, in parallel
            except (ImportError, OSError) as exc:  # WeasyPrint, or a library it loads (Pango, HarfBuzz)
                _read_all(jobs)  # take the job all the same: the main process never meets a closed pipe
                _write_all(results, pickle.dumps(("unavailable", unavailable(exc))))
                return
            from publish.errors import PublishError

            job = _read_all(jobs)
            if job:
                try:
                    outcome = ("ok", str(render(pickle.loads(job))))
                except PublishError as exc:
                    outcome = ("error", (type(exc).__name__, str(exc), exc.exit_code))
                except Exception:
                    import traceback

                    outcome = ("crash", traceback.format_exc())
                _write_all(results, pickle.dumps(outcome))
        except BaseException:
            code = 1
        finally:
            os._exit(code)  # never return into the parent's code

    def submit(self, job: PrintJob) -> None:
        self._job = job  # kept: laid out here if the worker dies
        try:
            _write_all(self._jobs_w, pickle.dumps(job))
        except BrokenPipeError:
            pass  # the worker is gone; result() says why, or lays the PDF out here
        finally:
            os.close(self._jobs_w)
            self._jobs_w = -1

    def result(self, tick: Callable[[], None] = lambda: None) -> Path:
        """Wait for the PDF, calling ``tick`` every tenth of a second; raise
        what the worker raised."""
        from publish.errors import RenderError

        while not select.select([self._results_r], [], [], 0.1)[0]:
            tick()
        data = _read_all(self._results_r)
        status = self._finish()
        if not data:
            if os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGINT, signal.SIGTERM):
                raise KeyboardInterrupt  # Ctrl-C reached the worker first
            if self._job is None:
                raise RenderError("the PDF worker stopped before it was given the PDF to lay out")
            from publish.editions.pdf import render

            return render(self._job)  # the worker died without a word: do its work here
        kind, value = pickle.loads(data)
        return outcome(kind, value)

    def cancel(self) -> None:
        """Stop the worker: the PDF is not needed, or the build failed."""
        if not self._done:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._finish()

    def _finish(self) -> int:
        """Reap the worker; its wait status (0 if reaped before)."""
        if self._done:
            return 0
        self._done = True
        for fd in (self._jobs_w, self._results_r):
            if fd >= 0:
                os.close(fd)
        self._jobs_w = self._results_r = -1
        _, status = os.waitpid(self.pid, 0)
        if self._cpus is not None:
            os.sched_setaffinity(0, self._cpus)  # the main process may use every core again
        return status


# What a library WeasyPrint loads is called on Debian and Ubuntu, by the name it is loaded as.
_DEBIAN_PACKAGES = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz-subset": "libharfbuzz-subset0",
    "harfbuzz": "libharfbuzz0b",
    "fontconfig": "libfontconfig1",
    "gobject-2.0": "libglib2.0-0",
}


def unavailable(exc: BaseException) -> str:
    """Why WeasyPrint cannot be imported, and what to install, in one message."""
    import re

    text = str(exc)
    if isinstance(exc, ImportError):
        return (
            f"WeasyPrint, which lays out the PDF, cannot be imported ({text}): reinstall publish with its "
            "dependencies, or build without the PDF (--only html,epub)"
        )
    libraries = re.findall(r"cannot load library '([^']+)'", text) or re.findall(r"lib([\w.+-]+?)\.so", text)
    names = []
    for library in libraries:
        stem = re.sub(r"^lib|\.so.*$|-\d+$|\.dylib$|\.dll$", "", library)
        package = next((p for key, p in _DEBIAN_PACKAGES.items() if stem.startswith(key)), None)
        names.append(f"{library} (Debian, Ubuntu: {package})" if package else library)
    if names:
        shown = ", ".join(dict.fromkeys(names))
        return (
            f"WeasyPrint cannot load {shown}, which it needs to lay out the PDF: install Pango and HarfBuzz "
            "with your system's packages (see the README's prerequisites), or build without the PDF "
            "(--only html,epub)"
        )
    return f"WeasyPrint, which lays out the PDF, cannot be loaded: {text}"
