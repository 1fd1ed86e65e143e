"""The pages only the preview serves: its index, a frame for the PDF, the EPUB's
reading order, and the live script put into each page as it is served.

The editions' own bytes are never changed on disc: the script goes into the
copy that is sent to the browser.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from html import escape
from typing import Any

from lxml import etree

LIVE_SCRIPT = "/_preview/live.js"

_STYLE = """
:root { color-scheme: light dark; font: 16px/1.5 system-ui, sans-serif; }
body { max-width: 52rem; margin: 2rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
.status { margin-top: 0; }
ul.editions { padding: 0; list-style: none; display: grid; gap: .5rem; }
ul.editions a { font-weight: 600; }
pre { white-space: pre-wrap; font-size: .875rem; padding: .75rem; border-radius: .25rem;
      background: color-mix(in srgb, currentColor 8%, transparent); }
.passed { color: #1b6e2d; } .failed { color: #a11919; }
@media (prefers-color-scheme: dark) { .passed { color: #7fd68f; } .failed { color: #ff8f8f; } }
""".strip()


def _script(edition: str, generation: int) -> str:
    return f'<script src="{LIVE_SCRIPT}" data-edition="{edition}" data-generation="{generation}"></script>'


def inject(page: bytes, edition: str, generation: int, extra: str = "") -> bytes:
    """``page`` with the live script (and ``extra`` markup) before its last ``</body>``."""
    tag = (extra + _script(edition, generation)).encode("utf-8")
    at = page.lower().rfind(b"</body>")
    if at < 0:
        return page + tag
    return page[:at] + tag + page[at:]


def _page(title: str, body: str, edition: str, generation: int) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}{_script(edition, generation)}</body></html>\n"
    ).encode()


def index(state: dict[str, Any], manuscript: str, out_dir: str) -> bytes:
    """What the preview shows first: the editions, how the last build went, and `publish check`."""
    slug = state["slug"]
    editions = state["editions"]
    if state["building"] and not editions:
        status = "Building the editions…"
    elif state["problems"]:
        status = "The last build failed; the editions below are the last good ones."
    else:
        timings = ", ".join(f"{e} {s:.2f} s" for e, s in state["seconds"].items())
        status = f"Built from {manuscript} into {out_dir}" + (f" ({timings})" if timings else "") + "."
    links = []
    if "html" in editions:
        links.append(f'<li><a href="/{escape(slug)}.html">HTML edition</a></li>')
    if "pdf" in editions:
        links.append(
            f'<li><a href="/pdf">PDF edition</a>, in the browser\'s own viewer '
            f'(<a href="/{escape(slug)}.pdf">the file</a>)</li>'
        )
    if "epub" in editions:
        links.append(
            f'<li><a href="/epub/">EPUB edition</a>, its pages in reading order '
            f'(<a href="/{escape(slug)}.epub">the file</a>)</li>'
        )
    if editions:
        links.append('<li><a href="/republish/attribution.html">Republisher kit</a></li>')
    checks = []
    if state["checked"] >= 0 and state["checks"]:
        for check in state["checks"]:
            verdict = "passes" if check["passed"] else "fails"
            checks.append(
                f'<h3 class="{"passed" if check["passed"] else "failed"}">{check["edition"].upper()}: {verdict}</h3>'
                f"<pre>{escape(chr(10).join(check['lines']))}</pre>"
            )
    elif editions:
        checks.append("<p>Checking…</p>")
    body = (
        f"<h1>Preview of {escape(manuscript)}</h1>"
        f'<p class="status">{escape(status)}</p>'
        f'<ul class="editions">{"".join(links) or "<li>No edition has been built yet.</li>"}</ul>'
        "<h2><code>publish check</code> on the editions</h2>"
        + "".join(checks or ["<p>Nothing to check yet.</p>"])
        + "<p>Each page reloads by itself when its edition is rebuilt.</p>"
    )
    return _page(f"Preview: {manuscript}", body, "index", state["generation"])


def pdf_frame(state: dict[str, Any]) -> bytes:
    """The PDF in the browser's own viewer, filling the window, reloaded when it is rebuilt."""
    generation = state["editions"].get("pdf", 0)
    body = (
        "<style>html, body { margin: 0; height: 100%; overflow: hidden; max-width: none; padding: 0; }"
        "iframe { border: 0; width: 100%; height: 100%; display: block; }</style>"
        f'<iframe title="The PDF edition" src="/{escape(state["slug"])}.pdf?g={generation}"></iframe>'
    )
    return _page("Preview: the PDF edition", body, "pdf", generation)


# -- the EPUB, read from its bytes -------------------------------------------------------------

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"


def reading_order(epub: bytes) -> list[str]:
    """The EPUB's spine: the paths of its content documents inside the ZIP, in reading order."""
    with zipfile.ZipFile(io.BytesIO(epub)) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        rootfile = container.find(f".//{_CONTAINER}rootfile")
        if rootfile is None:
            return []
        opf_path = rootfile.get("full-path", "")
        opf = etree.fromstring(archive.read(opf_path))
    base = posixpath.dirname(opf_path)
    items = {item.get("id"): item.get("href", "") for item in opf.iter(f"{_OPF}item")}
    return [
        posixpath.normpath(posixpath.join(base, items[ref.get("idref")]))
        for ref in opf.iter(f"{_OPF}itemref")
        if ref.get("idref") in items
    ]


def epub_member(epub: bytes, name: str) -> bytes | None:
    """One file of the EPUB, by its exact path in the ZIP; None if there is no such file."""
    with zipfile.ZipFile(io.BytesIO(epub)) as archive:
        if name not in archive.namelist():
            return None
        return archive.read(name)


def epub_page(content: bytes, name: str, order: list[str], generation: int) -> bytes:
    """A content document with links to the one before and after it in reading order."""
    if name not in order:
        return inject(content, "epub", generation)
    at = order.index(name)
    links = []
    if at > 0:
        links.append(f'<a href="/epub/{escape(order[at - 1])}">← previous</a>')
    links.append(f"page {at + 1} of {len(order)}")
    if at + 1 < len(order):
        links.append(f'<a href="/epub/{escape(order[at + 1])}">next →</a>')
    nav = (
        '<nav aria-label="Reading order (publish preview)" style="margin:2rem 0 1rem;padding-top:.5rem;'
        'border-top:1px solid;font:14px/1.5 system-ui,sans-serif;display:flex;gap:1.5rem">'
        + "".join(f"<span>{link}</span>" for link in links)
        + "</nav>"
    )
    return inject(content, "epub", generation, nav)


_XHTML = re.compile(r"\.x?html?$")


def is_page(name: str) -> bool:
    return bool(_XHTML.search(name))
