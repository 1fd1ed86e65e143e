"""`publish check`: every rule fails on a file that breaks it and passes its correct variant.

The small pages here are written by hand, the way other tools and people
write them; the editions are this project's, tampered with by other tools
(pikepdf, zipfile). Expectations are literal codes and messages.
"""

from __future__ import annotations

import json
import re
import tomllib
import zipfile
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from commands import publish
from conftest import ARTICLE, RICH

from publish.attribution.check import check_file

NOTICE = "This article is published under a Creative Commons License and may be republished with attribution."
DEED = "https://creativecommons.org/licenses/by-nc-nd/4.0/"
BY = "https://creativecommons.org/licenses/by/4.0/"
SA = "https://creativecommons.org/licenses/by-sa/4.0/"

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Notes on Tidal Power</title>
<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Article",
 "name": "Notes on Tidal Power", "author": {"@type": "Person", "name": "Ana Example"},
 "license": "https://creativecommons.org/licenses/by-sa/4.0/", "copyrightNotice": "© 2024 Ana Example",
 "creditText": "“Notes on Tidal Power” by Ana Example, CC BY-SA 4.0. Text unchanged."}</script>
</head><body><article>
<h1>Notes on Tidal Power</h1>
<p class="byline">By Ana Example</p>
<p>The tide turns twice a day, and Ben Other measured it for years.</p>
<footer><p class="credit">“Notes on Tidal Power” by Ana Example, licensed under
<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>.
Text unchanged. © 2024 Ana Example.</p></footer>
</article></body></html>
"""


def codes(path: Path) -> list[str]:
    return sorted({f.code for f in check_file(path).findings})


def page(tmp_path: Path, text: str, name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(*pairs: tuple[str, str]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        for old, new in pairs:
            assert old in text, old
            text = text.replace(old, new)
        return text

    return apply


HIDE_FOOTER = ["licence-not-shown", "notice-not-shown", "changes-contradicted"]
ND = (SA, DEED), ("CC BY-SA 4.0", "CC BY-NC-ND 4.0")
CASES: dict[str, tuple[Callable[[str], str], list[str]]] = {
    # errors
    "licence-missing": (
        edit(
            ('<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">', ""),
            ('"license": "https://creativecommons.org/licenses/by-sa/4.0/", ', ""),
            ('<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>', "terms"),
            (", CC BY-SA 4.0.", "."),
        ),
        ["licence-missing", "meta-licence"],
    ),
    "licence-not-shown": (
        edit(('<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>', "terms")),
        ["licence-not-shown"],
    ),
    "licence-conflict": (
        edit(('"license": "https://creativecommons.org/licenses/by-sa/4.0/"', f'"license": "{BY}"')),
        ["licence-conflict"],
    ),
    "creator-not-shown": (
        edit(
            ('<p class="byline">By Ana Example</p>', ""),
            ("” by Ana Example,", "”,"),
            ("© 2024 Ana Example", "© 2024 Tide Press"),
            ("measured it for years.", "measured it for years, as did Ana Example."),
        ),
        ["creator-not-shown"],
    ),
    "creator-mismatch": (edit(('"name": "Ana Example"', '"name": "Ben Other"')), ["creator-mismatch"]),
    "notice-not-shown": (edit(("Text unchanged. © 2024 Ana Example.", "Text unchanged.")), ["notice-not-shown"]),
    "source-not-shown": (
        edit(('"@type": "Article",', '"@type": "Article", "isBasedOn": "https://example.org/tides",')),
        ["source-not-shown"],
    ),
    "endorsement-claimed": (
        edit(("</footer>", "<p>The author endorses this edition.</p></footer>")),
        ["endorsement-claimed"],
    ),
    "endorsement-claimed-opening": (
        edit(("</footer>", "<p>Endorsed by the author; no changes were made.</p></footer>")),
        ["endorsement-claimed"],
    ),
    "endorsement-claimed-in-may": (
        edit(("</footer>", "<p>Approved by Ana Example in May 2021.</p></footer>")),
        ["endorsement-claimed"],
    ),
    "adapted-under-nd-removed": (
        edit(*ND, ("Text unchanged.", "Some paragraphs have been removed.")),
        ["adapted-under-nd"],
    ),
    "adapted-under-nd-what-follows": (
        edit(*ND, ("Text unchanged.", "What follows is an abridged version.")),
        ["adapted-under-nd"],
    ),
    "creator-mismatch-longer-name": (
        edit(
            ("By Ana Example", "By Ana Examplewood"),
            ("” by Ana Example,", "” by Ana Examplewood,"),
            ("© 2024 Ana Example", "© 2024 Ana Examplewood"),
        ),
        ["creator-mismatch"],
    ),
    "endorsement-claimed-approval": (
        edit(("</footer>", "<p>This edition is published with the approval of Ana Example.</p></footer>")),
        ["endorsement-claimed"],
    ),
    "adapted-under-nd": (
        edit(*ND, ("Text unchanged.", "Abridged and adapted by the editors.")),
        ["adapted-under-nd"],
    ),
    "assumed-dropped": (
        edit(("CC BY-SA 4.0. Text", "CC BY-SA 4.0, the licence this edition assumes. Text")),
        ["assumed-dropped"],
    ),
    "changes-contradicted": (edit(("\nText unchanged. ©", "\n©")), ["changes-contradicted"]),
    "changes-contradicted-adapted": (
        edit(("</footer>", "<p>Translated by the editors.</p></footer>")),
        ["changes-contradicted"],
    ),
    # hidden attribution counts as absent
    "hidden attribute": (edit(("<footer>", "<footer hidden>")), HIDE_FOOTER),
    "aria-hidden": (edit(("<footer>", '<footer aria-hidden="true">')), HIDE_FOOTER),
    "display none inline": (edit(("<footer>", '<footer style="display:none">')), HIDE_FOOTER),
    "visibility hidden in a style sheet": (
        edit(("</head>", "<style>.credit { visibility: hidden }</style></head>")),
        HIDE_FOOTER,
    ),
    "font-size 0": (edit(("<footer>", '<footer style="font-size: 0px">')), HIDE_FOOTER),
    "zero box": (edit(("<footer>", '<footer style="height:0;overflow:hidden">')), HIDE_FOOTER),
    "closed details": (
        edit(("<footer>", "<details><summary>Credits</summary>"), ("</footer>", "</details>")),
        HIDE_FOOTER,
    ),
    "noscript": (edit(("<footer>", "<noscript>"), ("</footer>", "</noscript>")), HIDE_FOOTER),
    "screen-reader only": (
        edit(
            ("<footer>", '<footer style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)">')
        ),
        HIDE_FOOTER,
    ),
    "off the screen": (edit(("<footer>", '<footer style="position:absolute;left:-9999px">')), HIDE_FOOTER),
    "text-indent": (edit(("<footer>", '<footer style="text-indent:-9999px">')), HIDE_FOOTER),
    "scale(0)": (edit(("<footer>", '<footer style="transform: scale(0)">')), HIDE_FOOTER),
    "@media only screen": (
        edit(("</head>", "<style>@media only screen and (min-width: 1px) { footer { display: none } }</style></head>")),
        HIDE_FOOTER,
    ),
    "@supports": (
        edit(("</head>", "<style>@supports (display: grid) { footer { opacity: 0 } }</style></head>")),
        HIDE_FOOTER,
    ),
    "!important beats the style attribute": (
        edit(
            ("</head>", "<style>footer { display: none !important }</style></head>"),
            ("<footer>", '<footer style="display:block">'),
        ),
        HIDE_FOOTER,
    ),
    # warnings
    "meta-licence": (
        edit(
            ('<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">', ""),
            ('"license": "https://creativecommons.org/licenses/by-sa/4.0/", ', ""),
            ('<a rel="license" href=', "<a href="),
        ),
        ["meta-licence"],
    ),
    "meta-title": (
        edit(("<title>Notes on Tidal Power</title>", ""), ('"name": "Notes on Tidal Power", ', "")),
        ["meta-title"],
    ),
    "meta-author": (edit(('"author": {"@type": "Person", "name": "Ana Example"},', "")), ["meta-author"]),
    "meta-notice": (edit(('"copyrightNotice": "© 2024 Ana Example",', "")), ["meta-notice"]),
    "meta-credit": (
        edit((',\n "creditText": "“Notes on Tidal Power” by Ana Example, CC BY-SA 4.0. Text unchanged."', "")),
        ["meta-credit"],
    ),
    "meta-disagree": (
        edit(('"name": "Notes on Tidal Power"', '"name": "Notes on Wind Power"')),
        ["meta-disagree", "title-not-shown"],
    ),
    "meta-invalid": (
        edit(('"@type": "Article",', '"@type": "Article",,')),
        ["meta-author", "meta-credit", "meta-invalid", "meta-notice"],
    ),
    "title-not-shown": (
        edit(
            ("<h1>Notes on Tidal Power</h1>", ""),
            ("“Notes on Tidal Power” by Ana Example, licensed", "By Ana Example, licensed"),
        ),
        ["title-not-shown"],
    ),
    "changes-unstated": (edit((" Text unchanged.", ""), ("\nText unchanged. ", "\n")), ["changes-unstated"]),
}
PASSING: dict[str, Callable[[str], str]] = {
    "as written": edit(),
    "http deed with the chooser's query": edit(
        (
            '<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/"',
            '<a rel="license" href="http://creativecommons.org/licenses/by-sa/4.0/?ref=chooser-v1"',
        )
    ),
    "legal code and a translation": edit(
        (
            '<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">',
            '<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/legalcode.de">',
        ),
        (
            '"license": "https://creativecommons.org/licenses/by-sa/4.0/"',
            '"license": "http://creativecommons.org/licenses/by-sa/4.0/deed.fr"',
        ),
    ),
    "straight quotes": edit(
        ("“Notes on Tidal Power” by Ana Example, licensed", '"Notes on Tidal Power" by Ana Example, licensed')
    ),
    "a disclaimer of endorsement": edit(
        ("</footer>", "<p>This edition implies no endorsement by the author or the licensor.</p></footer>")
    ),
    "adapted under a licence that allows it": edit(("Text unchanged.", "Abridged and adapted by the editors.")),
    "ND, unchanged": edit(*ND),
    "assumed everywhere": edit(
        ("CC BY-SA 4.0. Text", "CC BY-SA 4.0, the licence this edition assumes. Text"),
        ("</a>.\n", "</a>, the licence this edition assumes.\n"),
    ),
    "JSON-LD in @graph form": edit(
        (
            '{"@context": "https://schema.org", "@type": "Article",',
            '{"@context": "https://schema.org", "@graph": [{"@type": "WebPage", "name": "Tides"}, {"@type": "Article",',
        ),
        ('Text unchanged."}', 'Text unchanged."}]}'),
    ),
    "a source that is linked": edit(
        ('"@type": "Article",', '"@type": "Article", "isBasedOn": "https://example.org/tides",'),
        ("</footer>", '<p>First published at <a href="https://example.org/tides">example.org</a>.</p></footer>'),
    ),
    "a hidden duplicate": edit(("</footer>", "<p hidden>“Notes on Tidal Power” by Ana Example</p></footer>")),
    "body prose that only sounds like a claim": edit(
        *ND,
        (
            "<p>The tide turns",
            "<p>Cut the butter. Revised estimates were higher. Updated: 2 March. The author is affiliated with "
            "a university, and the fieldwork was sponsored by a trust. Translated into English, the motto is plain.</p>"
            "<p>The tide turns",
        ),
    ),
    "an image under another licence": edit(
        (
            "</article>",
            '<figure><img src="m.png" alt="A mill"><figcaption>Photo: Sam Lens, <a href='
            '"https://creativecommons.org/licenses/by-nc/2.0/">CC BY-NC 2.0</a></figcaption></figure></article>',
        ),
        (
            '"@type": "Article",',
            '"@type": "Article", "image": {"@type": "ImageObject", "license": '
            '"https://creativecommons.org/licenses/by-nc/2.0/", "creator": {"@type": "Person", "name": "Sam Lens"}},',
        ),
    ),
    "a copyright line credits the creator": edit(
        ('<p class="byline">By Ana Example</p>', ""), ("” by Ana Example,", "”,")
    ),
    "two authors in one free-text field": edit(
        ('"name": "Ana Example"', '"name": "Ana Example, Ben Other"'),
        ("By Ana Example", "By Ana Example and Ben Other"),
    ),
    "an inverted name": edit(('"name": "Ana Example"', '"name": "Example, Ana"')),
    "a ported licence and the long name": edit(
        (SA, "https://creativecommons.org/licenses/by-sa/3.0/de/"),
        (">CC BY-SA 4.0</a>", ">Creative Commons Attribution-ShareAlike License 3.0 DE</a>"),
        (", CC BY-SA 4.0.", ", CC BY-SA 3.0 DE."),
    ),
    "CC0 asks for no credit": edit(
        (SA, "https://creativecommons.org/publicdomain/zero/1.0/"),
        (">CC BY-SA 4.0</a>", ">CC0 1.0</a>"),
        (", CC BY-SA 4.0.", ", CC0 1.0."),
        ('<p class="byline">By Ana Example</p>', ""),
        ("” by Ana Example, licensed under", "”, dedicated under"),
        ("© 2024 Ana Example", "No rights reserved"),
    ),
    "XHTML with a long prolog": lambda text: (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<?xml-stylesheet href="a.css"?>\n'
        + text.replace(
            "<!DOCTYPE html>",
            '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">',
        ).replace('<html lang="en">', '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">')
    ),
}


@pytest.mark.parametrize("rule", list(CASES))
def test_each_rule_fails_its_case(rule: str, tmp_path: Path) -> None:
    change, expected = CASES[rule]
    assert codes(page(tmp_path, change(PAGE))) == sorted(expected)


@pytest.mark.parametrize("variant", list(PASSING))
def test_correct_variants_pass_strict(variant: str, tmp_path: Path) -> None:
    assert codes(page(tmp_path, PASSING[variant](PAGE))) == []


# -- this project's editions, and copies other tools changed -------------------------


def check(*args: str | Path) -> tuple[int, list[str], str]:
    done = publish("check", *args)
    return done.returncode, done.stdout.splitlines(), done.stderr


@pytest.mark.parametrize("fixture", ["editions", "rich_editions"])
def test_the_editions_pass_strict(fixture: str, request: pytest.FixtureRequest) -> None:
    editions: dict[str, Path] = request.getfixturevalue(fixture)
    manuscript = ARTICLE if fixture == "editions" else RICH
    code, out, err = check("--strict", "--manuscript", manuscript, *editions.values())
    assert (code, err) == (0, ""), out
    assert sorted(line.rsplit("(", 1)[1] for line in out) == ["EPUB)", "HTML)", "PDF)"]
    assert all(": complete attribution (" in line for line in out)


def test_json_for_ci(editions: dict[str, Path], tmp_path: Path) -> None:
    broken = page(tmp_path, CASES["creator-mismatch"][0](PAGE))
    done = publish("check", "--format", "json", editions["html"], broken)
    report = json.loads(done.stdout)
    assert done.returncode == 1
    assert (report["exit"], report["strict"]) == (1, False)
    assert [(f["file"], f["status"]) for f in report["files"]] == [
        (str(editions["html"]), "pass"),
        (str(broken), "fail"),
    ]
    assert report["files"][1]["findings"] == [
        {
            "code": "creator-mismatch",
            "level": "error",
            "where": "4",
            "message": "JSON-LD schema:author names “Ben Other”, but the byline reads “By Ana Example” (10)",
            "source": "CC 4.0 §3(a)(1)(A)(i)",
        }
    ]


def test_warnings_fail_only_under_strict(tmp_path: Path) -> None:
    path = page(tmp_path, CASES["meta-author"][0](PAGE))
    assert check(path) == (
        0,
        [
            f"{path}: warning [meta-author] no machine-readable author",
            f"{path}: complete attribution (HTML; 1 warning)",
        ],
        "",
    )
    code, out, _ = check("--strict", path)
    assert code == 1
    assert out[-1] == f"{path}: 0 errors, 1 warning (HTML)"


def _edit_zip(
    source: Path,
    target: Path,
    edit: Callable[[str, bytes], bytes],
    order: Callable[[list[zipfile.ZipInfo]], list[zipfile.ZipInfo]] = list,
) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in order(old.infolist()):
            new.writestr(info, edit(info.filename, old.read(info)))


def _opf(change: Callable[[str], str]) -> Callable[[str, bytes], bytes]:
    return lambda name, data: change(data.decode()).encode() if name.endswith(".opf") else data


def test_epub_copies(editions: dict[str, Path], tmp_path: Path) -> None:
    rights = tmp_path / "rights.epub"
    _edit_zip(editions["epub"], rights, _opf(lambda s: re.sub(r"(<dc:rights>)", r"\1Licensed under CC BY 4.0. ", s)))
    assert codes(rights) == ["licence-conflict"]
    finding = next(f for f in check_file(rights).findings if f.code == "licence-conflict")
    assert re.fullmatch(
        r"the file names different licences: CC BY 4\.0 in OPF dc:rights at EPUB/content\.opf:\d+; "
        r"CC BY-NC-ND 4\.0 in OPF licence at EPUB/content\.opf:\d+, OPF dc:rights at EPUB/content\.opf:\d+, "
        r"the visible link at EPUB/colophon\.xhtml:\d+",
        finding.message,
    ), finding.message
    moved = tmp_path / "moved.epub"
    _edit_zip(editions["epub"], moved, lambda name, data: data, order=lambda infos: infos[1:] + infos[:1])
    assert codes(moved) == ["epub-mimetype"]
    assert check(moved)[0] == 0
    assert check("--strict", moved)[0] == 1
    unmarked = tmp_path / "unmarked.epub"
    _edit_zip(
        editions["epub"],
        unmarked,
        lambda name, data: data.replace(b"copyright-page", b"appendix") if name.endswith((".xhtml", ".opf")) else data,
    )
    assert codes(unmarked) == ["epub-copyright-page"]
    drm = tmp_path / "drm.epub"
    _edit_zip(editions["epub"], drm, lambda name, data: data)
    with zipfile.ZipFile(drm, "a") as archive:
        archive.writestr("META-INF/rights.xml", "<rights/>")
    assert codes(drm) == ["technical-restriction"]


def _pdf_saver(source: Path, folder: Path) -> Callable[..., Path]:
    """save(name, change, **options): the PDF at ``source``, changed and saved under ``folder``."""

    def save(name: str, change: Callable[[pikepdf.Pdf], None], **options: object) -> Path:
        path = folder / name
        with pikepdf.open(source) as pdf:
            change(pdf)
            pdf.save(path, **options)  # type: ignore[arg-type]
        return path

    return save


def test_pdf_copies(editions: dict[str, Path], tmp_path: Path) -> None:
    save = _pdf_saver(editions["pdf"], tmp_path)

    def usage_terms(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["xmpRights:UsageTerms"] = "Licensed under CC BY 4.0, https://creativecommons.org/licenses/by/4.0/."

    def no_xmp(pdf: pikepdf.Pdf) -> None:
        del pdf.Root["/Metadata"]

    assert codes(save("terms.pdf", usage_terms)) == ["assumed-dropped", "licence-conflict"]
    info_only = save("info-only.pdf", no_xmp)
    assert codes(info_only) == ["meta-credit", "meta-licence", "meta-notice", "meta-xmp"]
    assert check(info_only)[0] == 0, "Info without XMP is a warning: the attribution is on the page"
    locked = pikepdf.Encryption(owner="owner", user="", allow=pikepdf.Permissions(extract=False, modify_other=False))
    assert codes(save("locked.pdf", lambda pdf: None, encryption=locked)) == ["technical-restriction"]


def test_text_against_the_manuscript(editions: dict[str, Path], tmp_path: Path) -> None:
    html = editions["html"].read_text(encoding="utf-8")
    changed = page(tmp_path, html.replace("with much scepticism", "with some doubt", 1), "changed.html")
    line = next(n for n, text in enumerate(changed.read_text().splitlines(), 1) if "with some doubt" in text)
    code, out, _ = check("--manuscript", ARTICLE, changed)
    assert code == 1
    assert out[0] == (
        f"{changed}:{line}: error [text-differs] the manuscript has “… met in Washington with much scepticism Most "
        "analysts critical of …”, the file “… met in Washington with some doubt Most analysts critical of …” "
        "while the file says the text is unchanged"
    )
    paragraph = re.search(r"<p>Regardless of what.*?</p>", html, re.S)
    assert paragraph is not None
    cut = page(tmp_path, html.replace(paragraph.group(0), ""), "cut.html")
    assert codes(cut) == []  # without the manuscript nothing says a paragraph is missing
    found = check_file(cut, _expected()).findings
    assert [f.code for f in found] == ["text-differs"]
    assert found[0].message.startswith("the file leaves out “… from the American president Regardless of what")
    epub = tmp_path / "changed.epub"
    _edit_zip(
        editions["epub"],
        epub,
        lambda name, data: (
            data.replace(b"with much scepticism", b"with some doubt") if name.endswith(".xhtml") else data
        ),
    )
    assert [f.code for f in check_file(epub, _expected()).findings] == ["text-differs"]


def _expected() -> object:
    from publish.attribution.check import expect
    from publish.source.manuscript import load

    return expect(load(ARTICLE, display=str(ARTICLE)))


def test_the_wrong_manuscript(editions: dict[str, Path]) -> None:
    code, out, _ = check("--manuscript", RICH, editions["html"])
    assert code == 1
    assert (
        f"{editions['html']}:5: error [manuscript-mismatch] the title is “US and North Korean Summitry: Round Two” "
        "(<title>); the manuscript's is “Field Notes on Footnotes”"
    ) in out or any(
        "[manuscript-mismatch] the title is “US and North Korean Summitry: Round Two”" in line for line in out
    )
    assert any(
        line.endswith(
            "[manuscript-mismatch] the licence is CC BY-NC-ND 4.0 "
            "(https://creativecommons.org/licenses/by-nc-nd/4.0/); "
            "the manuscript's is CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"
        )
        for line in out
    )


def test_kit_fragment_passes(editions: dict[str, Path]) -> None:
    fragment = editions["html"].parent / "republish" / "article.html"
    code, out, err = check("--manuscript", ARTICLE, fragment)
    assert (code, err) == (0, ""), out


def test_unreadable_files_exit_2_quietly(editions: dict[str, Path], tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just text\n")
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(editions["pdf"].read_bytes()[:300])
    zipped = tmp_path / "archive.epub"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("readme.txt", "no container")
    for path, message in (
        (text, "unreadable: not an HTML, XHTML, PDF or EPUB file"),
        (truncated, "unreadable: not a readable PDF"),
        (zipped, "unreadable: a ZIP file that is not an EPUB (no META-INF/container.xml)"),
        (tmp_path / "missing.epub", "unreadable: cannot read: No such file or directory"),
    ):
        code, out, err = check(path)
        assert (code, err) == (2, ""), (path, err)
        assert out[0].startswith(f"{path}: {message}"), out
    assert check(editions["html"], text)[0] == 2, "the worst result wins"


def test_a_bare_page_lists_what_is_missing(tmp_path: Path) -> None:
    bare = page(tmp_path, "<!DOCTYPE html><html><head><title>T</title></head><body><p>Hello.</p></body></html>")
    assert codes(bare) == [
        "changes-unstated",
        "creator-not-shown",
        "licence-missing",
        "meta-author",
        "meta-credit",
        "meta-licence",
        "meta-notice",
        "title-not-shown",
    ]
    fragment = page(
        tmp_path,
        '<p>“Tides” by Ana Example, <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>. '
        "Text unchanged.</p>",
        "fragment.html",
    )
    assert codes(fragment) == ["meta-author", "meta-credit", "meta-licence", "meta-notice", "meta-title"]


def test_attribution_command_prints_the_credit_line() -> None:
    done = publish("attribution", ARTICLE)
    assert done.stdout.startswith("“US and North Korean Summitry: Round Two” by Dr James Person.")
    assert done.stdout.strip().endswith("Text unchanged.")
    html = publish("attribution", ARTICLE, "--format", "html").stdout
    assert 'property="cc:attributionName dct:creator">Dr James Person</span>' in html
    assert f'rel="license" href="{DEED}"' in html
    assert f"[CC BY 4.0]({BY})" in publish("attribution", RICH, "--format", "markdown").stdout


# -- files other tools made: tests/fixtures/check, with make.py and expected.toml ------

CORPUS = Path(__file__).resolve().parent / "fixtures" / "check"
EXPECTED = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))["file"]


@pytest.mark.parametrize("case", EXPECTED, ids=[case["name"] for case in EXPECTED])
def test_files_other_tools_made(case: dict[str, object]) -> None:
    args: list[str | Path] = ["--format", "json", CORPUS / str(case["name"])]
    if case["manuscript"]:
        args += ["--manuscript", ARTICLE]
    done = publish("check", *args)
    assert done.stderr == ""
    report = json.loads(done.stdout)["files"][0]
    assert {0: "pass", 1: "fail", 2: "unreadable"}[done.returncode] == case["expect"], report
    found = report["findings"]
    assert sorted({f["code"] for f in found if f["level"] == "error"}) == sorted(case["errors"]), found  # type: ignore[arg-type]
    assert sorted({f["code"] for f in found if f["level"] == "warning"}) == sorted(case["warnings"]), found  # type: ignore[arg-type]


def test_every_rule_has_a_case_and_the_readme_lists_it() -> None:
    from publish.attribution.check import RULES

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    hand = {code for _, expected in CASES.values() for code in expected}
    corpus = {code for case in EXPECTED for code in [*case["errors"], *case["warnings"]]}
    elsewhere = {
        "technical-restriction",
        "text-differs",
        "manuscript-mismatch",
        "meta-xmp",
        "epub-mimetype",
        "epub-copyright-page",
    }
    assert set(RULES) <= hand | corpus | elsewhere
    for rule in RULES.values():
        assert f"| `{rule.code}` | {rule.level} |" in readme, rule.code


@pytest.mark.parametrize(
    ("uri", "short", "name"),
    [
        ("https://creativecommons.org/licenses/by-sa/4.0/legalcode.de", "CC BY-SA 4.0", None),
        ("http://www.creativecommons.org/licenses/by-nc/3.0/de/", "CC BY-NC 3.0 DE", None),
        ("https://creativecommons.org/licenses/by/2.5/deed.fr", "CC BY 2.5", "Creative Commons Attribution 2.5"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0", None),
        ("https://creativecommons.org/publicdomain/mark/1.0/", "Public Domain Mark 1.0", "Public Domain Mark 1.0"),
        (
            "https://creativecommons.org/licenses/by-nc-sa/3.0/",
            "CC BY-NC-SA 3.0",
            "Creative Commons Attribution-NonCommercial-ShareAlike 3.0",
        ),
    ],
)
def test_licence_uris_in_their_many_forms(uri: str, short: str, name: str | None) -> None:
    from publish.attribution.check.cc import licence_of

    found = licence_of(uri)
    assert found is not None
    assert found.short_name == short
    if name is not None:
        assert found.name == name


@pytest.mark.parametrize(
    "uri",
    [
        "ftp://creativecommons.org/licenses/by/4.0/",
        "https://example.org/licenses/by/4.0/",
        "https://creativecommons.org/licenses/nc-by/4.0/",
        "https://creativecommons.org/licenses/by-by/4.0/",
        "https://creativecommons.org/about/",
        "http://[::1",
    ],
)
def test_uris_that_name_no_licence(uri: str) -> None:
    from publish.attribution.check.cc import licence_of

    assert licence_of(uri) is None


def test_epubs_from_other_tools(editions: dict[str, Path], tmp_path: Path) -> None:
    """What other EPUB makers do: encrypt more than fonts, or break an encryption.xml, lose a spine
    document, hide the licence through a stylesheet's @import."""
    encryption = (
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        '<enc:EncryptionMethod Algorithm="{}"/></enc:EncryptedData></encryption>'
    )
    cases = {
        "aes.epub": encryption.format("http://www.w3.org/2001/04/xmlenc#aes128-cbc"),
        "fonts.epub": encryption.format("http://www.idpf.org/2008/embedding"),
        "broken.epub": "<encryption",
    }
    found = {}
    for name, content in cases.items():
        path = tmp_path / name
        _edit_zip(editions["epub"], path, lambda n, data: data)
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("META-INF/encryption.xml", content)
        found[name] = [(f.code, f.message) for f in check_file(path).findings if f.code == "technical-restriction"]
    assert found == {
        "aes.epub": [
            (
                "technical-restriction",
                "META-INF/encryption.xml: resources are encrypted, not just fonts obfuscated",
            )
        ],
        "fonts.epub": [],
        "broken.epub": [("technical-restriction", "META-INF/encryption.xml: resources are encrypted")],
    }

    missing = tmp_path / "missing.epub"
    with zipfile.ZipFile(editions["epub"]) as old, zipfile.ZipFile(missing, "w") as new:
        for info in old.infolist():
            if info.filename != "EPUB/colophon.xhtml":
                new.writestr(info, old.read(info))
    invalid = [f.message for f in check_file(missing).findings if f.code == "meta-invalid"]
    assert len(invalid) == 1
    assert invalid[0].startswith("a spine document cannot be read:")

    hidden = tmp_path / "hidden.epub"

    def hide(name: str, data: bytes) -> bytes:
        if name == "EPUB/css/style.css":
            return b'@import url("hide.css");\n' + data
        return data

    _edit_zip(editions["epub"], hidden, hide)
    with zipfile.ZipFile(hidden, "a") as archive:
        archive.writestr("EPUB/css/hide.css", ".colophon, .notice, .credit-line { display: none; }")
    assert codes(hidden) == ["assumed-dropped", "changes-unstated", "licence-not-shown"]


