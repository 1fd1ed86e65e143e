"""The exact versions of everything that decides the bytes of an edition.

Python packages are read from their metadata; the system libraries behind
WeasyPrint (Pango, HarfBuzz, FreeType, fontconfig) and zlib are asked for
their versions directly, without importing WeasyPrint, so that a build of
the HTML alone does not pay for it.
"""

from __future__ import annotations

import ctypes
import functools
import platform
import re
import sys
import zlib
from pathlib import Path

PACKAGES = (
    "publish",
    "pypandoc-binary",
    "weasyprint",
    "pydyf",
    "ebooklib",
    "jinja2",
    "markupsafe",
    "pyyaml",
    "fonttools",
    "pillow",
    "pyphen",
    "lxml",
    "tinycss2",
    "cssselect2",
    "tinyhtml5",
    "cffi",
)


_DIST_INFO = re.compile(r"(?P<name>[^-]+)-(?P<version>[^-]+)\.dist-info")


@functools.cache
def _installed() -> dict[str, str]:
    """Installed distributions and versions, read from the .dist-info folder
    names (``{name}-{version}.dist-info``, as wheels lay them out): one folder
    listing instead of importlib.metadata's slower search."""
    found: dict[str, str] = {}
    for entry in map(Path, sys.path):
        if not entry.is_dir():
            continue
        for child in entry.iterdir():
            match = _DIST_INFO.fullmatch(child.name)
            if match:
                found.setdefault(_normal(match["name"]), match["version"])
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


_DISTRIBUTIONS = {"publish": "publish-editions"}  # the tool's name, and the name it is installed under


def _package(name: str) -> str:
    name = _DISTRIBUTIONS.get(name, name)
    version = _installed().get(_normal(name))
    if version is None:
        from importlib import metadata  # an egg or a development install

        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"
    return version


# The sonames WeasyPrint loads on Linux; find_library (slow: it runs
# ldconfig) is the fallback for other systems.
_SONAMES = {
    "pango-1.0": "libpango-1.0.so.0",
    "harfbuzz": "libharfbuzz.so.0",
    "harfbuzz-subset": "libharfbuzz-subset.so.0",
    "fontconfig": "libfontconfig.so.1",
    "freetype": "libfreetype.so.6",
}


def _library(name: str) -> ctypes.CDLL | None:
    soname = _SONAMES.get(name)
    if soname is not None:
        try:
            return ctypes.CDLL(soname)
        except OSError:
            pass
    from ctypes.util import find_library  # it runs programs: only for a library not found by its usual name

    found = find_library(name)
    if found is None:
        return None
    try:
        return ctypes.CDLL(found)
    except OSError:
        return None


def _string_version(name: str, function: str) -> str:
    library = _library(name)
    if library is None:
        return "not found"
    call = getattr(library, function)
    call.restype = ctypes.c_char_p
    return bytes(call()).decode("ascii")


def _fontconfig() -> str:
    library = _library("fontconfig")
    if library is None:
        return "not found"
    number = int(library.FcGetVersion())
    return f"{number // 10000}.{number // 100 % 100}.{number % 100}"


def _freetype() -> str:
    library = _library("freetype")
    if library is None:
        return "not found"
    handle = ctypes.c_void_p()
    if library.FT_Init_FreeType(ctypes.byref(handle)) != 0:
        return "unknown"
    major, minor, patch = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    library.FT_Library_Version(handle, ctypes.byref(major), ctypes.byref(minor), ctypes.byref(patch))
    library.FT_Done_FreeType(handle)
    return f"{major.value}.{minor.value}.{patch.value}"


@functools.cache
def tool_versions(pandoc: str) -> dict[str, str]:
    """Every version the manifest records, keyed by the tool's name."""
    versions = {"python": platform.python_version(), "pandoc": pandoc}
    versions.update({name: _package(name) for name in PACKAGES})
    versions.update(
        {
            "pango": _string_version("pango-1.0", "pango_version_string"),
            "harfbuzz": _string_version("harfbuzz", "hb_version_string"),
            "harfbuzz-subset": "present" if _library("harfbuzz-subset") else "not found",
            "freetype": _freetype(),
            "fontconfig": _fontconfig(),
            "zlib": zlib.ZLIB_RUNTIME_VERSION,
        }
    )
    return versions
