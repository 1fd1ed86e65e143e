"""Markdown composed at random from a grammar of blocks and inlines: every
manuscript either builds, with every word of its text in the HTML edition,
or is refused as a manuscript problem (exit 2). Nothing else: no traceback,
no internal failure, no word lost.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.build.run import build
from publish.errors import ManuscriptError

HEAD = """---
identifier: urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e
title: "Composed"
author:
  name: Jane Roe
language: en
date: 2024-05
notice: "This article is republished under a Creative Commons licence."
licence: CC-BY-4.0
edition:
  date: 2026-01-31
---

"""

WORDS = ["alpha", "bravo", "charlie", "delta", "평화", "회담", "頂上", "ειρήνη", "мир", "Łódź", "naïve", "x2"]
PUNCTUATION = [*"*_`[]<>|$\\#{}:~^!&\"'()-.,;?/=+", "--", "...", "&amp;", "&nbsp;", "\\*"]
ODD = ["🎉", "\x0c", "\ufffd", "\u200b", "\u00ad", "\t", "ا"]  # refused, or kept invisibly

TARGETS = ["https://example.org/a", "<https://example.org/a b>", "https://example.org/a%zz", "https://a\\b", "", "#ok"]
ATTRIBUTES = [".smallcaps", ".nope", "lang=ko", "lang='x y'", "#_id", "#ok", "onclick=x"]
word = st.sampled_from(WORDS)


@st.composite
def inline(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(Markdown, the words it shows)."""
    w = draw(word)
    kind = draw(st.integers(0, 11))
    target = draw(st.sampled_from(TARGETS))
    attributes = draw(st.sampled_from(ATTRIBUTES))
    forms = [
        (w, [w]),
        (f"*{w}*", [w]),
        (f"**{w}**", [w]),
        (f"`{w}`", [w]),
        (f"[{w}]({target})", [w]),
        (f"<https://example.org/{w}>", []),
        (f"[{w}]{{{attributes}}}", [w]),
        (f"${w}$", []),
        (f"<b>{w}</b>", [w]),
        (draw(st.sampled_from(PUNCTUATION)), []),
        (draw(st.sampled_from(ODD)), []),
        (f"{w}[^n]", [w]),
    ]
    return forms[kind]


@st.composite
def paragraph(draw: st.DrawFn) -> tuple[str, list[str]]:
    parts = draw(st.lists(inline(), min_size=1, max_size=8))
    return " ".join(p for p, _ in parts), [w for _, ws in parts for w in ws]


@st.composite
def block(draw: st.DrawFn) -> tuple[str, list[str]]:
    text, shown = draw(paragraph())
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f"{'#' * draw(st.integers(1, 7))} {text}", shown
    if kind == 1:
        other = draw(word)
        return f"- {text}\n- {other}\n    - {text}", [*shown, other, *shown]
    if kind == 2:
        return f"> {text}", shown
    if kind == 3:
        return f"```{draw(st.sampled_from(['', 'python', '{.a .b}']))}\n{text}\n```", []
    if kind == 4:
        cells = draw(st.integers(1, 4))
        return f"| a | b |\n|---|---|\n| {' | '.join([draw(word)] * cells)} |", []
    if kind == 5:
        return f"::: {{lang=ko}}\n{text}\n:::", shown
    if kind == 6:
        return f"{draw(word)}\n:   {text}", shown
    if kind == 7:
        return f"---\n{text}\n---", shown
    if kind == 8:
        return f"{text}\n\n[^n]: {draw(word)}", shown
    return text, shown


def _html_words(path: Path) -> Counter[str]:
    from words import words

    root = lxml.html.parse(str(path)).getroot()
    for el in root.xpath("//script | //style | //*[@id='_republish']"):
        el.getparent().remove(el)
    for call in root.xpath("//a[contains(@class, 'footnote-ref')]"):
        call.drop_tree()  # a note's number, glued to the word before it: "x2" and call 1 read "x21"
    return words(str(root.xpath("//div[@class='article-body']")[0].text_content()))


def _refusal(manuscript: Path, out: Path) -> ManuscriptError | None:
    """Build the HTML edition; the manuscript problems, if it was refused.
    Any other exception fails the test."""
    try:
        build(manuscript, out, formats=("html",), environ={})
    except ManuscriptError as exc:
        return exc
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(block(), min_size=1, max_size=6))
def test_any_composed_manuscript_builds_or_is_refused(tmp_path: Path, blocks: list[tuple[str, list[str]]]) -> None:
    from words import words

    manuscript = tmp_path / "composed.md"
    manuscript.write_text(HEAD + "\n\n".join(b for b, _ in blocks) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    refused = _refusal(manuscript, out)
    if refused is not None:
        assert refused.exit_code == 2
        assert refused.problems
        assert all(p.line >= 1 for p in refused.problems)
        return
    found = _html_words(out / "composed.html")
    expected = words(" ".join(w for _, shown in blocks for w in shown))
    assert {w: n for w, n in expected.items() if found[w] < n} == {}
