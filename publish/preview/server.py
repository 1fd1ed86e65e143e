"""The preview's web server: read-only, its own files only, and for this machine unless told.

What it serves is decided by name, never by joining the request to a folder:
the editions from memory, the EPUB's files from inside the EPUB, and from the
output folder only the files its ``SHA256SUMS`` lists, opened without
following a symbolic link. So ``..``, ``%2e%2e``, absolute paths and links
planted in the folder all come to 404. Requests whose ``Host`` is not this
server (a page elsewhere reaching it through DNS rebinding) get 403. Only GET
and HEAD are answered.
"""

from __future__ import annotations

import ipaddress
import json
import mimetypes
import os
import socket
import stat
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from publish.options import SUMS
from publish.preview import pages
from publish.preview.state import Live

_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "epub": "application/epub+zip",
}
_MEMBER_TYPES = {
    ".xhtml": "application/xhtml+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".otf": "font/otf",
    ".ttf": "font/ttf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".ncx": "application/x-dtbncx+xml",
    ".opf": "application/oebps-package+xml",
    ".xml": "application/xml",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")


def allowed_hosts(host: str, port: int) -> frozenset[str] | None:
    """The Host headers this server answers; None for any IP address (bound to all of them)."""
    names = {f"{name}:{port}" for name in LOCAL_NAMES}
    if host in ("0.0.0.0", "::", ""):
        return None
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    names.add(f"{shown}:{port}")
    return frozenset(names)


def _is_ip_literal(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream never holds the process
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], live: Live, out_dir: Path, manuscript: str) -> None:
        self.live = live
        self.out_dir = out_dir
        self.manuscript = manuscript
        if ":" in address[0]:
            self.address_family = socket.AF_INET6  # --host ::1, or :: for every address
        super().__init__(address, _Handler)
        self.hosts = allowed_hosts(address[0], self.server_address[1])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that goes away mid-answer is no error; anything else is one line, not a traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        print(f"preview: a request failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)

    def host_allowed(self, header: str | None) -> bool:
        if not header:
            return False
        host = header.strip().lower()
        if self.hosts is None:  # every address of the machine: names could be anyone's, numbers cannot
            port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else ""
            return port == str(self.port) and (_is_ip_literal(host) or host == f"localhost:{self.port}")
        return host in self.hosts


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "publish-preview"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a connection may sit without sending a whole request

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows builds, not requests

    # -- methods ---------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def __getattr__(self, name: str) -> Any:
        """Every other method (POST, PUT, DELETE…): 405. Nothing the preview serves can be written."""
        if name.startswith("do_"):
            return self._refuse_method
        raise AttributeError(name)

    def _refuse_method(self) -> None:
        refusal = b"the preview only reads: GET and HEAD\n"
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, refusal, "text/plain", allow=True, last=True)

    # -- answers ---------------------------------------------------------------------------------

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        *,
        head: bool = False,
        allow: bool = False,
        location: str | None = None,
        last: bool = False,
    ) -> None:
        # A request with a body is never followed on the same connection: the body, unread, would be
        # taken for the next request, and that one could carry a Host this server trusts.
        if last or self.headers.get("Content-Length") not in (None, "0") or self.headers.get("Transfer-Encoding"):
            self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if allow:
            self.send_header("Allow", "GET, HEAD")
        if location is not None:
            self.send_header("Location", location)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _not_found(self, head: bool) -> None:
        self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", head=head)

    def _answer(self, head: bool) -> None:
        if not self.server.host_allowed(self.headers.get("Host")):
            refusal = b"wrong Host for this preview\n"
            self._send(HTTPStatus.FORBIDDEN, refusal, "text/plain; charset=utf-8", head=head, last=True)
            return
        raw = urlsplit(self.path).path
        try:
            path = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            path = ""
        if not path.startswith("/") or "\x00" in path or "\\" in path:
            self._not_found(head)
            return
        live = self.server.live
        state = live.snapshot()
        slug = state["slug"]
        if path == "/":
            body = pages.index(state, self.server.manuscript, str(self.server.out_dir))
            self._send(HTTPStatus.OK, body, _TYPES["html"], head=head)
        elif path == pages.LIVE_SCRIPT:
            script = resources.files("publish.preview").joinpath("live.js").read_bytes()
            self._send(HTTPStatus.OK, script, "text/javascript; charset=utf-8", head=head)
        elif path == "/_preview/state":
            self._send(HTTPStatus.OK, json.dumps(state).encode(), "application/json", head=head)
        elif path == "/_preview/events":
            self._events(head)
        elif path == "/pdf" and "pdf" in state["editions"]:
            self._send(HTTPStatus.OK, pages.pdf_frame(state), _TYPES["html"], head=head)
        elif slug and path in (f"/{slug}.html", f"/{slug}.pdf", f"/{slug}.epub"):
            edition = path.rsplit(".", 1)[1]
            data = live.file(edition)
            if data is None:
                self._not_found(head)
            elif edition == "html":
                page = pages.inject(data, "html", state["editions"]["html"])
                self._send(HTTPStatus.OK, page, _TYPES["html"], head=head)
            else:
                self._send(HTTPStatus.OK, data, _TYPES[edition], head=head)
        elif path.startswith("/epub/"):
            self._epub(path.removeprefix("/epub/"), state, head)
        else:
            self._from_output(path.removeprefix("/"), head)

    def _epub(self, name: str, state: dict[str, Any], head: bool) -> None:
        epub = self.server.live.file("epub")
        if epub is None:
            self._not_found(head)
            return
        order = pages.reading_order(epub)
        if not name:
            if not order:
                self._not_found(head)
                return
            self._send(HTTPStatus.FOUND, b"", "text/plain", head=head, location=f"/epub/{order[0]}")
            return
        content = pages.epub_member(epub, name)
        if content is None:
            self._not_found(head)
            return
        suffix = Path(name).suffix.lower()
        kind = _MEMBER_TYPES.get(suffix, "application/octet-stream")
        if pages.is_page(name):
            content = pages.epub_page(content, name, order, state["editions"]["epub"])
        self._send(HTTPStatus.OK, content, kind, head=head)

    def _from_output(self, name: str, head: bool) -> None:
        """A file of the last build, if SHA256SUMS lists it, opened without following links."""
        out = self.server.out_dir
        try:
            listed = {
                line.split("  ", 1)[1] for line in (out / SUMS).read_text(encoding="utf-8").splitlines() if "  " in line
            } | {SUMS}
        except OSError:
            listed = set()
        if name not in listed:
            self._not_found(head)
            return
        try:
            folder = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
            try:
                data = _read_beneath(folder, name.split("/"))
            finally:
                os.close(folder)
        except OSError:
            self._not_found(head)
            return
        kind = _MEMBER_TYPES.get(Path(name).suffix.lower(), mimetypes.guess_type(name)[0] or "application/octet-stream")
        if kind.startswith("text/html"):
            data = pages.inject(data, "kit", self.server.live.snapshot()["generation"])
        self._send(HTTPStatus.OK, data, kind, head=head)

    def _events(self, head: bool) -> None:
        """Server-sent events: the state now, then after every change, until the preview stops."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if head:
            return
        live = self.server.live
        seen = -1
        try:
            while not live.closed:
                state = live.snapshot()
                if state["version"] != seen:
                    seen = state["version"]
                    self.wfile.write(f"event: state\ndata: {json.dumps(state)}\n\n".encode())
                    self.wfile.flush()
                if live.wait(seen, timeout=15) == seen and not live.closed:
                    self.wfile.write(b": still here\n\n")  # a comment, so a dead connection is noticed
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return


def _read_beneath(folder: int, parts: list[str]) -> bytes:
    """The bytes of folder/parts…, refusing every symbolic link and anything but plain files."""
    if not parts or any(part in ("", ".", "..") for part in parts):
        raise FileNotFoundError(parts)
    opened = [folder]
    try:
        for part in parts[:-1]:
            opened.append(os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=opened[-1]))
        fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW, dir_fd=opened[-1])
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise FileNotFoundError(parts)
            with os.fdopen(fd, "rb", closefd=False) as stream:
                return stream.read()
        finally:
            os.close(fd)
    finally:
        for fd in opened[1:]:
            os.close(fd)
