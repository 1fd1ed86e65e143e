"""The preview's parts, in this process: which changes rebuild, the pages it writes, and the
server's answers in every state, against a real build of the article."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ARTICLE

from publish.build.cache import Cache
from publish.build.run import build
from publish.preview import pages
from publish.preview.rebuild import Rebuilder
from publish.preview.server import PreviewServer, allowed_hosts
from publish.preview.state import Check, Live

SLUG = ARTICLE.stem


# -- which changes rebuild ---------------------------------------------------------------------


def test_only_changes_that_can_change_an_edition_rebuild(tmp_path: Path) -> None:
    project = tmp_path / "project"
    folder = project / "manuscript"
    (folder / "images").mkdir(parents=True)
    (project / "styles" / "css").mkdir(parents=True)
    manuscript = folder / "article.md"
    manuscript.write_text(
        "![A chart](images/chart%20one.png) and ![another](./images/two.png); republished, see images.\n",
        encoding="utf-8",
    )
    out, cache = folder / "dist", tmp_path / "cache"
    rebuilder = Rebuilder(manuscript, out, Live(), cache=Cache(cache))
    styles = (project / "styles").resolve()
    assert rebuilder.watched()[0] == folder.resolve()
    assert styles in rebuilder.watched()
    here = folder.resolve()
    rebuilds = {
        here / "article.md": True,
        here / "images" / "chart one.png": True,  # named in the manuscript, URL-encoded there
        styles / "css" / "screen.css": True,
        styles / "templates" / "html.html.j2": True,
        here / "images" / "two.png": True,  # named as ./images/two.png
        here / "images" / "other.png": False,  # named nowhere
        here / "images": False,  # a folder, though "images" is a word of the text
        here / "republish" / "x.txt": False,
        here / "notes.log": False,
        here / ".#article.md": False,  # Emacs's lock
        here / "article.md~": False,
        here / ".article.md.swp": False,
        here / "4913": False,  # vim's probe
        styles / ".git" / "index": False,
        styles / "css" / "__pycache__" / "x.pyc": False,
        out.resolve() / f"{SLUG}.html": False,
        here / "dist" / "republish" / "attribution.md": False,
        cache.resolve() / "ab" / "entry": False,
        tmp_path.resolve() / "elsewhere.md": False,
    }
    for path, expected in rebuilds.items():
        assert rebuilder.relevant(path) is expected, path
    manuscript.unlink()
    assert rebuilder.relevant(here / "images" / "chart one.png") is False  # nothing names it now


# -- the pages ---------------------------------------------------------------------------------


def _state(**changes: object) -> dict:
    state = {
        "version": 5,
        "generation": 2,
        "editions": {"html": 1, "epub": 1, "pdf": 1},
        "slug": SLUG,
        "building": False,
        "problems": [],
        "seconds": {"html": 0.07, "epub": 0.1, "pdf": 0.3},
        "checks": [],
        "checked": -1,
    }
    state.update(changes)
    return state


def test_the_index_says_how_the_last_build_went() -> None:
    first = pages.index(_state(building=True, editions={}, seconds={}), "m.md", "dist").decode()
    assert "Building the editions…" in first
    assert "No edition has been built yet." in first
    assert "Nothing to check yet." in first
    failed = pages.index(_state(problems=["m.md:3: date: no"]), "m.md", "dist").decode()
    assert "The last build failed; the editions below are the last good ones." in failed
    built = pages.index(_state(), "m.md", "dist").decode()
    assert "Built from m.md into dist (html 0.07 s, epub 0.10 s, pdf 0.30 s)." in built
    assert "<p>Checking…</p>" in built
    checked = _state(
        checks=[{"edition": "pdf", "passed": False, "lines": ["dist/a.pdf: error [x] <no licence>", "dist/a.pdf: 1"]}],
        checked=2,
    )
    page = pages.index(checked, "m.md", "dist").decode()
    assert '<h3 class="failed">PDF: fails</h3>' in page
    assert "dist/a.pdf: error [x] &lt;no licence&gt;\ndist/a.pdf: 1" in page
    assert 'data-edition="index" data-generation="2"' in page


def test_the_live_script_goes_before_the_last_body_end_or_at_the_end() -> None:
    assert pages.inject(b"<p>a</p></body></html>", "html", 3) == (
        b'<p>a</p><script src="/_preview/live.js" data-edition="html" data-generation="3"></script></body></html>'
    )
    assert pages.inject(b"<p>a fragment</p>", "kit", 1).endswith(b'data-generation="1"></script>')
    frame = pages.pdf_frame(_state()).decode()
    assert f'src="/{SLUG}.pdf?g=1"' in frame
    assert 'data-edition="pdf" data-generation="1"' in frame


# -- the server, against a real build ---------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PreviewServer, Live]]:
    out = tmp_path_factory.mktemp("served") / "dist"
    live = Live()
    build(ARTICLE, out, environ={}, ready=lambda edition, path: live.edition(SLUG, edition, path.read_bytes(), 0.1))
    live.built()
    live.checks([Check("html", True, ("dist/a.html: complete attribution (HTML)",))])
    server = PreviewServer(("127.0.0.1", 0), live, out, "article.md")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server, live
    live.close()
    server.shutdown()
    server.server_close()


def _get(server: PreviewServer, path: str, method: str = "GET", host: str | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, headers={"Host": host or f"127.0.0.1:{server.port}"})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_every_page_of_the_preview_is_answered(served: tuple[PreviewServer, Live]) -> None:
    server, _ = served
    status, headers, body = _get(server, "/pdf")
    assert status == 200
    assert f'src="/{SLUG}.pdf?g=1"'.encode() in body
    status, headers, body = _get(server, "/_preview/live.js")
    assert status == 200
    assert headers["content-type"] == "text/javascript; charset=utf-8"
    assert b"EventSource" in body
    status, headers, _ = _get(server, "/_preview/events", method="HEAD")
    assert status == 200
    assert headers["content-type"] == "text/event-stream"
    state = json.loads(_get(server, "/_preview/state")[2])
    assert state["checks"][0]["lines"] == ["dist/a.html: complete attribution (HTML)"]
    nav = _get(server, "/epub/EPUB/nav.xhtml")
    assert nav[0] == 200
    assert b"Reading order (publish preview)" not in nav[2]  # not in the spine: the script only
    assert b'data-edition="epub"' in nav[2]
    cover = _get(server, "/epub/EPUB/cover.xhtml")[2]
    assert "← previous".encode() not in cover
    assert b"page 1 of 4" in cover
    colophon = _get(server, "/epub/EPUB/colophon.xhtml")[2]
    assert "next →".encode() not in colophon
    assert b"page 4 of 4" in colophon
    image = _get(server, "/epub/EPUB/images/cover.png")
    assert image[0] == 200
    assert image[1]["content-type"] == "image/png"
    assert _get(server, "/epub/EPUB/no-such-file.xhtml")[0] == 404
    kit = _get(server, "/republish/attribution.html")
    assert kit[0] == 200
    assert b'data-edition="kit"' in kit[2]
    assert _get(server, "/SHA256SUMS")[0] == 200
    assert _get(server, "/republish/")[0] == 404


def test_the_events_stream_sends_the_state_at_once(served: tuple[PreviewServer, Live]) -> None:
    server, live = served
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request("GET", "/_preview/events", headers={"Host": f"localhost:{server.port}"})
        response = connection.getresponse()
        assert response.readline() == b"event: state\n"
        data = response.readline()
        assert json.loads(data.removeprefix(b"data: "))["generation"] == live.snapshot()["generation"]
    finally:
        connection.close()


def test_before_the_first_build_there_is_nothing_to_serve(tmp_path: Path) -> None:
    server = PreviewServer(("127.0.0.1", 0), Live(), tmp_path / "dist", "article.md")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        for path in (f"/{SLUG}.html", "/pdf", "/epub/", "/epub/EPUB/cover.xhtml", "/SHA256SUMS"):
            assert _get(server, path)[0] == 404, path
        assert b"No edition has been built yet." in _get(server, "/")[2]
    finally:
        server.shutdown()
        server.server_close()


def test_which_hosts_are_this_server() -> None:
    assert allowed_hosts("127.0.0.1", 8000) == frozenset({"127.0.0.1:8000", "localhost:8000", "[::1]:8000"})
    assert "[::1]:8000" in (allowed_hosts("::1", 8000) or ())
    assert "192.0.2.7:8000" in (allowed_hosts("192.0.2.7", 8000) or ())
    assert allowed_hosts("0.0.0.0", 8000) is None
    server = PreviewServer(("0.0.0.0", 0), Live(), Path("dist"), "m.md")
    try:
        port = server.port
        assert server.host_allowed(f"192.0.2.7:{port}")  # any address of the machine
        assert server.host_allowed(f"[::1]:{port}")
        assert server.host_allowed(f"localhost:{port}")
        assert not server.host_allowed(f"attacker.example:{port}")  # a name could be anyone's
        assert not server.host_allowed(f"192.0.2.7:{port + 1}")
        assert not server.host_allowed("192.0.2.7")
        assert not server.host_allowed(None)
    finally:
        server.server_close()


def _raw(server: PreviewServer, data: bytes) -> bytes:
    """Send ``data`` as is and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(data)
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    return received


