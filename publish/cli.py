"""The command line: arguments in, exit codes out; the library does the work.

Exit codes: 0 success; 1 a build failed for a reason other than its input
(``check``: a file's attribution is incomplete); 2 bad arguments, a bad
manuscript (one ``path:line: problem`` per line) or, for ``check``, an
unreadable file.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from publish import __version__
from publish.errors import PublishError, shown_path
from publish.options import FORMATS, PAPER_SIZES, SIGNING_KEY_VARIABLE, SIGNING_PASSWORD_VARIABLE
from publish.styling.defaults import default_manuscript

if TYPE_CHECKING:
    from publish.build.cache import Cache
    from publish.build.worker import PdfWorker
    from publish.source.manuscript import Manuscript

# Heavy modules are imported inside the commands that need them: `publish build`
# starts the PDF worker before anything slow is imported, and a cached rebuild
# never imports pandoc, jinja2, lxml or WeasyPrint at all.

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
        nargs="*",
        type=Path,
        metavar="MANUSCRIPT",
        help=_MANUSCRIPT_HELP + "; several files, or a folder, build a collection into DIR/<slug>/",
    )
    build.add_argument(
        "--keep-going",
        action="store_true",
        help="in a collection, build the manuscripts that can be built; the others keep their editions (exit 2)",
    )
    build.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        metavar="N",
        help="in a collection, build N articles at once, each process importing WeasyPrint once "
        "(default: the number of cores)",
    )
    build.add_argument(
        "--base-url",
        type=_base_url,
        metavar="URL",
        help="where DIR will be deployed, such as https://example.org/articles/: the OPDS and Atom feeds' "
        "links become absolute (default: relative links, which work from a downloaded folder)",
    )
    build.add_argument(
        "--shard",
        metavar="K/N",
        help="build only shard K of N of the collection: the articles whose slug's digest falls to it, the "
        "same share however it is run; join the shards' folders with `publish merge`",
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
    build.add_argument(
        "--no-cache",
        action="store_true",
        help="build everything afresh, without reading or writing the cache",
    )
    build.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="where finished work is kept between builds (default: $PUBLISH_CACHE_DIR, else "
        "$XDG_CACHE_HOME/publish, else ~/.cache/publish); it never changes an output byte",
    )
    build.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing on success (without it, builds over 2 s show each edition as it finishes)",
    )

    merge = commands.add_parser(
        "merge",
        help="join the folders of a sharded build into one collection",
        description="Join the output folders that `publish build --shard K/N` made into one collection in DIR: "
        "every article, one SHA256SUMS and one manifest.json, byte for byte what one build of the whole "
        "collection writes. Each shard's SHA256SUMS is verified first; DIR is replaced in one step.",
        epilog="Exit codes: 0 success, 2 bad arguments, a shard that does not verify, or two shards with one article.",
    )
    merge.add_argument("shards", nargs="+", type=Path, metavar="SHARD_DIR", help="a shard's output folder")
    merge.add_argument("--out", type=Path, required=True, metavar="DIR", help="the collection's folder")
    merge.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")

    sign = commands.add_parser(
        "sign",
        help="sign DIR's SHA256SUMS with a minisign key",
        description="Write DIR/SHA256SUMS.minisig: an Ed25519 signature of the checksums in minisign's format, "
        "made with a secret key as `minisign -G` writes it. Readers check it with `minisign -Vm SHA256SUMS -p "
        "KEY.pub` or `publish verify`. The same key and checksums always give the same signature.",
        epilog=f"The key may instead come from ${SIGNING_KEY_VARIABLE} (its file's text); a password-protected key "
        f"reads its password from ${SIGNING_PASSWORD_VARIABLE}. "
        "Exit codes: 0 signed, 2 no key, a wrong password, or no build.",
    )
    sign.add_argument("folder", type=Path, metavar="DIR", help="a build's output folder")
    sign.add_argument("--key", type=Path, metavar="FILE", help="the minisign secret key")
    sign.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")

    verify = commands.add_parser(
        "verify",
        help="check DIR's signature, then every checksum",
        description="Check DIR/SHA256SUMS.minisig against the publisher's public key, then every file "
        "SHA256SUMS lists against its checksum.",
        epilog="Exit codes: 0 every file is what the publisher signed; 1 something was changed (a file, the "
        "checksums, or the signature); 2 something is missing or cannot be read.",
    )
    verify.add_argument("folder", type=Path, metavar="DIR", help="the downloaded folder")
    verify.add_argument("--public-key", type=Path, required=True, metavar="KEY",
                        help="the publisher's public key: minisign's .pub file, or the key itself (RW…), "
                        "as `minisign -P` takes it")  # fmt: skip

    preview = commands.add_parser(
        "preview",
        help="build, serve the editions in a browser, and rebuild on every save",
        description="Build the editions of MANUSCRIPT into DIR, as `publish build` does, and serve them on "
        "this machine with an index page and the result of `publish check`. Every save of the manuscript, "
        "its images, the styles or the templates rebuilds what changed, and each open page reloads by "
        "itself. A manuscript that does not build shows its problems over the last good editions.",
        epilog="Ctrl-C stops it (exit 0). Exit codes: 2 bad arguments; 1 the server could not start.",
    )
    preview.add_argument("manuscript", nargs="?", type=Path, metavar="MANUSCRIPT", help=_MANUSCRIPT_HELP)
    preview.add_argument("--out", type=Path, default=Path("dist"), metavar="DIR", help="output folder (default: dist)")
    preview.add_argument("--styles", type=Path, metavar="DIR", help="a styles folder, as for `publish build`")
    preview.add_argument("--paper", choices=PAPER_SIZES, default="a4", help="page size of the PDF (default: a4)")
    preview.add_argument("--no-cache", action="store_true", help="keep finished work in memory only")
    preview.add_argument("--cache-dir", type=Path, metavar="DIR", help="where finished work is kept, as for build")
    preview.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default: 127.0.0.1, this machine only; anything else is said aloud)",
    )
    preview.add_argument(
        "--port", type=int, default=0, help="the port to listen on (default: a free one, printed at the start)"
    )
    preview.add_argument("--open", action="store_true", help="open the index page in the default browser")

    check = commands.add_parser(
        "check",
        help="verify that HTML, PDF or EPUB files carry what their Creative Commons licence requires",
        description="Verify that each FILE (an HTML, XHTML, PDF or EPUB, whoever made it) carries what its "
        "Creative Commons licence requires, visibly and for machines, and claims nothing it may not. Each "
        "finding has a rule code and a level: errors are what the licence requires and the file lacks, "
        "contradicts or falsely claims; warnings are recommended machine-readable fields it lacks. The "
        "README lists every rule with its source.",
        epilog="Exit codes: 0 no errors (warnings allowed), 1 errors (or, with --strict, warnings), "
        "2 unreadable or not a supported file.",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the files to check")
    check.add_argument(
        "--manuscript",
        type=Path,
        metavar="M",
        help="also check title, authors, licence and notice against this manuscript, and, where the file says "
        "the text is unchanged or the licence is NoDerivatives, that its words are the manuscript's",
    )
    check.add_argument("--strict", action="store_true", help="warnings count as errors (exit 1)")
    check.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text: one `FILE:WHERE: level [code] message` line a finding (default); json: one document for CI",
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


PROGRESS_AFTER = 2.0  # seconds: shorter builds just print what they wrote ($PUBLISH_PROGRESS_AFTER)


class _Progress:
    """Each part of a long build as it finishes, with its time, on stderr.

    Nothing is shown for the first PROGRESS_AFTER seconds; from then on, the
    parts finished so far and each one after it, as it finishes. The build
    calls it with an empty part while it waits, so the parts already done
    appear on time even while the PDF is still being laid out.
    """

    def __init__(self, quiet: bool, after: float = PROGRESS_AFTER) -> None:
        self.quiet = quiet
        self.after = after
        self.started = time.perf_counter()
        self.pending: list[str] = []

    def __call__(self, part: str, seconds: float, cached: bool) -> None:
        if self.quiet:
            return
        if part:
            self.pending.append(f"  {part:<5} {'from the cache' if cached else f'{seconds:.2f} s'}")
        if time.perf_counter() - self.started >= self.after:
            for line in self.pending:
                print(line, file=sys.stderr, flush=True)
            self.pending.clear()


def _base_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in value for c in ' <>"{}|\\^`\n\r\t'):
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected an http(s) address, such as https://example.org/articles/"
        )
    return value


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a whole number of at least 1")
    return int(value)


def _collection(given: list[Path], shard: str | None) -> list[Path] | None:
    """The manuscripts of a collection build, or None for one manuscript (today's layout)."""
    if len(given) > 1 or (len(given) == 1 and given[0].is_dir()) or (given and shard is not None):
        return given
    if not given:
        local = Path("manuscript")
        found = [p for p in local.glob("*.md") if not p.name.startswith(".")] if local.is_dir() else []
        if len(found) > 1:  # several manuscripts in ./manuscript/: all of them
            return [local]
    return None


def _build(args: argparse.Namespace, worker: PdfWorker | None) -> int:
    collection = _collection(args.manuscript, args.shard)
    if collection is not None:
        if worker is not None:
            worker.cancel()
        return _build_collection(args, collection)
    args.manuscript = args.manuscript[0] if args.manuscript else None
    for given, name in ((args.keep_going, "--keep-going"), (args.jobs, "--jobs"), (args.shard, "--shard")):
        if given:
            if worker is not None:
                worker.cancel()
            print(
                f"publish build: error: {name} is for a collection: several manuscripts, or a folder", file=sys.stderr
            )
            return EXIT_USAGE
    if worker is None and "pdf" in args.only and os.name == "posix":
        from publish.build.worker import PdfWorker

        with PdfWorker() as ours:  # imports WeasyPrint on the other core from now on
            return _build_with(args, ours)
    if worker is not None and "pdf" not in args.only:
        worker.cancel()
        worker = None
    return _build_with(args, worker)


def _build_collection(args: argparse.Namespace, paths: list[Path]) -> int:
    from publish.build.cache import Cache, default_root
    from publish.build.collection import build_collection, parse_shard
    from publish.build.parallel import default_jobs

    started = time.perf_counter()
    if args.styles is not None and not args.styles.is_dir():
        print(f"publish build: error: --styles {args.styles}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    shard = parse_shard(args.shard) if args.shard is not None else None
    cache = None if args.no_cache else Cache(args.cache_dir or default_root())
    result = build_collection(
        paths,
        args.out,
        formats=args.only,
        styles=args.styles,
        paper=args.paper,
        environ=os.environ,
        cache=cache,
        keep_going=args.keep_going,
        jobs=args.jobs or default_jobs(),
        shard=shard,
        progress=None if args.quiet else _collection_progress,
        base_url=args.base_url,
    )
    for line in result.problems:
        print(line, file=sys.stderr)
    took = time.perf_counter() - started
    if args.quiet:
        pass
    elif result.up_to_date:
        print(f"{args.out} is up to date: its {result.articles} article(s) and {result.files} files are what "
              f"this build would write ({took:.2f} s)")  # fmt: skip
    else:
        made = f"built {len(result.built)} article(s)"
        if result.reused:
            made += f", {len(result.reused)} unchanged"
        kept = f"; {len(result.kept)} kept their previous editions ({', '.join(result.kept)})" if result.kept else ""
        print(f"{made} into {args.out}: {result.articles} article(s), {result.files} files, in {took:.2f} s{kept}")
    return EXIT_USAGE if result.problems else EXIT_OK


def _collection_progress(done: int, total: int, slug: str, outcome: str, left: float | None) -> None:
    """One line an article, on stderr: how many are done, and about how long the rest will take."""
    width = len(str(total))
    remaining = f", about {_duration(left)} left" if left is not None and done < total else ""
    failed = " FAILED" if outcome != "built" else ""
    print(f"[{done:>{width}}/{total}] {slug}{failed}{remaining}", file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    whole = max(1, round(seconds))
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


def _merge(args: argparse.Namespace, worker: PdfWorker | None) -> int:
    from publish.build.collection import merge

    started = time.perf_counter()
    result = merge(args.shards, args.out)
    if not args.quiet:
        print(f"merged {len(args.shards)} shard(s) into {args.out}: {result.articles} article(s), "
              f"{result.files} files, in {time.perf_counter() - started:.2f} s")  # fmt: skip
    return EXIT_OK


def _build_with(args: argparse.Namespace, worker: PdfWorker | None) -> int:
    started = time.perf_counter()
    from publish.build.cache import Cache, default_root

    path = args.manuscript if args.manuscript is not None else default_manuscript(Path.cwd())
    display = str(args.manuscript) if args.manuscript is not None else shown_path(path)  # as typed
    if args.styles is not None and not args.styles.is_dir():
        if worker is not None:
            worker.cancel()
        print(f"publish build: error: --styles {args.styles}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    after = os.environ.get("PUBLISH_PROGRESS_AFTER", "")
    try:
        progress_after = float(after) if after else PROGRESS_AFTER
    except ValueError:
        if worker is not None:
            worker.cancel()
        print(f"publish build: error: PUBLISH_PROGRESS_AFTER={after!r}: expected a number of seconds", file=sys.stderr)
        return EXIT_USAGE
    cache = None if args.no_cache else Cache(args.cache_dir or default_root())
    if cache is not None:
        from publish.build.stamp import unchanged
        from publish.room.names import normal_base_url

        held = unchanged(cache, path, args.out, styles=args.styles, formats=args.only, paper=args.paper,
                         environ=os.environ, base_url=normal_base_url(args.base_url))  # fmt: skip
        if held is not None:  # nothing to do: not even the manuscript is parsed
            if worker is not None:
                worker.cancel()
            if not args.quiet:
                took = time.perf_counter() - started
                print(f"{args.out} is up to date: its {len(held)} files are what this build would write ({took:.2f} s)")
            return EXIT_OK
    from publish.build.run import build

    result = build(
        path,
        args.out,
        formats=args.only,
        styles=args.styles,
        paper=args.paper,
        display=display,
        environ=os.environ,
        cache=cache,
        worker=worker,
        progress=_Progress(args.quiet, progress_after),
        base_url=args.base_url,
    )
    if not args.quiet:
        for output in result.outputs:
            print(f"wrote {output}")
        reused = f" ({', '.join(result.cached)} from the cache)" if result.cached else ""
        print(f"built {len(result.outputs)} file(s) in {time.perf_counter() - started:.2f} s{reused}")
    return EXIT_OK


def _preview(args: argparse.Namespace, worker: PdfWorker | None) -> int:
    from publish.build.cache import Cache, default_root

    path = args.manuscript if args.manuscript is not None else default_manuscript(Path.cwd())
    display = str(args.manuscript) if args.manuscript is not None else shown_path(path)
    if args.styles is not None and not args.styles.is_dir():
        print(f"publish preview: error: --styles {args.styles}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    if not path.exists():  # nothing to watch: as `publish build` would, refuse it
        print(f"{display}:1: no such file; check the path", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.port <= 65535:
        print(f"publish preview: error: --port {args.port}: choose 1-65535, or 0 for a free one", file=sys.stderr)
        return EXIT_USAGE
    if args.no_cache:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="publish-preview-cache-") as scratch:  # this session's only
            return _serve(args, path, display, Cache(Path(scratch)))
    return _serve(args, path, display, Cache(args.cache_dir or default_root()))


def _serve(args: argparse.Namespace, path: Path, display: str, cache: Cache) -> int:
    from publish.preview import Options, preview

    options = Options(
        manuscript=path,
        out_dir=args.out,
        display=display,
        styles=args.styles,
        paper=args.paper,
        cache=cache,
        host=args.host,
        port=args.port,
        open_browser=args.open,
    )
    try:
        return preview(options)
    except OSError as exc:
        where = f"{args.host}:{args.port}"
        print(f"publish preview: error: cannot listen on {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED


def _load(given: Path | None) -> Manuscript:
    from publish.source.manuscript import load

    path = given if given is not None else default_manuscript(Path.cwd())
    return load(path, display=str(given) if given is not None else shown_path(path))


def _check(args: argparse.Namespace, worker: PdfWorker | None) -> int:
    from publish.attribution.check import UnreadableError, check_file, expect

    expected = expect(_load(args.manuscript)) if args.manuscript is not None else None
    worst = EXIT_OK
    results: list[dict[str, object]] = []
    for path in args.files:
        try:
            report = check_file(path, expected)
        except UnreadableError as exc:
            results.append(
                {"file": str(path), "kind": None, "status": "unreadable", "message": str(exc), "findings": []}
            )
            if args.format == "text":
                print(f"{path}: unreadable: {exc}")
            worst = max(worst, EXIT_USAGE)
            continue
        failed = bool(report.errors(args.strict))
        worst = max(worst, EXIT_FAILED if failed else EXIT_OK)
        findings = [
            {"code": f.code, "level": f.level, "where": f.where, "message": f.message, "source": f.rule.source}
            for f in report.findings
        ]
        results.append(
            {"file": str(path), "kind": report.kind, "status": "fail" if failed else "pass", "findings": findings}
        )
        if args.format != "text":
            continue
        for line in report.lines(str(path), args.strict):
            print(line)
    if args.format == "json":
        print(json.dumps({"strict": args.strict, "exit": worst, "files": results}, ensure_ascii=False, indent=2))
    return worst


def _attribution(args: argparse.Namespace, worker: PdfWorker | None) -> int:
    from publish.attribution.model import Attribution
    from publish.styling.styles import Styles

    manuscript = _load(args.manuscript)
    styles = Styles.for_manuscript(manuscript.folder)
    extension = {"text": "txt", "html": "html", "markdown": "md"}[args.format]
    print(styles.render(f"kit/credit.{extension}.j2", a=Attribution.of(manuscript)).strip())
    return EXIT_OK


def _sign(args: argparse.Namespace, worker: PdfWorker | None) -> int:
    from publish.room.sign import load_secret_key, sign

    key = load_secret_key(args.key, os.environ)
    target = sign(args.folder, key)
    if not args.quiet:
        print(f"wrote {target} (key {key.key_id_text})")
    return EXIT_OK


def _verify(args: argparse.Namespace, worker: PdfWorker | None) -> int:
    import re

    from publish.room.sign import read_public_key, verify

    given = str(args.public_key)
    if not args.public_key.exists() and re.fullmatch(r"RW[A-Za-z0-9+/]{54}", given):
        text = given  # the key itself, as `minisign -P` takes it
    else:
        try:
            text = args.public_key.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"publish verify: error: --public-key {given}: cannot be read ({exc})", file=sys.stderr)
            return EXIT_USAGE
    done = verify(args.folder, read_public_key(text, str(args.public_key)))
    print(f"{args.folder}: signature good (key {done.key_id}; {done.trusted_comment.replace(chr(9), ', ')}); "
          f"{done.files} files match their checksums")  # fmt: skip
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, PdfWorker | None], int]] = {
    "build": _build,
    "merge": _merge,
    "sign": _sign,
    "verify": _verify,
    "preview": _preview,
    "check": _check,
    "attribution": _attribution,
}


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: the staging folder is removed


def main(argv: Sequence[str] | None = None, *, worker: PdfWorker | None = None) -> int:
    """Run one command. ``worker`` is a PdfWorker the entry point started early."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        args = _parser().parse_args(argv)
    except SystemExit:
        if worker is not None:
            worker.cancel()
        raise
    try:
        if args.command != "build" and worker is not None:
            worker.cancel()
        return COMMANDS[args.command](args, worker)
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
