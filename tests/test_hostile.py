"""Hostile and broken manuscripts: a clear refusal or a safe build, never a leak.

Each refused case asserts the exit code, the located message and that DIR was
not touched. Each case that builds (raw HTML is escaped, not passed through)
asserts that no active content and no secret reached any output.
"""

from __future__ import annotations

import http.server
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import lxml.html
import pikepdf
import pytest
from commands import publish, snapshot
from conftest import ARTICLE
from lxml import etree
from PIL import Image

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "hostile"
SECRET = "root:x:0:0"
ACTIVE_TAGS = {"script", "iframe", "object", "embed", "frame", "applet", "base", "form"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "{http://www.w3.org/1999/xlink}href"}
SAFE_DATA = re.compile(r"data:(image/(png|jpeg|gif|webp)|font/woff2);base64,")
MARKDOWN_ACTIVE = re.compile(r"(?<!\\)<(script|iframe|object|embed)\b|\]\((javascript|data|file):", re.IGNORECASE)


REFUSED = {
    "javascript-link": [":14: link 'javascript:alert(document.cookie)': only http, https and mailto links"],
    "javascript-obfuscated": [":14: link 'JaVaScRiPt:alert(2)'", ":14: link 'java%20script:alert(1)'"],
    "data-link": [":14: link 'data:text/html;base64,"],
    "file-link": [":14: link 'file:///etc/passwd'"],
    "event-handler": [":14: attribute onmouseover: event handlers are not allowed in the body"],
    "attachment": [":14: attribute rel: not allowed in the body"],
    "inline-style": [':14: attribute style="background: url(file:///etc/passwd)": inline styles are not allowed'],
    "system-image": [":14: image '/etc/passwd': outside the manuscript and styles folders"],
    "dotdot-image": [":14: image '../../../../../../etc/hostname': outside the manuscript and styles folders"],
    "file-url-image": [":14: image 'file:///etc/passwd': outside the manuscript and styles folders"],
    "svg-image": [":14: image 'picture.svg' is SVG (it can carry scripts and fetch files); convert it to PNG"],
    "fake-image": [":14: image 'fake.png' is not a PNG, JPEG, GIF or WebP image"],
    "video": [":14: video 'film.mp4': only images (PNG, JPEG, GIF, WebP) can be shown"],
    "javascript-source": [":11: source.url: 'javascript:alert(1)' is not an http(s) URL"],
    "not-utf8": [":14: not UTF-8 (byte 0xe9); save the file as UTF-8"],
    "empty": [":1: the file is empty"],
    "deep-yaml": [":1: front matter: nested too deeply to read"],
    "yaml-bomb": [":2: x0: unknown field", ":9: keywords[1]: expected text, found a list"],
}


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """An output folder that already holds a good build, to prove it survives."""
    out = tmp_path / "dist"
    done = publish("build", ARTICLE, "--out", out, "--only", "html")
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_refused_with_a_located_message_and_dist_untouched(case: str, dist: Path) -> None:
    before = snapshot(dist)
    manuscript = HOSTILE / f"{case}.md"
    done = publish("build", manuscript, "--out", dist)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    problems = done.stderr.splitlines()
    assert all(line.startswith(f"{manuscript}:") for line in problems), problems
    for expected in REFUSED[case]:
        assert any(expected in line for line in problems), (expected, problems)
    assert snapshot(dist) == before
    assert SECRET not in done.stderr


def _scan_pdf(path: Path) -> list[str]:
    found = []
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                keys = set(obj.keys())
                for bad in ("/JavaScript", "/JS", "/Launch", "/EmbeddedFiles", "/EmbeddedFile", "/AA", "/OpenAction"):
                    if bad in keys or obj.get("/S") == pikepdf.Name(bad) or obj.get("/Type") == pikepdf.Name(bad):
                        found.append(f"{path.name}: {bad}")
                uri = obj.get("/URI")
                if uri is not None and not re.match(r"https?:|mailto:", str(uri)):
                    found.append(f"{path.name}: link to {uri}")
            if isinstance(obj, pikepdf.Stream) and SECRET.encode() in obj.read_bytes():
                found.append(f"{path.name}: the secret")
    return found


