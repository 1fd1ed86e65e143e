"""The small error hierarchy every module raises.

Errors a user can fix are a ``PublishError`` and print as plain lines with no
traceback; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


class _Located(NamedTuple):
    path: str
    line: int
    message: str


class Problem(_Located):
    """One thing wrong with an input, located so an editor can jump to it. Problems sort by
    file, then line, then message. (A named tuple rather than a dataclass: a build with nothing
    to do imports this module, and dataclasses costs it a tenth of its time.)"""

    __slots__ = ()

    def __new__(cls, path: str, line: int, message: str) -> Problem:
        # One problem, one line: values quoted in a message may hold line breaks.
        return super().__new__(cls, path, line, _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], message))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class PublishError(Exception):
    """A failure the user can act on. ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def lines(self) -> list[str]:
        """The message as the lines the CLI prints on stderr."""
        return [f"error: {self}"]


class UsageError(PublishError):
    """Bad arguments or environment: exit 2, like argparse."""

    exit_code = 2


class ManuscriptError(PublishError):
    """Every problem found in a manuscript, reported together."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))  # one message per problem, in line order
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, path: Path | str, line: int, message: str) -> ManuscriptError:
        return cls([Problem(str(path), line, message)])

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class RenderError(PublishError):
    """A converter (pandoc, WeasyPrint, ebooklib) failed on valid input."""


class ToolError(PublishError):
    """A required tool is missing or is the wrong version."""
