"""What the preview shows: the last good editions, in memory, and how the last build went.

One ``Live`` is shared by the thread that rebuilds and the threads that serve.
Every change is numbered, so a browser that asks "anything after N?" is
answered at once or as soon as there is, and never misses a build.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    """``publish check`` on one edition: what it printed, and whether it passed."""

    edition: str
    passed: bool
    lines: tuple[str, ...]


@dataclass
class _State:
    version: int = 0  # every change, for the event stream
    generation: int = 0  # every finished build, good or bad, and every finished check
    editions: dict[str, int] = field(default_factory=dict)  # edition -> generation of its bytes
    files: dict[str, bytes] = field(default_factory=dict)  # edition -> its bytes
    slug: str = ""
    building: bool = False
    problems: tuple[str, ...] = ()  # `path:line: message` lines of the last build; none if it built
    seconds: dict[str, float] = field(default_factory=dict)  # edition -> seconds from the start of the build
    checks: tuple[Check, ...] = ()
    checked: int = -1  # the generation at which the last checks came in


class Live:
    def __init__(self) -> None:
        self._state = _State()
        self._changed = threading.Condition()
        self.closed = False

    def _bump(self, *, finished: bool = False) -> None:
        self._state.version += 1
        if finished:
            self._state.generation += 1
        self._changed.notify_all()

    def begin(self) -> None:
        with self._changed:
            self._state.building = True
            self._state.seconds = {}
            self._bump()

    def edition(self, slug: str, edition: str, data: bytes, seconds: float) -> None:
        """A new edition is ready: served from now on, before the rest of the build is done."""
        with self._changed:
            state = self._state
            state.slug = slug
            state.files[edition] = data
            state.editions[edition] = state.generation + 1  # the generation this build will finish as
            state.seconds[edition] = seconds
            self._bump()

    def built(self) -> None:
        with self._changed:
            self._state.building = False
            self._state.problems = ()
            self._bump(finished=True)

    def failed(self, lines: list[str]) -> None:
        with self._changed:
            self._state.building = False
            self._state.problems = tuple(lines)
            self._bump(finished=True)

    def checks(self, found: list[Check]) -> None:
        with self._changed:
            self._state.checks = tuple(found)
            self._bump(finished=True)
            self._state.checked = self._state.generation

    def close(self) -> None:
        """The preview is stopping: wake every waiting stream so it can end."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def file(self, edition: str) -> bytes | None:
        with self._changed:
            return self._state.files.get(edition)

    @property
    def slug(self) -> str:
        with self._changed:
            return self._state.slug

    def snapshot(self) -> dict[str, Any]:
        """The state as the browser sees it (JSON)."""
        with self._changed:
            state = self._state
            return {
                "version": state.version,
                "generation": state.generation,
                "editions": dict(state.editions),
                "slug": state.slug,
                "building": state.building,
                "problems": list(state.problems),
                "seconds": {k: round(v, 3) for k, v in state.seconds.items()},
                "checks": [{"edition": c.edition, "passed": c.passed, "lines": list(c.lines)} for c in state.checks],
                "checked": state.checked,
            }

    def wait(self, after: int, timeout: float) -> int:
        """The version once it is past ``after``, or after ``timeout`` seconds, or on close."""
        with self._changed:
            self._changed.wait_for(lambda: self._state.version > after or self.closed, timeout)
            return self._state.version
