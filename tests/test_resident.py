"""The preview's resident PDF worker (publish.build.resident): it lays out PDF after PDF with
the same bytes as a serial build, is replaced after RENDERS layouts, and every failure comes
back with its reason: an error from WeasyPrint, a worker killed at work, a cancelled job,
WeasyPrint that cannot be imported."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest
from commands import snapshot
from conftest import ARTICLE, ROOT

import publish.build.resident as resident
from publish.build.resident import ResidentWorker
from publish.build.run import build
from publish.editions.printjob import PrintJob, Rights
from publish.errors import RenderError, ToolError

PANGO_MISSING = "cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text().lower()


def test_many_layouts_in_one_process_give_the_serial_bytes(tmp_path: Path) -> None:
    build(ARTICLE, tmp_path / "serial", environ={})
    with ResidentWorker() as worker:
        (pid,) = worker.pids
        for n in range(3):
            build(ARTICLE, tmp_path / f"resident-{n}", environ={}, worker=worker.job(), order=("html", "pdf", "epub"))
            assert snapshot(tmp_path / f"resident-{n}") == snapshot(tmp_path / "serial")
        assert worker.pids == [pid], "one process laid out all three"
    assert not _alive(pid)


def test_after_its_share_of_layouts_a_fresh_worker_takes_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resident, "RENDERS", 2)
    with ResidentWorker() as worker:
        (first,) = worker.pids
        build(ARTICLE, tmp_path / "a", environ={}, worker=worker.job())
        assert len(worker.pids) == 2, "the spare starts one layout early"
        spare = worker.pids[1]
        build(ARTICLE, tmp_path / "b", environ={}, worker=worker.job())
        assert worker.pids == [spare]
        assert not _alive(first)
        build(ARTICLE, tmp_path / "c", environ={}, worker=worker.job())
        assert snapshot(tmp_path / "c") == snapshot(tmp_path / "a")


def test_a_worker_killed_at_work_leaves_the_pdf_to_this_process(tmp_path: Path) -> None:
    build(ARTICLE, tmp_path / "serial", environ={}, formats=("pdf",))
    with ResidentWorker() as worker:
        (pid,) = worker.pids
        job = worker.job()

        def kill_the_worker(part: str, seconds: float, cached: bool) -> None:
            if part == "html":  # after the PDF went to the worker
                os.kill(pid, signal.SIGKILL)

        build(ARTICLE, tmp_path / "killed", environ={}, worker=job, order=("pdf", "html"), progress=kill_the_worker)
        assert (tmp_path / "killed" / f"{ARTICLE.stem}.pdf").read_bytes() == (
            tmp_path / "serial" / f"{ARTICLE.stem}.pdf"
        ).read_bytes()
        assert worker.pids != [pid], "a fresh worker replaced the dead one"
        build(ARTICLE, tmp_path / "after", environ={}, worker=worker.job(), formats=("pdf",))
        assert (tmp_path / "after" / f"{ARTICLE.stem}.pdf").is_file()


def test_an_error_in_the_worker_comes_back_with_its_message(tmp_path: Path) -> None:
    literata = ROOT / "styles" / "fonts" / "literata" / "Literata-Regular.ttf"
    job = PrintJob(
        html='<html lang="en"><body><p>Literata has no smile: ☺</p></body></html>',
        css=f'@font-face {{ font-family: "Literata"; src: url("{literata.as_uri()}"); }} '
        "html { font-family: Literata; }",
        base_url=tmp_path.as_uri() + "/",
        roots=(tmp_path, literata.parent),
        rights=Rights("rights", "https://creativecommons.org/licenses/by/4.0/", "terms", "Jane Roe"),
        source_date_epoch=1700000000,
        target=tmp_path / "out.pdf",
    )
    with ResidentWorker() as worker:
        (pid,) = worker.pids
        one = worker.job()
        one.submit(job)
        with pytest.raises(RenderError, match=r'\.notdef glyph rendered for Unicode string unsupported by fonts: "☺"'):
            one.result()
        assert worker.pids == [pid], "an error is an answer: the worker lives on"


def test_a_cancelled_layout_costs_the_worker_its_life(tmp_path: Path) -> None:
    with ResidentWorker() as worker:
        (pid,) = worker.pids
        job = worker.job()
        job.cancel()  # nothing submitted: nothing to stop
        assert worker.pids == [pid]
        from publish.document import Document
        from publish.editions.printjob import prepare
        from publish.source.manuscript import load
        from publish.styling.styles import Styles

        manuscript = load(ARTICLE)
        document = Document.prepare(manuscript, Styles.for_manuscript(manuscript.folder))
        job.submit(prepare(document, tmp_path))
        job.cancel()
        assert not _alive(pid)
        assert len(worker.pids) == 1
        assert worker.pids != [pid]


def test_weasyprint_that_cannot_be_imported_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "fake"
    (fake / "weasyprint").mkdir(parents=True)
    (fake / "weasyprint" / "__init__.py").write_text(f"raise OSError({PANGO_MISSING!r})\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(fake), *sys.path]))
    with ResidentWorker() as worker, pytest.raises(ToolError, match=r"WeasyPrint cannot load libpango-1\.0-0"):
        build(ARTICLE, tmp_path / "out", environ={}, worker=worker.job())
    assert not (tmp_path / "out").exists()
