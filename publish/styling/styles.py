"""Where styles, templates and fonts come from, and the one jinja2 environment.

A project's own ``styles/`` folder overrides the defaults file by file: a
project that only wants its own ``print.css`` ships just that file. The
defaults travel inside the installed package, so ``publish`` builds any
manuscript, not just this checkout.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from publish.styling.defaults import default_styles

if TYPE_CHECKING:
    import jinja2
    from markupsafe import Markup
from publish.errors import ToolError

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def markdown_escape(text: str) -> str:
    """Text that Markdown shows as it is: its punctuation escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def breakable_url(url: str) -> Markup:
    """A URL that may break after its slashes (not within "//"), and nowhere
    else: each piece is kept whole, with a break opportunity between pieces."""
    from markupsafe import Markup, escape

    pieces = re.split(r"(?<=[^/]/)(?=[^/])", str(url))
    return Markup("<wbr />").join(Markup('<span class="nobreak">{}</span>').format(escape(p)) for p in pieces)


def project_styles(manuscript_folder: Path) -> Path | None:
    """A project's own styles/: beside the manuscript, or one folder up."""
    default = default_styles().resolve()
    for candidate in (manuscript_folder / "styles", manuscript_folder.parent / "styles"):
        if candidate.is_dir() and candidate.resolve() != default:
            return candidate.resolve()
    return None


class Styles(NamedTuple):
    """An ordered stack of style folders; the first that has a file wins. (A named tuple: see
    publish.errors.Problem.)"""

    folders: tuple[Path, ...]

    @classmethod
    def for_manuscript(cls, manuscript_folder: Path, override: Path | None = None) -> Styles:
        own = override.resolve() if override is not None else project_styles(manuscript_folder)
        default = default_styles().resolve()
        return cls(tuple(p for p in (own, default) if p is not None))

    def find(self, relative: str) -> Path:
        for folder in self.folders:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        raise ToolError(f"styles: {relative} is missing from {', '.join(map(str, self.folders))}")

    def files(self) -> dict[str, Path]:
        """Every style file in effect, by its path relative to the styles folder."""
        found: dict[str, Path] = {}
        for folder in reversed(self.folders):  # later (project) folders override
            for path in sorted(folder.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    found[path.relative_to(folder).as_posix()] = path
        return dict(sorted(found.items()))

    def read_text(self, relative: str) -> str:
        return self.find(relative).read_text(encoding="utf-8")

    @property
    def environment(self) -> jinja2.Environment:
        return _environment(self.folders)

    def render(self, template: str, **context: Any) -> str:
        import jinja2

        try:
            return self.environment.get_template(template).render(**context)
        except jinja2.TemplateError as exc:
            where = f"{exc.filename}:{exc.lineno}: " if isinstance(exc, jinja2.TemplateSyntaxError) else ""
            raise ToolError(f"{where}template {template}: {exc}") from exc


@functools.lru_cache(maxsize=8)
def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    """One environment a stack of folders, kept for the life of the process: a warm process
    (``publish preview``) compiles each template once, and again only when its file changes."""
    import jinja2.sandbox  # imported on first use: a cached rebuild never renders

    # Sandboxed: templates format data, and a styles folder that came with a
    # manuscript must not be able to run code through them.
    environment = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(f / "templates") for f in folders]),
        # HTML and XHTML are escaped; plain-text and Markdown kit files are not.
        autoescape=lambda name: name is None or not name.endswith((".txt.j2", ".md.j2")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,  # a template whose file changed is compiled again
    )
    environment.filters["md"] = markdown_escape
    environment.filters["url"] = breakable_url
    return environment
