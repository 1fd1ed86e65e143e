"""Stylesheets assembled from the style stack, with their url()s resolved.

Every ``url()`` in a stylesheet names a file in the styles folders, relative
to the stylesheet. Each edition decides what the reference becomes: a data
URI in the self-contained HTML, a path inside the EPUB, a file URI for
WeasyPrint. Nothing outside the styles folders can be named.
"""

from __future__ import annotations

import base64
import posixpath
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from publish.errors import ToolError
from publish.source.fetch import media_type
from publish.styling.styles import Styles

_URL = re.compile(r"""url\(\s*(?P<quote>['"]?)(?P<url>[^'")]*)(?P=quote)\s*\)""")
_IMPORT = re.compile(r"@import\b")

Resolver = Callable[[str, Path], str]
"""(path relative to the styles folder, the file) -> what url() should hold."""


def _relative(stylesheet: str, url: str) -> str:
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", url) or url.startswith("/"):
        raise ToolError(f"styles: {stylesheet}: url({url}) must be a path relative to the stylesheet")
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(stylesheet), url))
    if joined.startswith("../"):
        raise ToolError(f"styles: {stylesheet}: url({url}) points outside the styles folder")
    return joined


def stylesheet(styles: Styles, names: Sequence[str], resolve: Resolver) -> str:
    """The ``css/<name>.css`` files joined in order, url()s passed to ``resolve``."""
    parts = []
    for name in names:
        relative = f"css/{name}.css"
        text = styles.read_text(relative)
        if _IMPORT.search(text):
            raise ToolError(f"styles: {relative}: @import is not supported; list the file in the edition instead")

        def replace(match: re.Match[str], relative: str = relative) -> str:
            target = _relative(relative, match["url"])
            return f'url("{resolve(target, styles.find(target))}")'

        parts.append(f"/* {relative} */\n" + _URL.sub(replace, text))
    return "\n".join(parts)


_CUSTOM = re.compile(r"^[ \t]*(--[\w-]+)[ \t]*:[ \t]*([^;{}]*?)[ \t]*;[ \t]*\n?", re.MULTILINE)
_VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*(?:\([^()]*\)[^()]*)*))?\)")
_ROOT = re.compile(r"^:root\s*\{[^{}]*\}\s*", re.MULTILINE)


def without_custom_properties(css: str, where: str) -> str:
    """The stylesheet with every ``var()`` replaced by its value: reading systems such as Calibre
    (and the Kindle formats it writes) do not know custom properties and drop whole declarations.

    Values come from the top-level ``:root`` rules, the last one winning; a ``var()`` with
    neither a value nor a fallback is an error, not a silently dropped colour.
    """
    values: dict[str, str] = {}
    for rule in _ROOT.finditer(css):
        values.update((m[1], m[2]) for m in _CUSTOM.finditer(rule.group(0)))

    def replace(match: re.Match[str]) -> str:
        name, fallback = match[1], match[2]
        if name in values:
            return _VAR.sub(replace, values[name])
        if fallback is not None:
            return _VAR.sub(replace, fallback.strip())
        raise ToolError(f"styles: {where}: var({name}) has no value in :root and no fallback")

    css = _ROOT.sub("", css)
    css = _CUSTOM.sub("", css)  # what @media rules redefine no longer applies
    return _VAR.sub(replace, css)


def data_uri(_: str, path: Path) -> str:
    """Inline a file: the HTML edition opens offline, as a single file."""
    return f"data:{media_type(path)};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def file_uri(_: str, path: Path) -> str:
    return path.resolve().as_uri()