def test_files_that_are_not_what_they_seem(tmp_path: Path) -> None:
    """Any file anyone made: read if it can be, refused in one line if not, never a traceback."""
    from publish.attribution.check.evidence import UnreadableError

    html = "<!DOCTYPE html><html lang='en'><body><p>Café, CC BY 4.0</p></body></html>"
    utf16 = tmp_path / "utf16.html"
    utf16.write_bytes(html.encode("utf-16"))  # with its byte order mark
    assert check_file(utf16).kind == "HTML"
    latin1 = tmp_path / "latin1.html"
    latin1.write_bytes(html.encode("latin-1"))
    assert check_file(latin1).kind == "HTML"

    zipped = tmp_path / "not-an-epub.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("readme.txt", "hello")
    binary = tmp_path / "binary.dat"
    binary.write_bytes(b"\x00\x01\x02<\x03")
    arithmetic = tmp_path / "sums.txt"
    arithmetic.write_text("3 < 4 and 5 > 2\n", encoding="utf-8")
    nested = tmp_path / "nested.html"
    nested.write_bytes(b"<!DOCTYPE html><html><body>" + b"<div>" * 200_000 + b"deep" + b"</div>" * 200_000)
    refused = {
        nested: "not readable as HTML: its elements are nested deeper than an HTML parser reads",
        zipped: "a ZIP file that is not an EPUB (no META-INF/container.xml)",
        binary: "not an HTML, XHTML, PDF or EPUB file",
        arithmetic: "not an HTML, XHTML, PDF or EPUB file: no HTML element in it",
        tmp_path: "cannot read: Is a directory",
    }
    for path, message in refused.items():
        with pytest.raises(UnreadableError) as raised:
            check_file(path)
        assert str(raised.value) == message


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (KeyError("dc:rights"), "could not be checked: KeyError: 'dc:rights'"),
        (RecursionError("maximum recursion depth exceeded"), "too deeply nested or too large to read (RecursionError)"),
    ],
)
def test_a_failure_inside_a_rule_is_one_line_not_a_traceback(
    failure: Exception, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last safety net: whatever goes wrong while reading a file anyone made, the command
    names the file and exits 2, and the recursion limit it raised is put back."""
    import sys

    import publish.attribution.check as check

    def broken(*args: object) -> None:
        raise failure

    monkeypatch.setattr(check, "verify", broken)
    target = page(tmp_path, "<p>Anything at all.</p>")
    limit = sys.getrecursionlimit()
    with pytest.raises(check.UnreadableError) as raised:
        check_file(target)
    assert str(raised.value) == message
    assert sys.getrecursionlimit() == limit


def test_strict_counts_warnings_as_errors(tmp_path: Path) -> None:
    report = check_file(page(tmp_path, "<p>A page with no licence and no author.</p>"))
    assert report.errors() != []
    assert len(report.errors(strict=True)) == len(report.findings) > len(report.errors())


def test_pdfs_other_tools_make(editions: dict[str, Path], tmp_path: Path) -> None:
    """A PDF that needs a password to open is a technical restriction, whatever else it holds."""
    save = _pdf_saver(editions["pdf"], tmp_path)
    rc4 = {"R": 4, "aes": False, "metadata": False}  # pypdf reads RC4 alone; AES needs cryptography
    sealed = save("sealed.pdf", lambda pdf: None, encryption=pikepdf.Encryption(owner="o", user="secret", **rc4))
    found = [(f.code, f.message) for f in check_file(sealed).findings if f.code == "technical-restriction"]
    assert len(found) == 1
    assert found[0][1].endswith("a password is needed to open it")


def test_json_ld_that_cannot_be_read_offline(tmp_path: Path) -> None:
    """A JSON-LD context elsewhere is not fetched, and the check says so."""
    remote = page(
        tmp_path,
        '<script type="application/ld+json">{"@context": ["https://example.org/context.jsonld", '
        '{"cc": "http://creativecommons.org/ns#"}], "@type": "CreativeWork", "name": "x"}</script><p>x</p>',
        "remote.html",
    )
    messages = [f.message for f in check_file(remote).findings if f.code == "meta-invalid"]
    assert "the JSON-LD context https://example.org/context.jsonld is not read (nothing is fetched)" in messages
