"""The command line: arguments in, exit codes out; the library does the work.

Exit codes: 0 success; 1 a build failed for a reason other than its input
(``check``: a file's attribution is incomplete); 2 bad arguments, a bad
manuscript (one ``path:line: problem`` per line) or, for ``check``, an
unreadable file.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from publish import __version__
from publish.attribution import Attribution
from publish.defaults import default_manuscript
from publish.document import PAPER_SIZES
from publish.editions import FORMATS
from publish.errors import PublishError
from publish.manuscript import Manuscript, load
from publish.styles import Styles

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


_MANUSCRIPT_HELP = "the Markdown manuscript (default: the one .md file in ./manuscript/, else the bundled article)"


def _formats(value: str) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(repr(u) for u in unknown) or repr(value)}; choose from {','.join(FORMATS)}"
        )
    return tuple(f for f in FORMATS if f in chosen)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="publish",
        description="Build reproducible HTML, PDF and EPUB editions of a Creative Commons article, "
        "each carrying the licence notice and a complete attribution.",
        epilog="Exit codes: 0 success, 1 build failed, 2 bad arguments or manuscript.",
    )
    parser.add_argument("--version", action="version", version=f"publish {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="build the editions into DIR",
        description="Build the HTML, PDF and EPUB editions of MANUSCRIPT into DIR. The build is all or "
        "nothing: if any edition fails, DIR keeps its previous files byte for byte.",
        epilog="Exit codes: 0 success, 1 build failed, 2 bad arguments or manuscript.",
    )
    build.add_argument(
        "manuscript",
        nargs="?",
        type=Path,
        metavar="MANUSCRIPT",
        help=_MANUSCRIPT_HELP,
    )
    build.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR", help="output folder (default: dist)")
    build.add_argument(
        "--only",
        type=_formats,
        default=FORMATS,
        metavar="FORMATS",
        help="comma-separated editions to build, from html,pdf,epub (default: all three)",
    )
    build.add_argument(
        "--styles",
        type=Path,
        metavar="DIR",
        help="a styles folder whose files override the defaults "
        "(default: styles/ beside the manuscript or one folder up, if there is one)",
    )
    build.add_argument(
        "--paper",
        choices=PAPER_SIZES,
        default="a4",
        help="page size of the PDF edition (default: a4)",
    )
    build.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")

    check = commands.add_parser(
        "check",
        help="verify that HTML, PDF or EPUB files carry their complete attribution",
        description="Verify that each FILE (an HTML, PDF or EPUB, whoever made it) carries the complete "
        "attribution, visible and machine-readable, and that the two agree. Prints each missing or "
        "inconsistent item.",
        epilog="Exit codes: 0 complete, 1 incomplete or inconsistent, 2 unreadable or not a supported file.",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the files to check")
    check.add_argument(
        "--manuscript",
        type=Path,
        metavar="M",
        help="also check title, authors, licence, notice and credit line against this manuscript",
    )

    attribution = commands.add_parser(
        "attribution",
        help="print the credit line a republisher should use",
        description="Print the credit line for MANUSCRIPT: title, author, source and licence.",
        epilog="Exit codes: 0 success, 2 bad arguments or manuscript.",
    )
    attribution.add_argument("manuscript", nargs="?", type=Path, metavar="MANUSCRIPT", help=_MANUSCRIPT_HELP)
    attribution.add_argument(
        "--format",
        choices=("text", "html", "markdown"),
        default="text",
        help="plain text (default), HTML with ccREL metadata, or Markdown",
    )
    return parser


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _build(args: argparse.Namespace) -> int:
    from publish.build import build

    path = args.manuscript if args.manuscript is not None else default_manuscript(Path.cwd())
    display = str(args.manuscript) if args.manuscript is not None else _shown(path)  # as typed
    if args.styles is not None and not args.styles.is_dir():
        print(f"publish build: error: --styles {args.styles}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    result = build(
        path, args.out, formats=args.only, styles=args.styles, paper=args.paper, display=display, environ=os.environ
    )
    if not args.quiet:
        for output in result.outputs:
            print(f"wrote {output}")
        print(f"built {len(result.outputs)} file(s) in {time.perf_counter() - started:.2f} s")
    return EXIT_OK


def _load(given: Path | None) -> Manuscript:
    path = given if given is not None else default_manuscript(Path.cwd())
    return load(path, display=str(given) if given is not None else _shown(path))


def _check(args: argparse.Namespace) -> int:
    from publish.check import UnreadableError, check_file

    expected = Attribution.of(_load(args.manuscript)) if args.manuscript is not None else None
    worst = EXIT_OK
    for path in args.files:
        try:
            report = check_file(path, expected)
        except UnreadableError as exc:
            print(f"{path}: unreadable: {exc}")
            worst = max(worst, EXIT_USAGE)
            continue
        if report.problems:
            for problem in report.problems:
                print(f"{path}: {problem}")
            worst = max(worst, EXIT_FAILED)
        else:
            print(f"{path}: complete attribution ({report.kind})")
    return worst


def _attribution(args: argparse.Namespace) -> int:
    manuscript = _load(args.manuscript)
    styles = Styles.for_manuscript(manuscript.folder)
    extension = {"text": "txt", "html": "html", "markdown": "md"}[args.format]
    print(styles.render(f"kit/credit.{extension}.j2", a=Attribution.of(manuscript)).strip())
    return EXIT_OK


COMMANDS = {"build": _build, "check": _check, "attribution": _attribution}


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: the staging folder is removed


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return COMMANDS[args.command](args)
    except PublishError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            "publish: interrupted; the output folder holds the previous build or, if the files were "
            "already being moved into place, this one: never a mix",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
