"""The manuscript body through pandoc, once, sandboxed, to an HTML fragment.

pandoc reads the body as pandoc Markdown with every way of dropping or
injecting text turned off, and runs publish's policy filter (policy.lua) on
its syntax tree. Everything pandoc would only warn about (a note defined
twice, a note never cited, an id given twice, math it cannot read) becomes
a manuscript problem at the writer's line: pandoc's own messages never
reach the user.
"""

from __future__ import annotations

import functools
import json
import re
import resource
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypandoc

from publish.errors import ManuscriptError, Problem, RenderError, ToolError
from publish.source.locate import Locator
from publish.source.manuscript import Manuscript

PANDOC_VERSION = "3.9"
PANDOC_SECONDS = 120  # of processor time: a 10 MiB manuscript takes about 11 s and 1 GB
PANDOC_MEMORY = "4g"  # pandoc's own heap limit (GHC's +RTS -M)
HEAP_EXHAUSTED = 251  # how a GHC program exits when its heap limit is reached


def _limits() -> None:
    """In pandoc's process, before it starts: a processor-time limit."""
    resource.setrlimit(resource.RLIMIT_CPU, (PANDOC_SECONDS, PANDOC_SECONDS + 5))


POLICY = Path(__file__).resolve().parent / "policy.lua"

# What each switched-off extension would do to a manuscript from outside:
_OFF = (
    "raw_html",  # <script>, <div>, <!-- --> would be markup; they are text
    "raw_attribute",  # ```{=html} blocks would be passed through
    "raw_tex",  # \commands would vanish from the HTML
    "native_divs",  # <div> and <span> would become elements
    "native_spans",
    "yaml_metadata_block",  # a paragraph between two --- lines would vanish
    "pandoc_title_block",  # a first line starting with % would vanish
    "latex_macros",  # a \newcommand line would vanish
)
MARKDOWN = "markdown" + "".join(f"-{name}" for name in _OFF)

PANDOC_ARGS = (
    "--sandbox",  # pandoc reads no file and fetches nothing
    "--wrap=none",
    "--mathml",  # math as MathML: no script, no network
    "--syntax-highlighting=none",  # code as plain text, in the code face
    "--quiet",  # warnings go to the log only, and from there to our messages
    f"--lua-filter={POLICY}",
)


@dataclass(frozen=True)
class Body:
    """pandoc's fragment, and what it had to say about the manuscript."""

    html: str
    problems: tuple[Problem, ...]


@functools.cache
def pandoc_version() -> str:
    try:
        return str(pypandoc.get_pandoc_version())
    except OSError as exc:  # pragma: no cover - pypandoc-binary ships pandoc
        raise ToolError(f"pandoc is not available: {exc}") from exc


def render_body(manuscript: Manuscript) -> Body:
    """The body as an HTML5 fragment (XHTML-compatible: void tags self-closed)."""
    version = pandoc_version()
    if version != PANDOC_VERSION:
        raise ToolError(
            f"pandoc {version} found, {PANDOC_VERSION} required (pinned through pypandoc-binary); "
            "reinstall the project's dependencies"
        )
    with tempfile.TemporaryDirectory(prefix="publish-pandoc-") as folder:
        log = Path(folder) / "log.json"
        # pypandoc supplies the pinned pandoc; it is run directly, to bound its
        # processor time and memory (a limit the kernel keeps, whatever a
        # test does to the clock).
        command = [pypandoc.get_pandoc_path(), "+RTS", f"-M{PANDOC_MEMORY}", "-RTS"]
        command += [f"--from={MARKDOWN}", "--to=html5", *PANDOC_ARGS, f"--log={log}"]
        done = subprocess.run(
            command, input=manuscript.body.encode("utf-8"), capture_output=True, preexec_fn=_limits, check=False
        )
        if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL, HEAP_EXHAUSTED):
            raise ManuscriptError.single(
                manuscript.label,
                manuscript.body_line,
                f"body: pandoc could not read it within {PANDOC_SECONDS} s and {PANDOC_MEMORY.upper()}B of memory; "
                "look for brackets, emphasis or quotations nested very deep, and simplify them",
            )
        if done.returncode != 0:
            raise RenderError(f"{manuscript.path}: pandoc failed: {done.stderr.decode('utf-8', 'replace').strip()}")
        html = done.stdout.decode("utf-8")
        entries = json.loads(log.read_text(encoding="utf-8")) if log.exists() else []
    where = Locator(manuscript)
    problems = [_problem(manuscript, where, entry) for entry in entries]
    return Body(html, tuple(p for p in problems if p is not None))


