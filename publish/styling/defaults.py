"""What ``publish`` uses when it is not told: the shipped styles and article.

In a wheel they sit in ``publish/_data/``; in a checkout (or an editable
install) they are the top-level ``styles/`` and ``manuscript/`` folders.
"""

from __future__ import annotations

from pathlib import Path

from publish.errors import ToolError, UsageError

_PACKAGE = Path(__file__).resolve().parents[1]  # publish/, where the wheel keeps _data/


def _data_folder(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise ToolError(f"the default {name}/ folder is missing from this installation; reinstall publish")


def default_styles() -> Path:
    """The styles shipped with publish."""
    return _data_folder("styles")


def default_manuscript(cwd: Path) -> Path:
    """The one manuscript in ./manuscript/, else the article shipped with publish."""
    local = cwd / "manuscript"
    folder = local if local.is_dir() else _data_folder("manuscript")
    found = sorted(folder.glob("*.md"))
    if len(found) == 1:
        return found[0]
    if not found:
        raise UsageError(f"{folder} holds no .md manuscript; name one: publish build path/to/article.md")
    names = ", ".join(p.name for p in found)
    raise UsageError(f"{folder} holds several manuscripts ({names}); name the one to build")
