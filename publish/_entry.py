"""The ``publish`` command's first moments: start the PDF worker, then the CLI.

This module imports nothing slow. When the command will build a PDF, the
worker is forked here, a few milliseconds after the interpreter starts, so
that WeasyPrint's import (most of a build's time) begins at once on the
second core; everything else, argument parsing included, happens meanwhile.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

_VALUED = ("--out", "--only", "--styles", "--paper", "--cache-dir", "--jobs", "-j", "--shard")


def _collection(argv: list[str]) -> bool:
    """Several manuscripts, a folder, or a collection's options: a collection, whose build
    processes import WeasyPrint themselves; a worker here would only take a core from them."""
    if any(a in argv or any(x.startswith(a + "=") for x in argv) for a in ("--jobs", "-j", "--shard", "--keep-going")):
        return True
    given = [a for i, a in enumerate(argv[1:], 1) if not a.startswith("-") and argv[i - 1] not in _VALUED]
    if len(given) > 1 or any(Path(a).is_dir() for a in given):
        return True
    local = Path("manuscript")
    return not given and local.is_dir() and sum(p.suffix == ".md" and p.name[0] != "." for p in local.iterdir()) > 1


def _wants_pdf(argv: list[str]) -> bool:
    """A quick look at the arguments; argparse reads them properly later."""
    if not argv or argv[0] != "build" or "-h" in argv or "--help" in argv or os.name != "posix":
        return False
    if _collection(argv):
        return False
    for index, argument in enumerate(argv):
        if argument == "--only":
            return index + 1 < len(argv) and "pdf" in argv[index + 1]
        if argument.startswith("--only="):
            return "pdf" in argument
    return True


def main() -> int:
    with contextlib.ExitStack() as owner:  # the worker, if any, never outlives this block
        worker = None
        if _wants_pdf(sys.argv[1:]):
            from publish.build.worker import PdfWorker

            worker = owner.enter_context(PdfWorker())
        from publish.cli import EXIT_INTERRUPTED
        from publish.cli import main as cli_main

        code = cli_main(worker=worker)
    if code == EXIT_INTERRUPTED:
        # Everything is cleaned up already. Leave now: after a Ctrl-C with the
        # PDF worker running, CPython's own shutdown was seen to end some
        # runs by SIGINT (status -2) instead of returning 130.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
