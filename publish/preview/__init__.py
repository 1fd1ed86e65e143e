"""Live preview for editors: ``publish preview`` builds, serves, watches and rebuilds.

It owns the warm process an editor keeps open while correcting an article:
the watcher (``rebuild``), the builder thread and the last good editions in
memory (``state``), the read-only web server (``server``) and the pages only
it serves (``pages``). It builds with ``publish.build``, exactly as
``publish build`` does, so the output folder holds the same bytes.
"""

from __future__ import annotations

import signal
import sys
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from publish.build.cache import Cache
from publish.preview.rebuild import Rebuilder, watch
from publish.preview.server import LOCAL_NAMES, PreviewServer
from publish.preview.state import Live


@dataclass(frozen=True)
class Options:
    manuscript: Path
    out_dir: Path
    display: str
    styles: Path | None = None
    paper: str = "a4"
    cache: Cache | None = None
    host: str = "127.0.0.1"
    port: int = 0
    open_browser: bool = False


def _exposure(host: str, port: int) -> str | None:
    """What binding to ``host`` exposes, unless it is this machine alone."""
    if host in ("127.0.0.1", "::1", "localhost"):
        return None
    who = "anyone who can reach this machine" if host in ("0.0.0.0", "::", "") else f"anyone who can reach {host}"
    return (
        f"preview: listening on {host}:{port}, not only on this machine: {who} on port {port} can read the "
        "editions, the republisher kit, the manuscript's text in them and the check results, with no password. "
        "Stop it when you are done."
    )


def preview(options: Options) -> int:
    """Serve until Ctrl-C or SIGTERM; then stop the server, the watcher and the builder, and return 0."""
    live = Live()
    rebuilder = Rebuilder(
        options.manuscript,
        options.out_dir,
        live,
        styles=options.styles,
        paper=options.paper,
        display=options.display,
        cache=options.cache,
    )
    server = PreviewServer((options.host, options.port), live, options.out_dir, options.display)
    shown_host = options.host if options.host not in ("0.0.0.0", "::", "") else LOCAL_NAMES[0]
    if ":" in shown_host and not shown_host.startswith("["):
        shown_host = f"[{shown_host}]"
    url = f"http://{shown_host}:{server.port}/"
    stop = threading.Event()
    watching = threading.Event()
    builder = threading.Thread(target=rebuilder.run, name="publish-preview-builder", daemon=True)
    watcher = threading.Thread(
        target=watch, args=(rebuilder, stop, watching), name="publish-preview-watcher", daemon=True
    )

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        builder.start()
        watcher.start()
        warning = _exposure(options.host, server.port)
        if warning is not None:
            print(warning, file=sys.stderr, flush=True)
        print(f"preview: {url} (Ctrl-C stops it)", flush=True)
        if options.open_browser:
            webbrowser.open(url)
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C or SIGTERM must not cut the clean-up short: it is quick, since a build in
        # progress stops at its next step.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
        stop.set()
        rebuilder.stop()
        live.close()
        server.server_close()
        watcher.join(timeout=10)
        builder.join(timeout=60)  # a build in progress is rolled back, and the PDF worker ended, first
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, interrupt)
    print("preview: stopped", file=sys.stderr, flush=True)
    return 0
