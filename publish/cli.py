"""The command line: arguments in, exit codes out; the library does the work.

Exit codes: 0 success; 1 a build failed for a reason other than its input;
2 bad arguments or a bad manuscript (one ``path:line: problem`` per line).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from publish import __version__
from publish.defaults import default_manuscript
from publish.document import PAPER_SIZES
from publish.editions import FORMATS
from publish.errors import PublishError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


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
        help="the Markdown manuscript (default: the one .md file in ./manuscript/, else the bundled article)",
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
    display = str(args.manuscript) if args.manuscript is not None else _shown(path)
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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "build":
            return _build(args)
        raise AssertionError(args.command)  # pragma: no cover - argparse restricts commands
    except PublishError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("publish: interrupted; the output folder is unchanged", file=sys.stderr)
        return EXIT_INTERRUPTED
