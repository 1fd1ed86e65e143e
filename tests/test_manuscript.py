"""The manuscript: what it holds, and how the loader refuses a broken one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import ARTICLE, ROOT

from publish.errors import ManuscriptError
from publish.source.licences import CATALOGUE, lookup
from publish.source.manuscript import load

SOURCE = ARTICLE.read_text(encoding="utf-8")


# -- the article ---------------------------------------------------------------


def test_article_front_matter() -> None:
    m = load(ARTICLE)
    assert m.slug == "us-north-korean-summitry-round-two"
    assert m.identifier == "urn:uuid:a6cea8ee-b5d4-582f-aca6-c1fec0aa2eb3"
    assert m.language == "en"
    assert [(a.honorific, a.name) for a in m.authors] == [("Dr", "James Person")]
    assert m.byline == "Dr James Person"
    assert (m.date.iso, m.date.inferred, m.date.display) == ("2019-02", True, "February 2019")
    assert m.date.basis is not None
    assert "late February" in m.date.basis
    assert m.rights.licence.spdx == "CC-BY-NC-ND-4.0"
    assert m.rights.assumed is True
    assert m.rights.reason is not None
    assert "names no specific licence" in m.rights.reason
    assert m.edition_date == dt.date(2026, 11, 27)


def test_article_invents_nothing() -> None:
    """DESIGN.md: no outlet, no URL, no day: the original gives none."""
    m = load(ARTICLE)
    assert m.source is None
    assert m.date.day is None
    assert "http" not in SOURCE.split("\n---\n", 1)[0].replace("creativecommons.org", "")


def test_article_reproduces_the_seed_word_for_word(seed_lines: list[str]) -> None:
    m = load(ARTICLE)
    title, subtitle, *paragraphs, biography, notice = seed_lines
    assert m.title == title
    assert m.subtitle == subtitle
    assert m.authors[0].biography == biography
    assert m.notice == notice
    assert m.body.strip().split("\n\n") == paragraphs
    assert len(paragraphs) == 12


def test_manuscript_is_frozen() -> None:
    m = load(ARTICLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.title = "Other"  # type: ignore[misc]


# -- the licence catalogue -----------------------------------------------------


def test_catalogue_holds_six_cc4_licences_and_cc0() -> None:
    assert sorted(CATALOGUE) == sorted(
        ["CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0", "CC0-1.0"]
    )
    nd = CATALOGUE["CC-BY-NC-ND-4.0"]
    assert nd.name == "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International"
    assert nd.short_name == "CC BY-NC-ND 4.0"
    assert nd.deed_url == "https://creativecommons.org/licenses/by-nc-nd/4.0/"
    assert nd.legal_code_url == "https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode"
    assert (nd.commercial, nd.derivatives, nd.share_alike) == (False, False, False)
    sa = CATALOGUE["CC-BY-SA-4.0"]
    assert (sa.name, sa.short_name) == ("Creative Commons Attribution-ShareAlike 4.0 International", "CC BY-SA 4.0")
    assert (sa.commercial, sa.derivatives, sa.share_alike) == (True, True, True)
    zero = CATALOGUE["CC0-1.0"]
    assert zero.deed_url == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert zero.attribution is False
    assert lookup("cc-by-4.0") is CATALOGUE["CC-BY-4.0"]
    assert lookup("CC-BY-3.0") is None


# -- refusals ------------------------------------------------------------------


def _problems(tmp_path: Path, text: str | bytes, name: str = "article.md") -> list[str]:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    with pytest.raises(ManuscriptError) as caught:
        load(path, display=name)
    return caught.value.lines()


def _edit(old: str, new: str) -> str:
    assert old in SOURCE
    return SOURCE.replace(old, new, 1)


TITLE = 'title: "US and North Korean Summitry: Round Two"\n'

REFUSALS = {
    "missing title": (
        _edit(TITLE, ""),
        ['article.md:1: title: is required; add it, for example `title: "The article title"`'],
    ),
    "title is a list": (
        _edit(TITLE, "title: [US, Round Two]\n"),
        ["article.md:4: title: expected text, found a list"],
    ),
    "empty title": (
        _edit(TITLE, "title:\n"),
        ["article.md:4: title: is empty; give it a value or remove the field"],
    ),
    "unknown licence": (
        _edit("id: CC-BY-NC-ND-4.0", "id: CC-BY-5.0"),
        [
            "article.md:17: licence.id: unknown licence 'CC-BY-5.0'; use one of CC-BY-4.0, CC-BY-SA-4.0, "
            "CC-BY-NC-4.0, CC-BY-NC-SA-4.0, CC-BY-ND-4.0, CC-BY-NC-ND-4.0, CC0-1.0"
        ],
    ),
    "misspelt field": (
        _edit("language: en", "langauge: en"),
        [
            "article.md:1: language: is required; add it, for example `language: en`",
            "article.md:10: langauge: unknown field; did you mean 'language'?",
        ],
    ),
    "impossible month": (
        _edit("value: 2019-02", "value: 2019-13"),
        ["article.md:12: date.value: '2019-13' is not a real date; write YYYY, YYYY-MM or YYYY-MM-DD"],
    ),
    "assumed is not a boolean": (
        _edit("assumed: true", "assumed: maybe"),
        ["article.md:18: licence.assumed: expected true or false, found 'maybe'"],
    ),
    "assumed licence without a reason": (
        _edit("  reason: The original", "  raison: The original"),
        [
            "article.md:17: licence.reason: is required when licence.assumed is true; "
            "say why, e.g. the original names no specific licence",
            "article.md:19: licence.raison: unknown field; did you mean 'reason'?",
        ],
    ),
    "inferred date without a basis": (
        _edit("  basis: The original gives", "  note: The original gives"),
        [
            "article.md:12: date.basis: is required when date.inferred is true; say what the date is inferred from",
            "article.md:14: date.note: unknown field; known fields: value, inferred, basis",
        ],
    ),
    "malformed YAML": (
        _edit("language: en", "language: [en"),
        [
            "article.md:10: front matter: while parsing a flow sequence, expected ',' or ']', but got ':'; "
            "check the indentation, quotes and brackets"
        ],
    ),
    "duplicate field": (
        _edit("language: en", "language: en\nlanguage: fr"),
        ["article.md:11: language: appears twice; keep one"],
    ),
    "edition date without a day": (
        _edit("  date: 2026-11-27", "  date: 2026-11"),
        ["article.md:21: edition.date: '2026-11' is not a date; write YYYY-MM-DD"],
    ),
    "language is not a tag": (
        _edit("language: en", "language: English language"),
        ["article.md:10: language: 'English language' is not a BCP 47 language tag; write e.g. en or en-GB"],
    ),
    "author is a bare name": (
        _edit("author:\n  name: James Person\n  honorific: Dr\n  biography:", "author: James Person\nbio:"),
        [
            "article.md:6: author: expected a mapping with name (and honorific, biography), found 'James Person'",
            "article.md:7: bio: unknown field; known fields: identifier, title, subtitle, author, language, date, "
            "notice, licence, edition, source, keywords",
        ],
    ),
    "author without a name": (
        _edit("  name: James Person\n", ""),
        ["article.md:7: author.name: is required; add it, for example `name: Jane Roe`"],
    ),
    "identifier with spaces": (
        _edit("identifier: urn:uuid:", "identifier: my article "),
        ["article.md:3: identifier: must not contain spaces; use a URN such as urn:uuid:…"],
    ),
    "source URL that is not http": (
        _edit("edition:", "source:\n  url: ftp://example.org/a\nedition:"),
        ["article.md:21: source.url: 'ftp://example.org/a' is not an http(s) URL; write the full address, https://…"],
    ),
    "no front matter": (
        SOURCE.split("\n---\n", 1)[1],
        ["article.md:1: front matter: the file must start with a line '---', then the YAML fields, then '---'"],
    ),
    "front matter never closed": (
        "---\ntitle: x\n",
        ["article.md:1: front matter: no closing '---' line; add one after the last field"],
    ),
    "empty front matter": (
        "---\n---\nBody.\n",
        ["article.md:1: front matter: is empty; add the required fields (see the manuscript format)"],
    ),
    "front matter is a list": (
        "---\n- a\n- b\n---\nBody.\n",
        ["article.md:2: : expected a mapping of fields, found a list"],
    ),
    "empty body": (
        SOURCE.split("\n---\n", 1)[0] + "\n---\n",
        ["article.md:30: body: is empty; write the article in Markdown after the closing '---'"],
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_loader_refuses_with_exact_messages(tmp_path: Path, case: str) -> None:
    text, expected = REFUSALS[case]
    assert _problems(tmp_path, text) == expected


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        SOURCE.replace(TITLE, "").replace("language: en", "language: 12 34").replace("id: CC-BY-NC-ND-4.0", "id: GPL")
    )
    problems = _problems(tmp_path, text)
    assert [p.split(": ", 2)[1] for p in problems] == ["title", "language", "licence.id"]
    assert [int(p.split(":")[1]) for p in problems] == sorted(int(p.split(":")[1]) for p in problems)


def test_file_level_refusals(tmp_path: Path) -> None:
    assert _problems(tmp_path, b"") == ["article.md:1: the file is empty; start with '---', the front matter and '---'"]
    latin1 = SOURCE.replace('Round Two"\n', 'Round Two"\n').encode("utf-8").replace(b"scepticism", b"sc\xe9pticism")
    assert _problems(tmp_path, latin1) == ["article.md:31: not UTF-8 (byte 0xe9); save the file as UTF-8"]
    with pytest.raises(ManuscriptError) as missing:
        load(tmp_path / "nowhere.md", display="nowhere.md")
    assert missing.value.lines() == ["nowhere.md:1: no such file; check the path"]
    bad_name = _problems(tmp_path, SOURCE, name="My Article.md")
    assert bad_name == [
        "My Article.md:1: file name: 'My Article.md' cannot name the editions; rename it to lower-case words "
        "joined by hyphens, such as my-article.md"
    ]


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "article.md"
    path.write_bytes(b"\xef\xbb\xbf" + SOURCE.replace("\n", "\r\n").encode("utf-8"))
    m = load(path)
    assert m.title == "US and North Korean Summitry: Round Two"
    assert "\r" not in m.body
    assert m == dataclasses.replace(load(ARTICLE), path=path, slug="article", shown_path=str(path))


def test_shorthand_forms(tmp_path: Path) -> None:
    text = (
        "---\nidentifier: urn:x:1\ntitle: T\nauthor:\n  - name: A One\n  - name: B Two\n"
        "language: en-GB\ndate: 2020\nnotice: N.\nlicence: cc-by-4.0\nedition: {date: 2021-05-06}\n"
        "source: {outlet: The Outlet, url: 'https://example.org/a'}\n---\n\nBody.\n"
    )
    path = tmp_path / "short.md"
    path.write_text(text, encoding="utf-8")
    m = load(path)
    assert m.byline == "A One and B Two"
    assert (m.date.iso, m.date.inferred) == ("2020", False)
    assert (m.rights.licence.spdx, m.rights.assumed) == ("CC-BY-4.0", False)
    assert m.source is not None
    assert (m.source.outlet, m.source.url) == ("The Outlet", "https://example.org/a")
    assert m.subtitle is None


def test_the_readme_example_is_a_valid_manuscript(tmp_path: Path) -> None:
    readme = (ARTICLE.parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("The smallest manuscript:\n\n```markdown\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "an-article.md"
    path.write_text(example, encoding="utf-8")
    m = load(path)
    assert (m.title, m.byline, m.rights.licence.spdx) == ("An Article", "Jane Roe", "CC-BY-4.0")


def test_an_image_whose_name_has_a_space_is_found(tmp_path: Path) -> None:
    """pandoc writes <figs/my chart.png> as the URL figs/my%20chart.png; the file is "my chart.png"."""
    from commands import publish

    float_md = ROOT / "tests" / "fixtures" / "corpus" / "figures-that-float.md"
    (tmp_path / "figs").mkdir()
    shutil.copy(float_md.parent / "tall-chart.png", tmp_path / "figs" / "my chart.png")
    text = float_md.read_text(encoding="utf-8")
    text = text.replace("(tall-chart.png){alt=", "(<figs/my chart.png>){alt=", 1)
    text = text.replace("only a caption.](tall-chart.png)", "only a caption.](figs/my%20chart.png)", 1)
    (tmp_path / "float.md").write_text(text, encoding="utf-8")
    done = publish("build", "float.md", "--out", "out", "--only", "html", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "republish" / "images").iterdir()) == ["001.png"]