def test_a_refused_request_ends_its_connection(served: tuple[PreviewServer, Live]) -> None:
    """A request hidden in a refused request's body, or sent after a refused one, is never answered:
    it could carry a Host this server trusts (found by a trial of the preview)."""
    server, _ = served
    hidden = f"GET /SHA256SUMS HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode()
    smuggled = (
        f"POST / HTTP/1.1\r\nHost: rebound.example:{server.port}\r\nContent-Length: {len(hidden)}\r\n\r\n".encode()
        + hidden
    )
    answer = _raw(server, smuggled)
    assert answer.count(b"HTTP/1.1 ") == 1
    assert answer.startswith(b"HTTP/1.1 405 ")  # the method is refused first, whatever the Host
    assert b"Connection: close" in answer
    allowed_host = f"Host: 127.0.0.1:{server.port}\r\n"
    posted = f"POST / HTTP/1.1\r\n{allowed_host}Content-Length: {len(hidden)}\r\n\r\n".encode() + hidden
    answer = _raw(server, posted)
    assert answer.count(b"HTTP/1.1 ") == 1
    assert answer.startswith(b"HTTP/1.1 405 ")
    pipelined = b"GET / HTTP/1.1\r\nHost: elsewhere.example\r\n\r\n" + hidden
    answer = _raw(server, pipelined)
    assert answer.count(b"HTTP/1.1 ") == 1
    assert answer.startswith(b"HTTP/1.1 403 ")


def test_a_browser_that_goes_away_is_no_error(
    served: tuple[PreviewServer, Live], capsys: pytest.CaptureFixture[str]
) -> None:
    server, _ = served
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(f"GET /{SLUG}.pdf HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
            raw.recv(10)
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset, not a close
    assert _get(server, "/")[0] == 200
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert "Exception occurred" not in captured.err


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6 on this machine")
def test_it_listens_on_ipv6_when_asked(tmp_path: Path) -> None:
    server = PreviewServer(("::1", 0), Live(), tmp_path / "dist", "article.md")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("::1", server.port, timeout=10)
        connection.request("GET", "/", headers={"Host": f"[::1]:{server.port}"})
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        server.shutdown()
        server.server_close()
