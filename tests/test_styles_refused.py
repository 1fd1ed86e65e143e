"""A publisher's own styles that the build cannot honour are refused with a line that says
which file and what to write instead; every var() gets its value or its fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ARTICLE

from publish.build.run import build
from publish.errors import ToolError
from publish.styling.css import without_custom_properties

DEFAULT_PRINT = Path(__file__).resolve().parents[1] / "styles" / "css" / "print.css"


def _styles(tmp_path: Path, extra: str) -> Path:
    styles = tmp_path / "styles"
    (styles / "css").mkdir(parents=True)
    (styles / "css" / "print.css").write_text(DEFAULT_PRINT.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return styles


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "\nbody { background: url(https://example.org/paper.png); }\n",
            "styles: css/print.css: url(https://example.org/paper.png) must be a path relative to the stylesheet",
        ),
        (
            "\nbody { background: url(/etc/paper.png); }\n",
            "styles: css/print.css: url(/etc/paper.png) must be a path relative to the stylesheet",
        ),
        (
            "\nbody { background: url(../../paper.png); }\n",
            "styles: css/print.css: url(../../paper.png) points outside the styles folder",
        ),
        (
            '\n@import "more.css";\n',
            "styles: css/print.css: @import is not supported; list the file in the edition instead",
        ),
    ],
)
def test_a_stylesheet_that_reaches_outside_is_refused(tmp_path: Path, extra: str, message: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(ToolError) as raised:
        build(ARTICLE, out, formats=("pdf",), styles=_styles(tmp_path, extra), environ={})
    assert str(raised.value) == message
    assert not out.exists()


def test_custom_properties_take_their_value_or_their_fallback() -> None:
    css = ":root {\n  --ink: #222;\n}\np { color: var(--ink); border-color: var(--rule, #999); }\n"
    assert without_custom_properties(css, "css/epub.css") == "p { color: #222; border-color: #999; }\n"


def test_a_custom_property_with_no_value_and_no_fallback_is_refused() -> None:
    with pytest.raises(ToolError) as raised:
        without_custom_properties("p { color: var(--nowhere); }\n", "css/epub.css")
    assert str(raised.value) == "styles: css/epub.css: var(--nowhere) has no value in :root and no fallback"