# -- pandoc's log, as our messages ----------------------------------------------

_ELEMENTS = {
    "Span": "a span",
    "Div": "a fenced div",
    "Header": "a heading",
    "Link": "a link",
    "Image": "an image",
    "Code": "inline code",
    "CodeBlock": "a code block",
    "Table": "a table",
    "Figure": "a figure",
}
_SPAN_CLASSES = "smallcaps, underline, mark"


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


def _problem(manuscript: Manuscript, where: Locator, entry: dict[str, Any]) -> Problem | None:
    kind = entry.get("type", "")
    line = where.body_line(int(entry["line"])) if "line" in entry else None

    def at(found: int | None, message: str) -> Problem:
        return Problem(manuscript.label, found if found is not None else manuscript.body_line, message)

    if kind == "ScriptingWarning" and str(entry.get("message", "")).startswith("publish\t"):
        return _policy(manuscript, where, str(entry["message"]).split("\t")[1:])
    if kind == "DuplicateIdentifier":
        return None  # publish.source.sanitize reports every id given twice, naming both lines
    if kind == "DuplicateNoteReference":
        label = str(entry.get("contents", ""))
        first, second = _definitions(where, "^" + label, line)
        return at(
            second,
            f"note [^{label}] is defined twice{first}; one definition would be lost: give one of them another label",
        )
    if kind == "NoteDefinedButNotUsed":
        label = str(entry.get("key", ""))
        return at(
            line,
            f"note [^{label}] is never cited, so its text would be lost; cite it with [^{label}] or delete it",
        )
    if kind == "DuplicateLinkReference":
        label = str(entry.get("contents", "")).strip("[]")
        first, second = _definitions(where, label, line)
        return at(second, f"link reference [{label}] is defined twice{first}; only one can be used: delete the other")
    if kind == "CouldNotConvertTeXMath":
        tex = str(entry.get("contents", ""))
        reason = _tex_reason(str(entry.get("message", "")))
        # the formula with its delimiters first: the same TeX may stand elsewhere as text (a \newcommand line)
        delimited = re.compile(r"(?<!\\)\$\$?" + re.escape(tex) + r"\$")
        found = where.search(delimited, key=f"math:{tex}") or where.text(tex, key=f"math:{tex}")
        command = re.search(r"control sequence (\\[A-Za-z]+)", reason)
        if command and re.search(
            r"\\(?:re)?newcommand\s*\{?" + re.escape(command[1]) + r"(?![A-Za-z])", manuscript.body
        ):
            advice = f"{command[1]} is a macro of the manuscript's own, and macros are not expanded: write it out"
        else:
            advice = "correct it, or write \\$ for a dollar sign"
        return at(found, f"math ${tex}$ cannot be read as TeX ({_short(reason)}); {advice}")
    pretty = _first_line(str(entry.get("pretty", kind)))
    return at(line, f"pandoc: {pretty}; correct this line")


