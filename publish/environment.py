"""The exact versions of everything that decides the bytes of an edition.

Python packages are read from their metadata; the system libraries behind
WeasyPrint (Pango, HarfBuzz, FreeType, fontconfig) and zlib are asked for
their versions directly, without importing WeasyPrint, so that a build of
the HTML alone does not pay for it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import zlib
from importlib import metadata

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


def _package(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _library(name: str) -> ctypes.CDLL | None:
    found = ctypes.util.find_library(name)
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


def tool_versions(pandoc: str) -> dict[str, str]:
    """Every version the manifest records, keyed by the tool's name."""
    versions = {"python": platform.python_version(), "pandoc": pandoc}
    versions.update({name: _package(name) for name in PACKAGES})
    versions.update(
        {
            "pango": _string_version("pango-1.0", "pango_version_string"),
            "harfbuzz": _string_version("harfbuzz", "hb_version_string"),
            "harfbuzz-subset": "present" if ctypes.util.find_library("harfbuzz-subset") else "not found",
            "freetype": _freetype(),
            "fontconfig": _fontconfig(),
            "zlib": zlib.ZLIB_RUNTIME_VERSION,
        }
    )
    return versions