def _scan_markup(name: str, data: bytes) -> list[str]:
    """Elements and attributes that would run or fetch: parsed, so escaped text never counts."""
    if name.endswith((".xhtml", ".opf", ".ncx")):
        root = etree.fromstring(data)
    else:
        root = lxml.html.fragment_fromstring(data.decode("utf-8"), create_parent="div")
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = etree.QName(el).localname.lower()
        if tag in ACTIVE_TAGS and not (tag == "script" and el.get("type") == "application/ld+json"):
            found.append(f"{name}: <{tag}>")
        for attribute, value in el.attrib.items():
            local = etree.QName(attribute).localname.lower()
            if local.startswith("on"):
                found.append(f"{name}: {local}=")
            if attribute in URL_ATTRIBUTES or local in URL_ATTRIBUTES:
                target = re.sub(r"[\x00-\x20]+", "", value).lower()
                if target.startswith(("javascript:", "vbscript:", "file:")) or (
                    target.startswith("data:") and not SAFE_DATA.match(target)
                ):
                    found.append(f"{name}: {local}={value[:40]}")
            if local == "rel" and "attachment" in value:
                found.append(f"{name}: rel=attachment")
    return found


def scan(folder: Path) -> list[str]:
    """Active content or the secret, anywhere in any output (EPUB entries unzipped)."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".pdf":
            found += _scan_pdf(path)
            continue
        texts = {path.name: path.read_bytes()}
        if path.suffix == ".epub":
            with zipfile.ZipFile(path) as archive:
                texts = {f"{path.name}/{n}": archive.read(n) for n in archive.namelist()}
        for name, data in texts.items():
            if SECRET.encode() in data:
                found.append(f"{name}: the secret")
            if name.endswith((".html", ".xhtml", ".opf", ".ncx")):
                found += _scan_markup(name, data)
            if name.endswith(".md"):
                found += [f"{name}: {m.group(0)}" for m in MARKDOWN_ACTIVE.finditer(data.decode("utf-8"))]
    return found


@pytest.mark.parametrize("case", ["raw-html", "raw-block", "front-matter-markup"])
def test_raw_markup_is_shown_as_text_and_never_active(case: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = publish("build", HOSTILE / f"{case}.md", "--out", out)
    assert done.returncode == 0, done.stderr
    assert scan(out) == []
    html = (out / f"{case}.html").read_text(encoding="utf-8")
    if case == "raw-html":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the reader sees the text, escaped
    if case == "front-matter-markup":
        assert "{{ 7*7 }}{% raw %}" in html.replace("&#39;", "'")  # data, never a template


def test_symlink_to_a_system_file_is_refused(tmp_path: Path) -> None:
    shutil.copy(HOSTILE / "fake-image.md", tmp_path / "linked.md")
    (tmp_path / "fake.png").symlink_to("/etc/passwd")
    done = publish("build", tmp_path / "linked.md", "--out", tmp_path / "out")
    assert done.returncode == 2
    assert "image 'fake.png': outside the manuscript and styles folders" in done.stderr
    assert not (tmp_path / "out").exists()


def test_image_caps(tmp_path: Path) -> None:
    source = (HOSTILE / "fake-image.md").read_text(encoding="utf-8")
    Image.new("1", (8000, 7000)).save(tmp_path / "huge.png")  # 56 megapixels, a few kB
    (tmp_path / "big.png").write_bytes(b"\x89PNG" + b"\0" * (21 * 2**20))
    for name, expected in (
        ("huge.png", "image 'huge.png' is 8000×7000, over 50 megapixels; scale it down"),
        ("big.png", "image 'big.png': 21.0 MiB is over the 20 MiB cap"),
    ):
        manuscript = tmp_path / f"cap-{name.removesuffix('.png')}.md"
        manuscript.write_text(source.replace("fake.png", name), encoding="utf-8")
        done = publish("build", manuscript, "--out", tmp_path / "out")
        assert done.returncode == 2
        assert expected in done.stderr, done.stderr


def test_manuscript_size_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text(ARTICLE.read_text(encoding="utf-8") + "word " * (2 * 2**20), encoding="utf-8")
    done = publish("build", big, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert done.stderr.strip() == f"{big}:1: is 10.0 MiB; a manuscript may be at most 10 MiB"


def test_a_300_page_book_is_under_the_caps(tmp_path: Path) -> None:
    """The caps must not stop real work: 150,000 words of Markdown load, every one."""
    from publish.source.manuscript import load

    paragraph = "A sentence of ordinary length, of the kind a long book is made of. " * 12
    path = tmp_path / "long-book.md"
    path.write_text(ARTICLE.read_text(encoding="utf-8") + ("\n\n" + paragraph) * 1000, encoding="utf-8")
    book = load(path)
    assert book.body.count(paragraph) == 1000
    assert len(book.body.split()) > 150_000


# -- the network -----------------------------------------------------------------


class _Counter(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Counter.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_build_never_touches_the_network(server: str, tmp_path: Path) -> None:
    source = (HOSTILE / "fake-image.md").read_text(encoding="utf-8")
    linked = tmp_path / "linked.md"
    linked.write_text(source.replace("![A picture](fake.png)", f"A [link]({server}/page) and <{server}/auto>."))
    remote = tmp_path / "remote.md"
    remote.write_text(source.replace("fake.png", f"{server}/image.png"))
    done = publish("build", linked, "--out", tmp_path / "linked")
    assert done.returncode == 0, done.stderr
    done = publish("build", remote, "--out", tmp_path / "remote")
    assert done.returncode == 2
    assert f"image '{server}/image.png': only local files beside the manuscript are allowed, not http:" in done.stderr
    done = publish("build", ARTICLE, "--out", tmp_path / "article")
    assert done.returncode == 0
    assert _Counter.requests == []


def test_the_scan_catches_active_content(tmp_path: Path) -> None:
    """The guard above must be able to fail."""
    (tmp_path / "a.html").write_text('<p><img src="x" onerror="alert(1)"><a href=" javascript:x()">x</a></p>')
    (tmp_path / "b.md").write_text("[x](javascript:alert(1)) <script>x</script> \\<script\\> is escaped\n")
    (tmp_path / "c.html").write_text('<script>x()</script><script type="application/ld+json">{}</script>')
    assert scan(tmp_path) == [
        "a.html: onerror=",
        "a.html: href= javascript:x()",
        "b.md: ](javascript:",
        "b.md: <script",
        "c.html: <script>",
    ]


def test_attacks_beyond_the_fixture_folder(tmp_path: Path) -> None:
    head = (HOSTILE / "video.md").read_text(encoding="utf-8").split("---\n\n")[0] + "---\n\n"
    deep = tmp_path / "deep.md"
    deep.write_text(head + ">" * 5000 + " deep\n", encoding="utf-8")
    reserved = tmp_path / "reserved.md"
    reserved.write_text(head + "# Colophon {#_colophon}\n\nText.\n", encoding="utf-8")
    for manuscript, expected in (
        (deep, f"{deep}:14: body: quotations nest more than 200 levels deep; flatten them"),
        (
            reserved,
            f"{reserved}:14: id '_colophon': ids starting with _ belong to the editions' own parts; rename it",
        ),
        (Path("/dev/zero"), "/dev/zero:1: is not a regular file (a device, pipe or socket); name a .md file"),
    ):
        done = publish("build", manuscript, "--out", tmp_path / "out")
        assert done.returncode == 2, done.stderr
        assert done.stderr.splitlines() == [expected]
    not_a_folder = tmp_path / "file.txt"
    not_a_folder.write_text("x")
    done = publish("build", ARTICLE, "--out", not_a_folder)
    assert (done.returncode, done.stderr.strip()) == (2, f"error: --out {not_a_folder}: is a file, not a folder")


def test_templates_beside_a_manuscript_cannot_run_code(tmp_path: Path) -> None:
    (tmp_path / "manuscript").mkdir()
    shutil.copy(ARTICLE, tmp_path / "manuscript" / "article.md")
    templates = tmp_path / "styles" / "templates"
    templates.mkdir(parents=True)
    (templates / "html.html.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    done = publish("build", "--only", "html", cwd=tmp_path)
    assert done.returncode == 1
    assert "unsafe" in done.stderr or "access to attribute" in done.stderr, done.stderr
    assert not (tmp_path / "dist").exists()
