"""The editions: one ``build_<format>(document, out_dir) -> Path`` each.

Modules are imported only when their edition is asked for, so a build of
the HTML alone never pays for importing WeasyPrint.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from publish.options import FORMATS

if TYPE_CHECKING:
    from publish.document import Document

Builder = Callable[["Document", Path], Path]

__all__ = ["FORMATS", "Builder", "builder"]


def builder(fmt: str) -> Builder:
    """The build function of one format, imported on first use."""
    if fmt not in FORMATS:
        raise KeyError(fmt)
    module = importlib.import_module(f"publish.editions.{fmt}")
    build: Builder = getattr(module, f"build_{fmt}")
    return build
