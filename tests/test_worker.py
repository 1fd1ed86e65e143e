"""The PDF worker's failures, each injected: every one comes back with its reason
and its exit code, a dead worker's PDF is laid out in the main process, and no
worker outlives the command."""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ARTICLE

from publish.build.run import _writing, build
from publish.build.worker import PdfWorker, unavailable
from publish.errors import RenderError

ROOT = Path(__file__).resolve().parent.parent
PANGO_MISSING = (
    "cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file: "
    "No such file or directory.  Additionally, ctypes.util.find_library() did not manage to locate "
    "a library called 'libpango-1.0-0'"
)


def _reaped(pid: int) -> bool:
    """Whether ``pid`` is no child of ours any more: it ended and was waited for."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_weasyprint_that_cannot_load_pango_is_named_with_what_to_install(tmp_path: Path) -> None:
    """The build's exit code is 1 and its one line names the library and the package; no
    'Broken pipe', no traceback, and the output folder is not made."""
    fake = tmp_path / "fake"
    (fake / "weasyprint").mkdir(parents=True)
    (fake / "weasyprint" / "__init__.py").write_text(f"raise OSError({PANGO_MISSING!r})\n", encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "publish", "build", "--no-cache", "--out", str(out), str(ARTICLE)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(fake), *sys.path])},
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == (
        "error: WeasyPrint cannot load libpango-1.0-0 (Debian, Ubuntu: libpango-1.0-0), which it needs to lay "
        "out the PDF: install Pango and HarfBuzz with your system's packages (see the README's prerequisites), "
        "or build without the PDF (--only html,epub)\n"
    )
    assert not out.exists()


def test_weasyprint_not_installed_says_so() -> None:
    message = unavailable(ModuleNotFoundError("No module named 'weasyprint'"))
    assert message == (
        "WeasyPrint, which lays out the PDF, cannot be imported (No module named 'weasyprint'): reinstall "
        "publish with its dependencies, or build without the PDF (--only html,epub)"
    )


def test_a_library_not_in_the_table_is_still_named() -> None:
    message = unavailable(OSError("cannot load library 'libsomething.so.3': not found"))
    assert message.startswith("WeasyPrint cannot load libsomething.so.3, which it needs")


def _pdf(out: Path) -> bytes:
    return (out / f"{ARTICLE.stem}.pdf").read_bytes()


@pytest.fixture(scope="module")
def serial_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The article's PDF laid out in this process, with no worker."""
    out = tmp_path_factory.mktemp("serial")
    build(ARTICLE, out, formats=("pdf",), environ={})
    return _pdf(out)


def test_a_worker_killed_before_the_job_leaves_the_pdf_to_the_main_process(tmp_path: Path, serial_pdf: bytes) -> None:
    """Its pipe is closed when the job is sent: no 'Broken pipe', the same PDF."""
    with PdfWorker() as worker:
        os.kill(worker.pid, signal.SIGKILL)
        build(ARTICLE, tmp_path, formats=("pdf",), environ={}, worker=worker)
    assert _pdf(tmp_path) == serial_pdf
    assert _reaped(worker.pid)


class _KilledAfterTheJob(PdfWorker):
    def submit(self, job: object) -> None:
        super().submit(job)  # type: ignore[arg-type]
        os.kill(self.pid, signal.SIGKILL)


def test_a_worker_killed_at_work_leaves_the_pdf_to_the_main_process(tmp_path: Path, serial_pdf: bytes) -> None:
    with _KilledAfterTheJob() as worker:
        build(ARTICLE, tmp_path, formats=("pdf",), environ={}, worker=worker)
    assert _pdf(tmp_path) == serial_pdf


def test_a_failure_in_the_worker_comes_back_with_its_message(tmp_path: Path) -> None:
    """WeasyPrint's complaint about a missing image, raised in the worker, reaches the caller whole."""
    from publish.document import Document
    from publish.editions.printjob import prepare
    from publish.source.manuscript import load
    from publish.styling.styles import Styles

    manuscript = load(ARTICLE)
    document = Document.prepare(manuscript, Styles.for_manuscript(manuscript.folder, None), environ={})
    job = prepare(document, tmp_path)
    broken = dataclasses.replace(job, html=job.html.replace("<body>", '<body><img src="nowhere.png" alt="x">', 1))
    with PdfWorker() as worker:
        worker.submit(broken)
        with pytest.raises(RenderError) as raised:
            worker.result()
    assert str(raised.value).startswith("WeasyPrint reported problems:")
    assert "nowhere.png" in str(raised.value)
    assert raised.value.exit_code == 1


def test_no_worker_outlives_an_early_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`publish build --styles NOWHERE` forks the worker before it reads its arguments; it is gone when
    the command returns."""
    import publish._entry as entry
    import publish.build.worker as worker_module

    started: list[int] = []

    class Recorded(PdfWorker):
        def __init__(self) -> None:
            super().__init__()
            started.append(self.pid)

    monkeypatch.setattr(worker_module, "PdfWorker", Recorded)
    monkeypatch.setattr(sys, "argv", ["publish", "build", "--styles", "/nowhere/at/all", str(ARTICLE)])
    assert entry.main() == 2
    assert "--styles /nowhere/at/all: no such folder" in capsys.readouterr().err
    assert len(started) == 1
    assert _reaped(started[0])


def test_only_write_failures_are_called_write_failures(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    stage = tmp_path / ".dist.staging-abc123" / "book.pdf"
    assert _writing(OSError(errno.ENOSPC, "No space left on device"), out)
    assert _writing(OSError(errno.EACCES, "Permission denied", str(out / "x.pdf")), out)
    assert _writing(OSError(errno.EACCES, "Permission denied", str(stage)), out)
    assert not _writing(OSError(errno.EACCES, "Permission denied", str(tmp_path / "figure.png")), out)
    assert not _writing(BrokenPipeError(errno.EPIPE, "Broken pipe"), out)
    assert not _writing(OSError(errno.ENOENT, "No such file", str(tmp_path / ".other.staging-1" / "a")), out)


def test_a_bug_in_the_worker_comes_back_with_its_traceback(tmp_path: Path) -> None:
    from publish.document import Document
    from publish.editions.printjob import prepare
    from publish.source.manuscript import load
    from publish.styling.styles import Styles

    manuscript = load(ARTICLE)
    job = prepare(Document.prepare(manuscript, Styles.for_manuscript(manuscript.folder, None), environ={}), tmp_path)
    with PdfWorker() as worker:
        worker.submit(dataclasses.replace(job, css=None))  # type: ignore[arg-type]
        with pytest.raises(RenderError) as raised:
            worker.result()
    assert str(raised.value).startswith("the PDF worker failed:\nTraceback (most recent call last):")


def test_a_worker_stopped_by_sigterm_is_an_interruption() -> None:
    """As when Ctrl-C or a SIGTERM reaches the process group: the worker dies by the signal."""
    import time

    with PdfWorker() as worker:
        time.sleep(0.5)  # the worker has set the default handlers and is importing WeasyPrint
        os.kill(worker.pid, signal.SIGTERM)
        with pytest.raises(KeyboardInterrupt):
            worker.result()


def test_a_worker_killed_before_it_had_a_job_says_so() -> None:
    with PdfWorker() as worker:
        os.kill(worker.pid, signal.SIGKILL)
        with pytest.raises(RenderError) as raised:
            worker.result()
    assert str(raised.value) == "the PDF worker stopped before it was given the PDF to lay out"