def _definitions(where: Locator, label: str, reported: int | None) -> tuple[str, int | None]:
    """(" (first on line N)", the line of the second) for a label defined twice.

    pandoc's own line is right at the top level but not inside a list item
    or a quotation, so the definitions are looked for in the Markdown:
    labels match without regard to case, after list and quotation markers."""
    pattern = re.compile(r"^(?:\s*(?:[-*+]|\d+[.)]|>))*\s*\[" + re.escape(label) + r"\]:", re.IGNORECASE)
    lines = [n for offset, text in enumerate(where.lines) if pattern.search(text) for n in [where.line(offset)]]
    if len(lines) >= 2:
        return f" (first on line {lines[0]})", lines[1]
    return "", reported


def _tex_reason(message: str) -> str:
    """texmath's reason, from its message (the source, a caret, then the reason)."""
    lines = [line.strip() for line in message.split("\n") if line.strip()]
    return next((line for line in lines if line.startswith("unexpected")), lines[-1] if lines else "unreadable")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _policy(manuscript: Manuscript, where: Locator, fields: list[str]) -> Problem:
    """One refusal from policy.lua: ``what``, the element type, then details."""
    what, element, value, detail = (*fields, "", "", "", "")[:4]
    thing = _ELEMENTS.get(element, "an element")

    def at(line: int, message: str) -> Problem:
        return Problem(manuscript.label, line, message)

    if what == "class":
        line = where.attribute(r"(?<![\w-])\.?" + re.escape(value) + r"(?![\w-])", key=f"class:{value}")
        if element in ("Code", "CodeBlock"):
            advice = "code takes one class, its language (```python); delete the others"
        elif element == "Span":
            advice = f"spans take only the classes {_SPAN_CLASSES}; delete it"
        elif element == "Header":
            advice = "headings take only .unnumbered and .unlisted; delete it"
        else:
            advice = f"{thing} takes no classes here: the editions give them no meaning; delete it"
        return at(line, f"class .{value} on {thing}: not allowed; {advice}")
    if what == "attribute":
        line = where.attribute(r"(?<![\w-])" + re.escape(value) + r"\s*=", key=f"attr:{value}")
        if value.lower().startswith("on"):
            return at(line, f"attribute {value}: event handlers are not allowed in the body")
        if value.lower() == "style":
            return at(line, f'attribute style="{_short(detail)}": inline styles are not allowed; use the CSS')
        allowed = "lang and dir" + (", width and height" if element == "Image" else "")
        return at(line, f"attribute {value}: not allowed in the body; {thing} may carry only {allowed}")
    if what == "language":
        line = where.attribute(r"(?<![\w-])\.?" + re.escape(value) + r"(?![\w-])", key=f"class:{value}")
        name = re.sub(r"[^\w+#.-]", "", value).strip(".")
        example = f"```{name}" if name else "```python"
        return at(line, f"code: '{value}' is not a language name; write the language alone, as in {example}")
    if what == "empty-heading":
        bare = where.search(re.compile(r"^\s{0,3}#{1,6}\s*(?:#+\s*)?(?:\{[^}]*\}\s*)?$"), key="empty-heading")
        return at(bare or manuscript.body_line, "heading: it has no text; write its text after the #, or delete it")
    if what == "lang":
        line = where.attribute(r"lang\s*=\s*\"?" + re.escape(value), key=f"lang:{value}")
        return at(line, f"lang '{value}': not a BCP 47 language tag; write e.g. lang=ko or lang=zh-Hant")
    if what == "dir":
        line = where.attribute(r"dir\s*=\s*\"?" + re.escape(value), key=f"dir:{value}")
        return at(line, f"dir '{value}': write dir=rtl, dir=ltr or dir=auto")
    if what == "id-reserved":
        line = where.attribute("#" + re.escape(value), key=f"id:{value}")
        return at(line, f"id '{value}': ids starting with _ belong to the editions' own parts; rename it")
    if what == "id-invalid":
        line = where.attribute("#" + re.escape(value), key=f"id:{value}")
        return at(
            line,
            f"id '{value}': an id must start with a letter and hold only letters, digits, - _ and . "
            "(no colon); rename it",
        )
    return at(manuscript.body_line, f"{thing}: refused ({' '.join(fields)})")
