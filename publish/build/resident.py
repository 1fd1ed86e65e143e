"""A PDF worker that stays: one process lays out PDF after PDF (``publish preview``'s).

The CLI's worker (publish.build.worker) is forked for one build. A warm
process that rebuilds on every save cannot do that cheaply: forking it copies
its memory page by page as it writes, which slowed every rebuild by a third,
and laying the PDF out in it instead grows it by a few hundred kilobytes a
layout, which WeasyPrint and Pango keep. So this worker is a process of its
own, started once (``python -m publish.build.resident``), which imports
WeasyPrint while the first build runs and then takes one job after another
over a pipe, each framed by its length. After ``RENDERS`` layouts it is
replaced by a fresh one, started in advance, so what it keeps stays bounded.

A build sees one ``Job`` at a time, with the same submit, result and cancel
as the forked worker, and the same errors: a failure comes back with its
reason, a worker that dies is replaced and the PDF laid out in this process
instead, and a cancelled job (the build failed, or a newer save came) costs
the worker its life, since a layout cannot be stopped half way.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from publish.editions.printjob import PrintJob

RENDERS = 20  # layouts a worker does before a fresh one takes over
_HEADER = struct.Struct(">Q")


def _send(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class _Process:
    def __init__(self) -> None:
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "publish.build.resident"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.renders = 0

    def stop(self, *, busy: bool) -> None:
        """End the process: at once if it is laying a PDF out, else by closing its pipe."""
        if self.popen.stdin is not None:
            with contextlib.suppress(OSError):
                self.popen.stdin.close()
        if busy:
            with contextlib.suppress(ProcessLookupError):
                self.popen.kill()
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        if self.popen.stdout is not None:
            self.popen.stdout.close()


class ResidentWorker:
    """Owns the worker process (and its successor); a ``with`` block ends both."""

    def __init__(self) -> None:
        self._current = _Process()
        self._spare: _Process | None = None
        self.closing = False  # set when the owner is stopping: a worker that goes is not replaced

    def __enter__(self) -> ResidentWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, *, busy: bool = False) -> None:
        self._current.stop(busy=busy)
        if self._spare is not None:
            self._spare.stop(busy=False)
        self._spare = None

    def job(self) -> Job:
        """The worker's side of one build."""
        return Job(self)

    @property
    def pids(self) -> list[int]:
        return [p.popen.pid for p in (self._current, self._spare) if p is not None]

    def _replace(self, *, busy: bool = False) -> None:
        """A fresh process takes over: the spare, if one was started, else a new one."""
        self._current.stop(busy=busy)
        if self.closing:
            return
        self._current = self._spare if self._spare is not None else _Process()
        self._spare = None

    def _rendered(self) -> None:
        self._current.renders += 1
        if self._current.renders == RENDERS - 1 and self._spare is None:
            self._spare = _Process()  # importing WeasyPrint while the last layouts run
        elif self._current.renders >= RENDERS:
            self._replace()


class Job:
    """One PDF for one build, laid out by the resident worker."""

    def __init__(self, owner: ResidentWorker) -> None:
        self._owner = owner
        self._job: PrintJob | None = None
        self._pending = False

    def submit(self, job: PrintJob) -> None:
        self._job = job
        process = self._owner._current.popen
        try:
            assert process.stdin is not None
            _send(process.stdin, job)
            self._pending = True
        except (BrokenPipeError, OSError):
            self._pending = True  # result() finds the worker gone, and lays the PDF out here

    def result(self, tick: Callable[[], None] = lambda: None) -> Path:
        """Wait for the PDF, calling ``tick`` every tenth of a second; raise what the worker raised."""
        from publish.build.worker import outcome
        from publish.errors import RenderError

        process = self._owner._current.popen
        stdout = process.stdout
        assert stdout is not None
        try:
            while not select.select([stdout], [], [], 0.1)[0]:
                tick()
            kind, value = _receive(stdout)
        except (EOFError, OSError, ValueError):
            self._pending = False
            self._owner._replace(busy=True)
            if self._job is None:
                raise RenderError("the PDF worker stopped before it was given the PDF to lay out") from None
            from publish.editions.pdf import render

            return render(self._job)  # the worker died without a word: do its work here
        self._pending = False
        if kind == "unavailable":
            self._owner._replace()  # and the next build tries a fresh one
        else:
            self._owner._rendered()
        return outcome(kind, value)

    def cancel(self) -> None:
        """The PDF is not needed: if it is being laid out, the worker goes, and a fresh one comes."""
        if self._pending:
            self._pending = False
            self._owner._replace(busy=True)


def _die_with_parent() -> None:
    """Linux: be killed if the process that started this one dies without ending it (killed
    itself), rather than lay out a PDF for nobody into a folder that is gone."""
    import ctypes
    import signal

    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


def main() -> None:
    """The worker's loop: a job in, its outcome out, until the pipe closes."""
    import signal
    import traceback

    from publish.build.worker import _no_library_search, unavailable

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the preview, which then ends this
    _die_with_parent()
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print goes to stderr, not into the results
    jobs = sys.stdin.buffer
    _no_library_search()
    try:
        from publish.editions.pdf import render
    except (ImportError, OSError) as exc:
        reason = unavailable(exc)
        with contextlib.suppress(EOFError, BrokenPipeError):
            while True:
                _receive(jobs)
                _send(results, ("unavailable", reason))
        return
    from publish.errors import PublishError

    while True:
        try:
            job = _receive(jobs)
        except EOFError:
            return
        try:
            outcome: tuple[str, Any] = ("ok", str(render(job)))
        except PublishError as exc:
            outcome = ("error", (type(exc).__name__, str(exc), exc.exit_code))
        except Exception:
            outcome = ("crash", traceback.format_exc())
        try:
            _send(results, outcome)
        except BrokenPipeError:
            return


if __name__ == "__main__":
    main()
